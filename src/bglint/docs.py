"""Rule docs rendered from the rule classes (style.md §2): `docs/rules.md` and `bglint rule`.

`python -m bglint.docs` rewrites `docs/rules.md`; `python -m bglint.docs --check` exits 1 when
the committed page is stale. A test keeps the page in sync.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
from typing import List, Optional, Sequence

AVAILABILITY_LINES = {
    "always": "Fix is always available.",
    "sometimes": "Fix is sometimes available.",
    "never": "No fix is available.",
}
RULES_MD = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "docs", "rules.md"
)
_HEADING = re.compile(r"^(#+)(\s)", re.MULTILINE)
_FENCE = re.compile(r"^\s*(```|~~~)")


def all_rules() -> Sequence[type]:
    from bglint.rules import ALL_RULES  # imports LibCST

    return ALL_RULES


def anchor(code: str, name: str) -> str:
    """The Markdown anchor of a rule's section; `diagnostics.docs_url` points at it."""
    return f"{code.lower()}-{name}"


def availability_line(rule: type) -> str:
    return AVAILABILITY_LINES[str(getattr(rule.fix_availability, "value", rule.fix_availability))]


def rule_body(rule: type) -> str:
    """The rule's docstring, dedented, its headings as written (`## What it does`, ...)."""
    return inspect.cleandoc(rule.__doc__ or "").strip()


def demote_headings(markdown: str, levels: int = 1) -> str:
    """Add `levels` `#` to every heading outside code fences."""
    out: List[str] = []
    fenced = False
    for line in markdown.split("\n"):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced and _HEADING.match(line):
            line = "#" * levels + line
        out.append(line)
    return "\n".join(out)


def render_rule_section(rule: type) -> str:
    """One rule's section of `docs/rules.md`: `## BG101 call-in-add-task` and its doc."""
    return (
        f"## {rule.code} {rule.name}\n\n{availability_line(rule)}\n\n"
        f"{demote_headings(rule_body(rule))}\n"
    )


def render_rule_terminal(rule: type) -> str:
    """What `bglint rule CODE` prints (Markdown, rendered by rich on a terminal)."""
    return f"# {rule.code} {rule.name}\n\n{availability_line(rule)}\n\n{rule_body(rule)}\n"


def render_rules_markdown(rules: Optional[Sequence[type]] = None) -> str:
    """The whole `docs/rules.md`: a title, a table of every rule, then the sections."""
    rules = all_rules() if rules is None else rules
    parts = [
        "# Rules\n",
        "<!-- Generated from the rule classes by `python -m bglint.docs`; do not edit. -->\n",
        "| Code | Name | Fix |",
        "|---|---|---|",
    ]
    for rule in rules:
        value = str(getattr(rule.fix_availability, "value", rule.fix_availability))
        parts.append(f"| [{rule.code}](#{anchor(rule.code, rule.name)}) | {rule.name} | {value} |")
    text = "\n".join(parts) + "\n"
    for rule in rules:
        text += "\n" + render_rule_section(rule)
    return text


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    paths = [a for a in args if a != "--check"]
    target = paths[0] if paths else RULES_MD
    text = render_rules_markdown()
    try:
        with open(target, encoding="utf-8", newline="") as handle:
            current: Optional[str] = handle.read()
    except OSError:
        current = None
    if check:
        if current != text:
            print(f"{target} is stale; run `python -m bglint.docs`", file=sys.stderr)
            return 1
        return 0
    if current != text:
        os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
        with open(target, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
