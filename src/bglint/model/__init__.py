"""LibCST views of the functions that hold background sites (design.md §1)."""

import bglint.libcst_load  # noqa: F401 - first: it imports `libcst.matchers` cheaply
from bglint.model.params import ParamKind
from bglint.model.scopes import Loop, Scope
from bglint.model.view import TaskSite, View, build_view

__all__ = ["ParamKind", "Loop", "Scope", "TaskSite", "View", "build_view"]
