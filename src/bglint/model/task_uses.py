"""How a task function uses one of its parameters: handed on, read as plain attributes, or
its methods called. A task that only reads `upload.filename` or `upload.content_type` works
on a closed upload (semantics.md, "Lifetimes": the values stay, the file does not).

Only the task function's own lines are parsed with the stdlib `ast` (under an `if True:`
header when indented), on first need, once per function per run; most runs never need one.
The lines are those of the text the index summarised, which is what is being checked (stdin,
a `--fix` pass), not what the disk holds.
"""

from __future__ import annotations

import ast
from typing import Dict, FrozenSet, Optional

from bglint.index import FunctionSummary, Index, ModuleSummary

_HEADER = "if True:\n"


def param_uses(
    index: Index, module: ModuleSummary, function: FunctionSummary, param: str
) -> Optional[FrozenSet[str]]:
    """`bare`, `attr:NAME`, `method:NAME` for each use of `param` in `function` (also in its
    nested functions and lambdas), or None when its source cannot be read."""
    cache: Dict[tuple, Optional[FrozenSet[str]]] = index.__dict__.setdefault("_param_uses", {})
    key = (module.path, function.qualname, param, index.text_hash(module))
    if key not in cache:
        cache[key] = _param_uses(index.text_of(module), function, param)
    return cache[key]


def _param_uses(text: Optional[str], function: FunctionSummary, param: str):
    if text is None:
        return None
    lines = text.splitlines(keepends=True)
    body = "".join(lines[function.start_line - 1 : function.end_line])
    try:
        tree = ast.parse(_HEADER + body if function.col else body)
    except (SyntaxError, ValueError):
        return None
    uses = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id == param:
                uses.add(f"attr:{node.attr}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if isinstance(node.func.value, ast.Name) and node.func.value.id == param:
                uses.add(f"method:{node.func.attr}")
    names = sum(1 for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id == param)
    attributes = sum(
        1
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == param
    )
    if names > attributes:
        uses.add("bare")
    return frozenset(uses)
