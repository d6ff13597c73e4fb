"""Sign-up, the current user, profile changes and account emails."""

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Header, Response
from pydantic import BaseModel
from starlette.background import BackgroundTask

from ..services import outbox
from ..tasks import audit_log, send_email, send_welcome, touch_last_seen

router = APIRouter(tags=["users"])
RESET_LINK = "https://shop.example.com/reset"
CONFIRM_LINK = "https://shop.example.com/confirm"


class EmailBody(BaseModel):
    email: str


# Mistake: code after `yield` runs after the request's tasks ran: on FastAPI <=0.105 and >=0.118 this never runs.
def current_user(x_user_id: Annotated[int, Header()], background_tasks: BackgroundTasks):
    yield x_user_id
    background_tasks.add_task(touch_last_seen, x_user_id)  # error: BG404


def active_user(x_user_id: Annotated[int, Header()], background_tasks: BackgroundTasks) -> int:
    background_tasks.add_task(touch_last_seen, x_user_id)
    return x_user_id


CurrentUser = Annotated[int, Depends(current_user)]
ActiveUser = Annotated[int, Depends(active_user)]


@router.post("/signup")
def signup(body: EmailBody, background_tasks: BackgroundTasks):
    # Mistake: `send_welcome(...)` runs right now and `add_task` schedules its result, None.
    background_tasks.add_task(send_welcome(body.email))  # error: BG101
    return {"status": "welcome"}


@router.post("/invitations/accept")
def accept_invitation(body: EmailBody, background_tasks: BackgroundTasks):
    background_tasks.add_task(send_welcome, body.email)
    return {"status": "welcome"}


@router.get("/me")
def read_me(user_id: CurrentUser):
    return {"id": user_id}


@router.put("/me/email")
def change_email(body: EmailBody, user_id: ActiveUser, response: Response):
    response.headers["Cache-Control"] = "no-store"
    # Mistake: the injected Response only lends headers, cookies and status; its background is dropped.
    response.background = BackgroundTask(audit_log, "user.email_changed", user_id)  # error: BG406
    return {"email": body.email}


@router.put("/me/name")
def change_name(name: str, user_id: ActiveUser, background_tasks: BackgroundTasks):
    background_tasks.add_task(audit_log, "user.name_changed", user_id)
    return {"name": name}


@router.post("/password-reset")
def request_password_reset(body: EmailBody, background_tasks: BackgroundTasks):
    # Mistake: this email must go out, but a deploy, crash or SMTP outage loses the task: no retry.
    background_tasks.add_task(send_email, body.email, "Reset your password", RESET_LINK)  # error: BG501
    return {"status": "sent"}


@router.post("/email-verification")
def request_email_verification(body: EmailBody):
    # A durable outbox row that a worker sends and retries.
    outbox.add_task(send_email, to=body.email, subject="Confirm your email", text=CONFIRM_LINK)  # near miss: our JobQueue
    return {"status": "queued"}
