"""Which sites need a view, decided on the index before LibCST is imported.

A holder is parsed with LibCST only for a site that some rule could report. Each test here is
the model's own, made on the summaries and never narrower (tests/test_gates.py: over every
fixture, dropping the sites they reject loses no finding):
- spawned work, by the parameters around it (index/spawned.py);
- `name.add_task(...)`: the model counts it only when `name` holds a `BackgroundTasks`
  (model/view.py `is_background_tasks`): a parameter with an annotation, a local annotated or
  assigned a call of `BackgroundTasks`, or a module-level instance of it. rich's
  `progress.add_task(...)` and `self.tasks.add_task(...)` are not sites of any rule;
- `name.background = ...`: BG406 reads only a parameter annotated `Response`.

On the medium benchmark corpus these cut the source LibCST parses from 0.36 MB (54 functions)
to 0.18 MB (14). A site whose functions the summary cannot all name (a function defined twice
under one name) always needs its view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Iterable, List, Sequence

from bglint.index.facts import FunctionSummary, Holder, ModuleSummary, Site
from bglint.index.names import BACKGROUND_TASKS, RESPONSE, is_dotted
from bglint.index.spawned import enclosing, qualify_in, spawn_may_matter

if TYPE_CHECKING:  # pragma: no cover
    from bglint.index import Index

__all__ = ["GATED", "holders_to_view", "site_may_matter"]

GATED = frozenset({"spawn", "add_task", "background_attr"})  # the kinds tested here


def holders_to_view(index: "Index", module: ModuleSummary, kinds: Iterable[str]) -> List[Holder]:
    """The holders of `module`'s sites of `kinds` that the rules need a view of, in file order."""
    kinds = frozenset(kinds)
    holders = {
        site.holder
        for site in module.sites
        if site.kind in kinds and site_may_matter(index, module, site)
    }
    return sorted(holders, key=lambda holder: (holder.start_line, holder.end_line))


def site_may_matter(index: "Index", module: ModuleSummary, site: Site) -> bool:
    """Whether a rule could report something at `site`, as far as the summaries tell."""
    if site.kind not in GATED:
        return True
    if site.kind != "spawn" and site.receiver is None:
        return False  # `self.tasks.add_task(...)`, `make().background = ...`
    chain = enclosing(module, site.line)
    if len(chain) != site.depth:
        return True
    if site.kind == "spawn":
        return spawn_may_matter(index, module, chain)
    imports: Dict[str, str] = {}
    for function in chain:
        imports.update(function.body.imports)
    if site.kind == "add_task":
        return _may_hold_tasks(index, module, site.receiver, chain, imports)
    return any(
        param.name == site.receiver
        and param.annotation is not None
        and is_dotted(param.annotation)
        and qualify_in(index, module, param.annotation, imports) in RESPONSE
        for function in chain
        for param in function.params
    )


def _may_hold_tasks(
    index: "Index",
    module: ModuleSummary,
    name: str,
    chain: Sequence[FunctionSummary],
    imports: Dict[str, str],
) -> bool:
    for function in reversed(chain):
        for callee in dict(function.task_bindings).get(name, ()):
            if not callee or qualify_in(index, module, callee, imports) in BACKGROUND_TASKS:
                return True
        if any(param.name == name and param.annotation for param in function.params):
            return True
    created = module.instances.get(name)
    return created is not None and index.qualify(module, created) in BACKGROUND_TASKS
