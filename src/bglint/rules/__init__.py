"""The rules, in code order. Importing this package imports LibCST."""

from bglint.rules.base import Finding, FixAvailability, NodeFix, Rule
from bglint.rules.bg000_syntax_error import SyntaxErrorInFile
from bglint.rules.bg101_call_in_add_task import CallInAddTask
from bglint.rules.bg102_await_add_task import AwaitAddTask
from bglint.rules.bg103_late_binding_task import LateBindingTask
from bglint.rules.bg104_task_signature_mismatch import TaskSignatureMismatch
from bglint.rules.bg105_coroutine_never_awaited import CoroutineNeverAwaited

ALL_RULES = (
    SyntaxErrorInFile,
    CallInAddTask,
    AwaitAddTask,
    LateBindingTask,
    TaskSignatureMismatch,
    CoroutineNeverAwaited,
)

__all__ = ["ALL_RULES", "Finding", "FixAvailability", "NodeFix", "Rule"]
