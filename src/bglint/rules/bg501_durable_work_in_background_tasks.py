"""BG501 durable-work-in-background-tasks."""

from __future__ import annotations

from typing import Iterator

from bglint.index import Index
from bglint.index.effects import Effect, effects_of
from bglint.model import View
from bglint.rules._common import task_function
from bglint.rules.base import Finding, Rule

# What the task does, by the kind of effect found (index/effects.py).
_DOING = {
    "email": "sends email with {what}",
    "payment": "takes a payment with {what}",
    "retry": "retries its work with {what}",
    "retry-loop": "retries in a loop that waits with {what}",
    "endless-loop": "runs an endless loop ({what})",
    "durable-call": "calls {what}, listed in `durable-calls`",
}


class DurableWorkInBackgroundTasks(Rule):
    """## What it does
    Checks for tasks that do work which must happen or must be retried: sending email
    (`smtplib`, `aiosmtplib`, `fastapi_mail`, SendGrid, SES, ...), taking payments (`stripe`,
    `braintree`, ...), retrying (`tenacity.retry`, `backoff.on_exception`, retry loops),
    endless loops, and calls listed in `durable-calls`, in the task or a helper it calls.

    ## Why is this bad?
    `BackgroundTasks` live in the memory of the server process. A restart, crash, deploy or
    scale-down loses every task that has not finished, and nothing retries a task that
    failed, so the email is never sent and nobody knows.

    ## Example
    ```python
    import smtplib

    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    def send_reset_email(to: str) -> None:
        with smtplib.SMTP("localhost") as smtp:
            smtp.sendmail("shop@example.com", [to], "Reset your password")


    @app.post("/password-reset")
    def reset(email: str, background_tasks: BackgroundTasks):
        background_tasks.add_task(send_reset_email, email)
    ```

    ## Use instead
    ```python
    import smtplib

    from celery import Celery

    worker = Celery("shop", broker="redis://localhost")


    @worker.task(autoretry_for=(smtplib.SMTPException,), retry_backoff=True)
    def send_reset_email(to: str) -> None:
        with smtplib.SMTP("localhost") as smtp:
            smtp.sendmail("shop@example.com", [to], "Reset your password")
    ```

    ## Versions
    All versions of FastAPI and Starlette.

    ## Options
    - `durable-calls`: more fully qualified names of calls whose work must not be lost.

    ## Known problems
    A task is judged by the calls it makes (followed three helper calls deep), never by its
    name: email sent through a client object built elsewhere and passed in is not seen.

    ## References
    - [FastAPI: Background Tasks, caveat](https://fastapi.tiangolo.com/tutorial/background-tasks/#caveat)
    - [Celery](https://docs.celeryq.dev/), [ARQ](https://arq-docs.helpmanual.io/),
      [RQ](https://python-rq.org/), [Dramatiq](https://dramatiq.io/),
      [Taskiq](https://taskiq-python.github.io/)
    """

    code = "BG501"
    name = "durable-work-in-background-tasks"
    message = (
        "task `{task}` {doing}: a restart, crash or deploy loses it and nothing retries it; "
        "run it on a durable queue (Celery, ARQ, RQ, Dramatiq, Taskiq)"
    )

    def check(self, view: View, index: Index) -> Iterator[Finding]:
        for site in view.task_sites:
            found = task_function(view, site)
            if found is None:
                continue
            module, function = found
            durable = effects_of(index, module, function).durable
            if durable:
                yield self.report(site.func, task=function.name, doing=_doing(durable[0]))


def _doing(effect: Effect) -> str:
    return _DOING[effect.kind].format(what=effect.described())
