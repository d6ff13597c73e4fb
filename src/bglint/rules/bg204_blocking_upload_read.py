"""BG204 blocking-upload-read."""

from __future__ import annotations

from typing import Iterator, Optional

import libcst as cst
import libcst.matchers as m

from bglint.diagnostics import Applicability
from bglint.index import Index
from bglint.model import View
from bglint.model.provenance import FileRead, origin_of
from bglint.rules.base import Finding, FixAvailability, Rule

# Ex) content = file.file.read()  (`await file.read()` can stand there without parentheses)
BARE_CONTEXT = m.Assign() | m.AnnAssign() | m.Return() | m.Expr() | m.Arg() | m.Element()


class BlockingUploadRead(Rule):
    """## What it does
    Checks for `x.file.read()` on an `UploadFile` inside an `async def` endpoint or
    dependency.

    ## Why is this bad?
    `UploadFile.file` is a `SpooledTemporaryFile`: reading it is a synchronous call that runs
    on the event loop and stalls every other request while an upload larger than 1 MiB is read
    from disk, and it loads the whole upload into memory. `await x.read()` returns the same
    bytes and reads in the thread pool once the upload has spilled to disk.

    ## Example
    ```python
    from fastapi import FastAPI, UploadFile

    app = FastAPI()


    @app.post("/imports")
    async def import_csv(file: UploadFile):
        content = file.file.read()
        return {"lines": content.count(b"\\n")}
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI, UploadFile

    app = FastAPI()


    @app.post("/imports")
    async def import_csv(file: UploadFile):
        content = await file.read()
        return {"lines": content.count(b"\\n")}
    ```

    ## Fix safety
    The fix replaces `file.file.read()` with `await file.read()`, which returns the same bytes
    (with the same size argument). It is safe and offered in the body of the `async def` itself;
    not inside a comprehension, where an `await` changes what a generator expression is.

    ## Versions
    All versions of FastAPI (probe exp08: a 2 MiB read ran on the event loop thread).

    ## References
    - [FastAPI: Request Files, `UploadFile`](https://fastapi.tiangolo.com/tutorial/request-files/)
    """

    code = "BG204"
    name = "blocking-upload-read"
    message = (
        "`{call}` reads the upload synchronously on the event loop, stalling every request, and "
        "loads it whole into memory; use `await {param}.read()`"
    )
    fix_title = "Replace `{call}` with `await {param}.read()`"
    fix_availability = FixAvailability.SOMETIMES

    def check(self, view: View, index: Index) -> Iterator[Finding]:
        for read in view.file_reads:
            scope = read.scopes[-1] if read.scopes else None
            if scope is None or scope.node is None or scope.node.asynchronous is None:
                continue
            upload = read.call.func.value.value  # `x` of `x.file.read()`
            origin = origin_of(view, upload, read.scopes, read.loops)
            if origin is None or origin.kind not in ("upload", "upload_element"):
                continue
            if _in_lambda(scope.node, read.call):
                continue  # runs when the lambda is called, maybe in a thread
            fields = dict(call=view.code(read.call), param=view.code(upload))
            yield self.report(read.call, fix=self._fix(view, read, upload, fields), **fields)

    def _fix(self, view: View, read: FileRead, upload: cst.BaseExpression, fields: dict):
        if any(isinstance(loop.node, cst.CompFor) for loop in read.loops):
            return None
        new_call = read.call.with_changes(func=cst.Attribute(value=upload, attr=cst.Name("read")))
        awaited: cst.BaseExpression = cst.Await(expression=new_call)
        parent = _parent(read.scopes[-1].node, read.call)
        if parent is None:
            return None
        if not m.matches(parent, BARE_CONTEXT):
            awaited = awaited.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return self.make_fix(((read.call, awaited),), Applicability.SAFE, **fields)


def _in_lambda(function: cst.FunctionDef, call: cst.Call) -> bool:
    inside = m.MatchIfTrue(lambda node: node is call)
    return any(m.findall(lam, inside) for lam in m.findall(function, m.Lambda()))


def _parent(function: cst.FunctionDef, call: cst.Call) -> Optional[cst.CSTNode]:
    finder = _ParentFinder(call)
    function.visit(finder)
    return finder.parent


class _ParentFinder(cst.CSTVisitor):
    def __init__(self, target: cst.CSTNode) -> None:
        self.target = target
        self.stack: list = []
        self.parent: Optional[cst.CSTNode] = None

    def on_visit(self, node: cst.CSTNode) -> bool:
        if node is self.target:
            self.parent = self.stack[-1] if self.stack else None
            return False
        self.stack.append(node)
        return self.parent is None

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if original_node is not self.target and self.stack and self.stack[-1] is original_node:
            self.stack.pop()
