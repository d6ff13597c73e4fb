"""`# noqa` directives: flake8's syntax, and finding the `# noqa: BGxxx` ones that silence nothing.

`# noqa` silences every finding on its line; `# noqa: BG101, BG2` the findings whose code
starts with one of the listed codes (flake8's prefix match). With `--report-unused-noqa` the
engine lists each BG code of a `# noqa: ...` directive that silenced nothing on its line
(ruff's RUF100, limited to bglint's codes): a code of another tool (`E501`) is not ours to
judge, a bare `# noqa` may serve other tools, and a code this run does not enable (deselected,
or turned off for the file) may be needed by another run, so those are left alone. A code
that is not a bglint code at all (`BG999`) is reported as unknown. No LibCST.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import FrozenSet, Iterable, List, Optional, Sequence, Tuple

from bglint import catalogue

NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
CODE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
PREFIX = "BG"


def is_suppressed(code: str, line: str) -> bool:
    """flake8's rule: a bare `# noqa` silences the line, `# noqa: BG1, BG203` matches by prefix."""
    match = NOQA.search(line)
    if match is None:
        return False
    codes = match.group("codes")
    if not codes:
        return True
    return any(code.startswith(c.upper()) for c in CODE.findall(codes))


@dataclass(frozen=True)
class UnusedNoqa:
    """One code of a `# noqa: ...` directive that silenced nothing (`unknown`: not a BG code)."""

    path: str
    row: int
    column: int  # 1-based, where the directive's `#` is
    code: str
    unknown: bool = False

    @property
    def message(self) -> str:
        if self.unknown:
            return (
                f"`# noqa` names `{self.code}`, which is no bglint code; it silences nothing "
                "(`bglint rules` lists the codes)"
            )
        return (
            f"unused `# noqa` code `{self.code}`: no `{self.code}` finding on this line; "
            "remove it so that a later finding here is not hidden"
        )


def find_unused(
    path: str,
    lines: Sequence[str],
    silenced: Iterable[Tuple[int, str]],
    enabled: FrozenSet[str],
    ignored_here: Tuple[str, ...] = (),
) -> List[UnusedNoqa]:
    """The unused BG codes of the `# noqa: ...` directives in `lines`.

    `silenced` holds (row, code) of each finding a directive silenced in this run, `enabled`
    the codes this run checks, `ignored_here` the prefixes `per-file-ignores` turns off here."""
    used = set(silenced)
    known = catalogue.rule_names()
    unused: List[UnusedNoqa] = []
    for row, line in enumerate(lines, start=1):
        if "noqa" not in line.lower():
            continue
        match = NOQA.search(line)
        if match is None or not match.group("codes"):
            continue
        for code in (c.upper() for c in CODE.findall(match.group("codes"))):
            if not code.startswith(PREFIX):
                continue
            covered = [c for c in known if c.startswith(code)]
            column = match.start() + 1
            if not covered:
                unused.append(UnusedNoqa(path, row, column, code, unknown=True))
                continue
            active = [c for c in covered if c in enabled and not c.startswith(ignored_here)]
            if not active:
                continue  # not checked by this run: it may serve another selection
            if not any(r == row and c.startswith(code) for r, c in used):
                unused.append(UnusedNoqa(path, row, column, code))
    return unused


def decoded_lines(raw: bytes) -> Optional[List[str]]:
    """The lines of a file the engine did not decode (the prefilter passed over it)."""
    from bglint.edits import split_lines
    from bglint.source import SourceError, decode_source

    try:
        return split_lines(decode_source(raw, "-").text)
    except SourceError:
        return None


def record_unused(
    result,
    raw: bytes,
    silenced: Iterable[Tuple[int, str]],
    enabled: FrozenSet[str],
    ignored_here: Tuple[str, ...],
) -> None:
    """Fill `result.unused_noqa` (a `FileResult`) for the text its findings refer to."""
    if result.skipped or b"noqa" not in raw.lower():
        return
    from bglint.edits import split_lines

    if result.fixed_source is not None:
        lines: Optional[List[str]] = split_lines(result.fixed_source)
    elif result.source is not None:
        lines = split_lines(result.source.text)
    else:
        lines = decoded_lines(raw)
    if lines is not None:
        result.unused_noqa = find_unused(result.path, lines, silenced, enabled, ignored_here)
