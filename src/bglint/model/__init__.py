"""LibCST views of the functions that hold background sites (design.md §1)."""

from bglint.model.params import ParamKind
from bglint.model.scopes import Loop, Scope
from bglint.model.view import TaskSite, View, build_view

__all__ = ["ParamKind", "Loop", "Scope", "TaskSite", "View", "build_view"]
