"""Qualified names the analysis recognises, after import-table resolution.

FastAPI re-exports Starlette's classes, so every spelling a user can import from is listed.
"""

from __future__ import annotations

import ast
from typing import Optional

BACKGROUND_TASKS = frozenset(
    {
        "fastapi.BackgroundTasks",
        "fastapi.background.BackgroundTasks",
        "starlette.background.BackgroundTasks",
    }
)
BACKGROUND_TASK = frozenset({"starlette.background.BackgroundTask"})
UPLOAD_FILE = frozenset(
    {
        "fastapi.UploadFile",
        "fastapi.datastructures.UploadFile",
        "starlette.datastructures.UploadFile",
    }
)
REQUEST = frozenset({"fastapi.Request", "fastapi.requests.Request", "starlette.requests.Request"})
WEBSOCKET = frozenset(
    {"fastapi.WebSocket", "fastapi.websockets.WebSocket", "starlette.websockets.WebSocket"}
)
DEPENDS = frozenset(
    {"fastapi.Depends", "fastapi.params.Depends", "fastapi.param_functions.Depends"}
)
FASTAPI_APP = frozenset({"fastapi.FastAPI", "fastapi.applications.FastAPI"})
API_ROUTER = frozenset({"fastapi.APIRouter", "fastapi.routing.APIRouter"})
ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
OPTIONAL = frozenset({"typing.Optional", "typing_extensions.Optional"})
UNION = frozenset({"typing.Union", "typing_extensions.Union"})
CALLABLE = frozenset({"typing.Callable", "collections.abc.Callable", "typing_extensions.Callable"})
PARTIAL = frozenset({"functools.partial"})
# Builtins and standard helpers whose result is a callable: a task built by them is fine.
CALLABLE_FACTORIES = PARTIAL | frozenset(
    {
        "builtins.getattr",
        "operator.attrgetter",
        "operator.itemgetter",
        "operator.methodcaller",
        "functools.wraps",
        "functools.lru_cache",
        "functools.cache",
        "contextvars.copy_context",
    }
)

HTTP_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "trace"})
ROUTE_DECORATORS = HTTP_METHODS | frozenset({"api_route", "websocket", "route", "websocket_route"})
ROUTE_REGISTRATIONS = frozenset(
    {"add_api_route", "add_api_websocket_route", "add_route", "add_websocket_route"}
)

# Calls that start work outliving the request (design.md §2, BG2xx); the last attribute name.
# The model's own list (model/spawn.py `SPAWN_NAMES`): `asyncio.to_thread(f)` is a coroutine,
# spawned only through `create_task(...)`, which is a site itself.
SPAWN_CALLS = frozenset({"create_task", "ensure_future", "run_in_executor", "submit", "Thread"})

# Response classes that take `background=` (every class in these modules, and the re-export).
RESPONSE_MODULES = ("fastapi.responses.", "starlette.responses.")
RESPONSE_CLASSES = frozenset({"fastapi.Response"})

# BG303: Starlette's HTTPException, which FastAPI's subclasses; both have a default handler.
HTTP_EXCEPTION = frozenset(
    {
        "fastapi.HTTPException",
        "fastapi.exceptions.HTTPException",
        "starlette.exceptions.HTTPException",
    }
)
# BG406: the injected `response: Response` parameter's class, under every spelling.
RESPONSE = frozenset(
    {"fastapi.Response", "fastapi.responses.Response", "starlette.responses.Response"}
)
# BG405: registrations whose endpoint serves a WebSocket.
WEBSOCKET_ROUTES = frozenset(
    {"websocket", "websocket_route", "add_api_websocket_route", "add_websocket_route"}
)


def is_dotted(text: str) -> bool:
    """Whether `text` is a name or a dotted name (`get_db`, `deps.get_db`), nothing else."""
    return all(part.isidentifier() for part in text.split("."))


def dotted_name(node: Optional[ast.AST]) -> Optional[str]:
    """`a.b.c` for a Name/Attribute chain of the stdlib `ast`, else None (as written, before
    the import table resolves it)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def source_of(node: ast.AST) -> str:
    """`ast.unparse(node)`, or "..." for an expression nested deeper than `ast.unparse` can
    recurse (600 subscripts `ast.parse` takes): the summary then knows nothing of it."""
    try:
        return ast.unparse(node)
    except RecursionError:
        return "..."
