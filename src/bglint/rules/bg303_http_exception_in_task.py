"""BG303 http-exception-in-task."""

from __future__ import annotations

import os
from typing import Iterator

from bglint.index import Index
from bglint.index.handlers import EscapingRaise, escaping_raises, is_plain
from bglint.model import View
from bglint.rules._common import task_function
from bglint.rules.base import Finding, Rule


class HttpExceptionInTask(Rule):
    """## What it does
    Checks for task functions that raise `HTTPException` (FastAPI's or Starlette's), or an
    exception class the app registers a handler for, directly or in a project function they
    call, outside a `try` that catches it.

    ## Why is this bad?
    A task runs after the response has been sent. The exception reaches no client and no
    exception handler: the client already has its 200, the server log shows
    `RuntimeError: Caught handled exception, but response already started`, and the tasks added
    after this one are skipped. Code that raises `HTTPException` in a task was written for a
    client that is no longer there.

    ## Example
    ```python
    from fastapi import BackgroundTasks, FastAPI, HTTPException

    app = FastAPI()
    PRICES = {}


    def refresh_price(product_id: int) -> None:
        if product_id not in PRICES:
            raise HTTPException(status_code=404, detail="Product not found")


    @app.put("/products/{product_id}/price")
    def update_price(product_id: int, background_tasks: BackgroundTasks):
        background_tasks.add_task(refresh_price, product_id)
        return {"updated": product_id}
    ```

    ## Use instead
    ```python
    import logging

    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()
    PRICES = {}


    def refresh_price(product_id: int) -> None:
        if product_id not in PRICES:
            logging.warning("product %s is gone; price not refreshed", product_id)


    @app.put("/products/{product_id}/price")
    def update_price(product_id: int, background_tasks: BackgroundTasks):
        background_tasks.add_task(refresh_price, product_id)
        return {"updated": product_id}
    ```

    ## Versions
    All versions of FastAPI and Starlette.

    ## Known problems
    Helpers are followed three calls deep through the project's modules. Decorated task
    functions are not checked (a decorator may catch the exception), and a handler that names a
    class bglint cannot follow counts as catching it.

    ## References
    - [FastAPI: Handling Errors](https://fastapi.tiangolo.com/tutorial/handling-errors/)
    - [Starlette: Background Tasks](https://www.starlette.io/background/)
    """

    code = "BG303"
    name = "http-exception-in-task"
    message = (
        "`{task}` raises `{exception}`{via} at {where} after the response is sent: no client sees "
        "it and {handler} never runs; log it or record it for the client to poll"
    )

    def check(self, view: View, index: Index) -> Iterator[Finding]:
        for site in view.task_sites:
            found = task_function(view, site)
            if found is None:
                continue
            module, function = found
            if not is_plain(function):
                continue  # a decorator may catch what the task raises
            raises = escaping_raises(index, module, function)
            if not raises:
                continue
            first = raises[0]
            yield self.report(
                site.func,
                task=view.code(site.func),
                exception=first.written,
                via="".join(f" in `{name}`" for name in first.via[-1:]),
                where=_where(first, view.path),
                handler=_handler(first),
            )


def _where(found: EscapingRaise, path: str) -> str:
    if os.path.abspath(found.path) == os.path.abspath(path):
        return f"line {found.line}"
    return f"`{os.path.basename(found.path)}:{found.line}`"


def _handler(found: EscapingRaise) -> str:
    if found.handled:
        return f"the app's `{found.exception.rpartition('.')[2]}` handler"
    return "its exception handler"
