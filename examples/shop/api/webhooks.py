"""Webhooks from the payment and shipping providers."""

from fastapi import APIRouter, BackgroundTasks, Request

from ..tasks import record_webhook, record_webhook_event

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


@router.post("/payments")
async def payments_webhook(request: Request, background_tasks: BackgroundTasks):
    # Mistake: the task reads the body after the response was sent, when it is gone (ClientDisconnect).
    background_tasks.add_task(record_webhook, request)  # error: BG202
    return {"received": True}


@router.post("/shipping")
async def shipping_webhook(request: Request, background_tasks: BackgroundTasks):
    event = await request.json()
    background_tasks.add_task(record_webhook_event, event)
    return {"received": True}
