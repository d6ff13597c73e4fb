"""Spawned work: calls in a view that start work the request does not wait for (design.md §2).

`asyncio.create_task(coro(...))`, `asyncio.ensure_future(coro(...))`,
`loop.run_in_executor(executor, f, ...)`, `executor.submit(f, ...)` on a `concurrent.futures`
executor (local or module-level, never one of a `with` block, which waits on exit) and
`threading.Thread(target=f, args=(...), kwargs={...})`. Work the function waits for is not
spawned work: an awaited call, a task or future that is later awaited, gathered, `.result()`-ed
or `.join()`-ed in the same function (`await loop.run_in_executor(...)` is the common case).
Only the two outlive-probe shapes are kept when unsure: a call whose result is discarded, or one
whose result only goes into a container or gets a done-callback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Dict, List, Optional, Sequence, Set, Tuple

import libcst as cst

from bglint.model.scopes import Loop, Scope
from bglint.model.walk import Walker

if TYPE_CHECKING:  # pragma: no cover
    from bglint.model.view import View

CREATE_TASK = frozenset(
    {"asyncio.create_task", "asyncio.ensure_future", "asyncio.tasks.create_task"}
)
GET_LOOP = frozenset({"asyncio.get_event_loop", "asyncio.get_running_loop"})
EXECUTORS = frozenset(
    {
        "concurrent.futures.ThreadPoolExecutor",
        "concurrent.futures.ProcessPoolExecutor",
        "concurrent.futures.thread.ThreadPoolExecutor",
        "concurrent.futures.process.ProcessPoolExecutor",
    }
)
THREAD = frozenset({"threading.Thread"})
PARTIAL = frozenset({"functools.partial"})
SPAWN_NAMES = frozenset({"create_task", "ensure_future", "run_in_executor", "submit", "Thread"})
# Uses of a spawned handle that keep it alive without waiting for it.
_KEEPING_METHODS = frozenset({"add", "append", "add_done_callback", "start", "setDaemon"})


@dataclass
class SpawnSite:
    """A call that starts work outliving the request, and what that work receives."""

    call: cst.Call = field(repr=False)
    kind: str  # "create_task" | "ensure_future" | "run_in_executor" | "submit" | "thread"
    func: Optional[cst.BaseExpression] = field(repr=False)  # the callable (or coroutine function)
    args: Tuple[cst.Arg, ...] = field(repr=False)  # what the callable is called with
    scopes: Tuple[Scope, ...] = field(repr=False)
    loops: Tuple[Loop, ...] = field(repr=False)

    @property
    def label(self) -> str:
        return {
            "create_task": "asyncio.create_task",
            "ensure_future": "asyncio.ensure_future",
            "run_in_executor": "run_in_executor",
            "submit": "executor.submit",
            "thread": "threading.Thread",
        }[self.kind]


def is_spawn_candidate(node: cst.Call) -> bool:
    func = node.func
    if isinstance(func, cst.Attribute):
        return func.attr.value in SPAWN_NAMES
    return isinstance(func, cst.Name) and func.value in SPAWN_NAMES


def find_spawn(
    view: "View", call: cst.Call, scopes: Sequence[Scope], loops: Sequence[Loop], awaited: bool
) -> Optional[SpawnSite]:
    """The spawn site `call` is, or None (not spawned work, or waited for)."""
    if awaited or not scopes or scopes[-1].node is None:
        return None
    kind, func, args = _shape(view, call, scopes)
    if kind is None or _is_waited_for(view, call, scopes[-1]):
        return None
    return SpawnSite(call, kind, func, args, tuple(scopes), tuple(loops))


def _shape(view: "View", call: cst.Call, scopes: Sequence[Scope]):
    qualified = view.qualify(call.func, scopes)
    attr = call.func.attr.value if isinstance(call.func, cst.Attribute) else None
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if qualified in CREATE_TASK or (attr == "create_task" and _is_loop(view, call.func, scopes)):
        kind = (
            "ensure_future" if qualified and qualified.endswith("ensure_future") else "create_task"
        )
        if positional and isinstance(positional[0].value, cst.Call):
            coroutine = positional[0].value
            return kind, coroutine.func, tuple(coroutine.args)
        return None, None, ()
    if attr == "run_in_executor" and _is_loop(view, call.func, scopes) and len(positional) >= 2:
        if any(a.star for a in call.args):
            return None, None, ()
        return "run_in_executor", positional[1].value, tuple(call.args[2:])
    if attr == "submit" and _is_executor(view, call.func.value, scopes) and call.args:
        first = call.args[0]
        if first.keyword is not None or first.star:
            return None, None, ()
        return "submit", first.value, tuple(call.args[1:])
    if qualified in THREAD:
        return _thread_shape(call)
    return None, None, ()


def _thread_shape(call: cst.Call):
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    target = keywords.get("target")
    if target is None:
        return None, None, ()
    args = []
    packed = keywords.get("args")
    if isinstance(packed, (cst.Tuple, cst.List)):
        args += [cst.Arg(value=e.value) for e in packed.elements if isinstance(e, cst.Element)]
    elif packed is not None:
        return None, None, ()
    named = keywords.get("kwargs")
    if isinstance(named, cst.Dict):
        for element in named.elements:
            if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
                keyword = element.key.evaluated_value
                if isinstance(keyword, str) and keyword.isidentifier():
                    args.append(cst.Arg(value=element.value, keyword=cst.Name(keyword)))
    elif named is not None:
        return None, None, ()
    return "thread", target, tuple(args)


def _is_loop(view: "View", func: cst.Attribute, scopes: Sequence[Scope]) -> bool:
    """`asyncio.get_running_loop().create_task`, or `loop.…` with `loop = get_event_loop()`."""
    receiver = func.value
    if isinstance(receiver, cst.Call):
        return view.qualify(receiver.func, scopes) in GET_LOOP
    value = _local_value(receiver, scopes)
    return isinstance(value, cst.Call) and view.qualify(value.func, scopes) in GET_LOOP


def _is_executor(view: "View", receiver: cst.BaseExpression, scopes: Sequence[Scope]) -> bool:
    """A `concurrent.futures` executor made in this function (not by a `with`) or at module
    level; an executor of a `with` block is shut down, waiting, when the block ends."""
    if isinstance(receiver, cst.Call):
        return view.qualify(receiver.func, scopes) in EXECUTORS
    if not isinstance(receiver, cst.Name):
        return False
    for scope in reversed(scopes):
        if receiver.value in scope.assigned:
            value = scope.assigned[receiver.value]
            return isinstance(value, cst.Call) and view.qualify(value.func, scopes) in EXECUTORS
        if scope.binds(receiver.value):
            return False
    created = view.module.instances.get(receiver.value)
    return created is not None and view.index.qualify(view.module, created) in EXECUTORS


def _local_value(expr: cst.BaseExpression, scopes: Sequence[Scope]):
    if not isinstance(expr, cst.Name):
        return None
    for scope in reversed(scopes):
        if expr.value in scope.assigned:
            return scope.assigned[expr.value]
        if scope.binds(expr.value):
            return None
    return None


class _HandleUses(Walker):
    """What one function body does with call results, in one walk (for `_is_waited_for`)."""

    def __init__(self) -> None:
        super().__init__()
        self.discarded: Set[int] = set()  # calls whose result is an expression statement
        self.started: Set[int] = set()  # calls `c` in a statement `c.method(...)`
        self.assigned: Dict[int, List[str]] = {}  # call id -> the single name it is assigned to
        self.names: Dict[str, int] = {}  # every `Name` node, attributes included
        self.kept: Dict[str, int] = {}  # `name.add(...)`, `name.start()`, callbacks, ...
        self.stored: Dict[str, List[cst.BaseExpression]] = {}  # receivers of `x.add(name)`
        self.stored_calls: Dict[int, cst.BaseExpression] = {}  # call id -> `x` of `x.add(call)`

    def visit_Expr(self, node: cst.Expr) -> None:
        self.discarded.add(id(node.value))
        value = node.value
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute):
            self.started.add(id(value.func.value))

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            self.assigned.setdefault(id(node.value), []).append(node.targets[0].target.value)

    def visit_Name(self, node: cst.Name) -> None:
        self.names[node.value] = self.names.get(node.value, 0) + 1

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        if isinstance(func.value, cst.Name) and func.attr.value in _KEEPING_METHODS:
            self.kept[func.value.value] = self.kept.get(func.value.value, 0) + 1
        if func.attr.value in ("add", "append") and len(node.args) == 1:
            value = node.args[0].value
            if isinstance(value, cst.Name) and not node.args[0].star:
                self.stored.setdefault(value.value, []).append(func.value)
            elif isinstance(value, cst.Call) and id(node) in self.discarded:
                self.stored_calls[id(value)] = func.value


def _handle_uses(view: "View", scope: Scope) -> _HandleUses:
    uses = view.memo.get(("handle-uses", id(scope)))
    if uses is None:
        uses = _HandleUses()
        uses.walk(scope.node.body)
        view.memo[("handle-uses", id(scope))] = uses
    return uses


def _is_waited_for(view: "View", call: cst.Call, scope: Scope) -> bool:
    """Whether the function keeps the handle `call` returns and may wait for it: anything but
    a discarded result, `.start()` on it, or a name only stored away or given a callback."""
    uses = _handle_uses(view, scope)
    if id(call) in uses.discarded or id(call) in uses.started:
        return False
    if id(call) in uses.stored_calls:  # `running.add(asyncio.create_task(...))`
        return _is_local(uses.stored_calls[id(call)], scope)
    assigned = uses.assigned.get(id(call), [])
    if len(assigned) != 1:
        return True
    name = assigned[0]
    stored = [r for r in uses.stored.get(name, []) if not _is_local(r, scope)]
    # every use: the assignment target, `name.start()` / callbacks, or storing it in a set that
    # outlives the call (a module-level set, `app.state.tasks`); a local list may be gathered
    return uses.names.get(name, 0) - 1 > uses.kept.get(name, 0) + len(stored)


def _is_local(receiver: cst.BaseExpression, scope: Scope) -> bool:
    return isinstance(receiver, cst.Name) and scope.binds(receiver.value)
