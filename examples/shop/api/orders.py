"""Checkout, fulfilment and back-office endpoints for orders."""

import json

from fastapi import APIRouter, BackgroundTasks, HTTPException
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel
from starlette.background import BackgroundTask

from ..db import DB, Order
from ..services import payments
from ..tasks import (
    audit_log,
    notify_slack,
    push_to_warehouse,
    push_to_warehouse_logged,
    record_delivery,
    record_shipment,
    render_receipt,
)

router = APIRouter(prefix="/orders", tags=["orders"])


class Checkout(BaseModel):
    email: str
    card_token: str
    amount_cents: int


@router.post("/{order_id}/checkout")
def checkout(order_id: int, body: Checkout, background_tasks: BackgroundTasks):
    charge_id = payments.charge_card(order_id, body.card_token, body.amount_cents)
    # Mistake: `emial` is a typo; the task fails with a TypeError after the client got its 200.
    background_tasks.add_task(render_receipt, order_id, emial=body.email)  # error: BG104
    return {"charge": charge_id}


@router.post("/{order_id}/receipt")
def resend_receipt(order_id: int, body: Checkout, background_tasks: BackgroundTasks):
    background_tasks.add_task(render_receipt, order_id, email=body.email)
    return {"status": "queued"}


@router.post("/{order_id}/flag")
async def flag_for_review(order_id: int, background_tasks: BackgroundTasks):
    # Mistake: `add_task` returns None; awaiting it raises TypeError: a 500, and no task runs.
    await background_tasks.add_task(audit_log, "order.flagged", order_id)  # error: BG102
    return {"flagged": order_id}


@router.post("/{order_id}/unflag")
async def clear_review_flag(order_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(audit_log, "order.unflagged", order_id)
    return {"unflagged": order_id}


@router.post("/{order_id}/ship")
def ship_order(order_id: int, db: DB, background_tasks: BackgroundTasks):
    # Mistake: on FastAPI 0.106-0.117 `get_db` closes this session before the task uses it.
    background_tasks.add_task(record_shipment, db, order_id)  # error: BG203
    return {"shipped": order_id}


@router.post("/{order_id}/deliver")
def deliver_order(order_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(record_delivery, order_id)  # the task opens its own session
    return {"delivered": order_id}


@router.post("/{order_id}/confirm")
def confirm_order(order_id: int, background_tasks: BackgroundTasks):
    # Mistake: when the warehouse push raises, the Slack task after it is silently skipped.
    background_tasks.add_task(push_to_warehouse, order_id)  # error: BG302
    background_tasks.add_task(notify_slack, f"Order {order_id} confirmed")
    return {"confirmed": order_id}


@router.post("/{order_id}/confirm-preorder")
def confirm_preorder(order_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(push_to_warehouse_logged, order_id)
    background_tasks.add_task(notify_slack, f"Pre-order {order_id} confirmed")
    return {"confirmed": order_id}


@router.get("/export.csv")
def export_csv(db: DB):
    lines = [f"{order.id},{order.email},{order.status}\n" for order in db.query(Order)]
    # Mistake: these tasks are never attached to the response that is returned, so they never run.
    tasks = BackgroundTasks()  # error: BG401
    tasks.add_task(audit_log, "orders.exported", "csv")
    return StreamingResponse(iter(lines), media_type="text/csv")


@router.get("/export.ndjson")
def export_ndjson(db: DB):
    lines = [json.dumps({"id": order.id, "status": order.status}) + "\n" for order in db.query(Order)]
    tasks = BackgroundTasks()
    tasks.add_task(audit_log, "orders.exported", "ndjson")
    return StreamingResponse(iter(lines), media_type="application/x-ndjson", background=tasks)


@router.post("/{order_id}/refund")
def refund_order(order_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(audit_log, "order.refunded", order_id)
    message = f"Order {order_id} refunded"
    # Mistake: a response with its own `background` replaces the injected tasks: the audit is lost.
    return JSONResponse({"refunded": order_id}, background=BackgroundTask(notify_slack, message))  # error: BG402


@router.post("/{order_id}/return")
def return_order(order_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(notify_slack, f"Order {order_id} returned")
    background_tasks.add_task(audit_log, "order.returned", order_id)
    return {"returned": order_id}


@router.post("/{order_id}/cancel")
def cancel_order(order_id: int, db: DB, background_tasks: BackgroundTasks):
    order = db.get(Order, order_id)
    if order is None:
        raise HTTPException(status_code=404, detail="Order not found")
    # Mistake: when the check below refuses, the 409 goes out and this audit entry is never written.
    background_tasks.add_task(audit_log, "order.cancel_requested", order_id)  # error: BG403
    if order.status == "shipped":
        raise HTTPException(status_code=409, detail="Order already shipped")
    order.status = "cancelled"
    db.commit()
    return {"cancelled": order_id}


@router.post("/{order_id}/reopen")
def reopen_order(order_id: int, db: DB, background_tasks: BackgroundTasks):
    order = db.get(Order, order_id)
    if order is None or order.status != "cancelled":
        raise HTTPException(status_code=409, detail="Only cancelled orders can be reopened")
    background_tasks.add_task(audit_log, "order.reopened", order_id)
    order.status = "new"
    db.commit()
    return {"reopened": order_id}
