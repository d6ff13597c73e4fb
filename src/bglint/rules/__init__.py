"""The rules, in code order. Importing this package imports LibCST."""

import bglint.libcst_load  # noqa: F401 - first: it imports `libcst.matchers` cheaply
from bglint.rules.base import Finding, FixAvailability, NodeFix, Rule
from bglint.rules.bg000_syntax_error import SyntaxErrorInFile
from bglint.rules.bg101_call_in_add_task import CallInAddTask
from bglint.rules.bg102_await_add_task import AwaitAddTask
from bglint.rules.bg103_late_binding_task import LateBindingTask
from bglint.rules.bg104_task_signature_mismatch import TaskSignatureMismatch
from bglint.rules.bg105_coroutine_never_awaited import CoroutineNeverAwaited
from bglint.rules.bg201_uploadfile_outlives_request import UploadfileOutlivesRequest
from bglint.rules.bg202_request_body_in_task import RequestBodyInTask
from bglint.rules.bg203_dependency_outlives_request import DependencyOutlivesRequest
from bglint.rules.bg204_blocking_upload_read import BlockingUploadRead
from bglint.rules.bg301_blocking_async_task import BlockingAsyncTask
from bglint.rules.bg302_task_error_skips_later_tasks import TaskErrorSkipsLaterTasks
from bglint.rules.bg303_http_exception_in_task import HttpExceptionInTask
from bglint.rules.bg401_orphan_background_tasks import OrphanBackgroundTasks
from bglint.rules.bg402_response_background_overrides import ResponseBackgroundOverrides
from bglint.rules.bg403_task_dropped_by_raise import TaskDroppedByRaise
from bglint.rules.bg404_task_added_after_yield import TaskAddedAfterYield
from bglint.rules.bg405_tasks_in_websocket import TasksInWebsocket
from bglint.rules.bg406_background_on_injected_response import BackgroundOnInjectedResponse
from bglint.rules.bg501_durable_work_in_background_tasks import DurableWorkInBackgroundTasks

ALL_RULES = (
    SyntaxErrorInFile,
    CallInAddTask,
    AwaitAddTask,
    LateBindingTask,
    TaskSignatureMismatch,
    CoroutineNeverAwaited,
    UploadfileOutlivesRequest,
    RequestBodyInTask,
    DependencyOutlivesRequest,
    BlockingUploadRead,
    BlockingAsyncTask,
    TaskErrorSkipsLaterTasks,
    HttpExceptionInTask,
    OrphanBackgroundTasks,
    ResponseBackgroundOverrides,
    TaskDroppedByRaise,
    TaskAddedAfterYield,
    TasksInWebsocket,
    BackgroundOnInjectedResponse,
    DurableWorkInBackgroundTasks,
)

__all__ = ["ALL_RULES", "Finding", "FixAvailability", "NodeFix", "Rule"]
