"""What every rule class promises (style.md §1, §3, §6), checked on the classes themselves."""

from __future__ import annotations

import re
import string

import pytest

from bglint import catalogue
from bglint.rules import ALL_RULES
from bglint.rules.base import FixAvailability

# BG000's class would be `SyntaxError` by the naming rule, which would shadow the builtin.
CLASS_NAME_EXCEPTIONS = {"BG000": "SyntaxErrorInFile"}


def camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def test_rules_are_in_code_order_and_match_the_catalogue() -> None:
    codes = [rule.code for rule in ALL_RULES]
    assert codes == sorted(codes)
    assert {r.code: r.name for r in ALL_RULES} == catalogue.rule_names()
    assert set(catalogue.SITE_KINDS) == set(codes) - {"BG000"}


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_class_and_module_follow_the_rule_name(rule) -> None:
    assert rule.__name__ == CLASS_NAME_EXCEPTIONS.get(rule.code, camel(rule.name))
    module = rule.__module__.rpartition(".")[2]
    assert module == f"bg{rule.code[2:]}_{rule.name.replace('-', '_')}"
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name)
    assert not rule.name.startswith(("no-", "avoid-", "use-", "bad-"))


def templates(rule) -> dict:
    found = {"message": rule.message, **rule.messages}
    if rule.fix_title:
        found["fix_title"] = rule.fix_title
    return found


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_message_templates_follow_the_house_style(rule) -> None:
    for label, template in templates(rule).items():
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
        assert all(f and not f.isdigit() for f in fields), f"{label}: placeholders must be named"
        assert not template.endswith("."), f"{label}: no trailing period"
        lowered = template.lower()
        for word in ("you ", "please", "!", "don't", "avoid", "consider"):
            assert word not in lowered, f"{label}: {word!r} is not the house tone"
        assert not template.startswith(rule.code)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_fixable_rules_have_a_fix_title(rule) -> None:
    fixable = rule.fix_availability is not FixAvailability.NEVER
    assert bool(rule.fix_title) == fixable
