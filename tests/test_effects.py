"""Task-body effects (index/effects.py): config lists, helper depth and memoisation."""

from __future__ import annotations

import textwrap
from pathlib import Path

from bglint.index import Index
from bglint.index.effects import MAX_DEPTH, effects_of

SOURCE = """
import legacy.billing
from vendor.sync import fetch


def settle(invoice: int) -> None:
    legacy.billing.settle_invoice(invoice)


def refresh(key: str) -> None:
    fetch(key)


def level_4() -> None:
    legacy.billing.settle_invoice(1)


def level_3() -> None:
    level_4()


def level_2() -> None:
    level_3()


def level_1() -> None:
    level_2()


def task() -> None:
    level_1()


def recursive(n: int) -> None:
    recursive(n - 1)
"""


def summary(tmp_path: Path, index: Index):
    path = tmp_path / "tasks.py"
    path.write_text(textwrap.dedent(SOURCE))
    return index.add(str(path), path.read_text())


def test_durable_and_blocking_calls_come_from_the_settings(tmp_path: Path) -> None:
    index = Index(blocking_calls=("vendor.sync.fetch",), durable_calls=("legacy.billing",))
    module = summary(tmp_path, index)
    settle = effects_of(index, module, module.functions["settle"])
    assert [(e.kind, e.what) for e in settle.durable] == [
        ("durable-call", "legacy.billing.settle_invoice")
    ]
    refresh = effects_of(index, module, module.functions["refresh"])
    assert [e.what for e in refresh.blocking] == ["vendor.sync.fetch"]


def test_without_settings_the_calls_are_plain(tmp_path: Path) -> None:
    index = Index()
    module = summary(tmp_path, index)
    assert effects_of(index, module, module.functions["settle"]).durable == ()
    assert effects_of(index, module, module.functions["refresh"]).blocking == ()


def test_helpers_are_followed_to_a_fixed_depth(tmp_path: Path) -> None:
    index = Index(durable_calls=("legacy.billing",))
    module = summary(tmp_path, index)
    assert MAX_DEPTH == 3
    found = effects_of(index, module, module.functions["level_1"]).durable
    assert [e.via for e in found] == [("level_2", "level_3", "level_4")]
    assert effects_of(index, module, module.functions["task"]).durable == ()  # four calls deep


def test_recursion_ends_and_results_are_memoised(tmp_path: Path) -> None:
    index = Index()
    module = summary(tmp_path, index)
    first = effects_of(index, module, module.functions["recursive"])
    assert effects_of(index, module, module.functions["recursive"]) is first
