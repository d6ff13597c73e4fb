"""Live order status over WebSockets."""

import asyncio

from fastapi import APIRouter, BackgroundTasks, WebSocket

from ..tasks import audit_log

router = APIRouter(tags=["live"])


@router.websocket("/ws/orders/{order_id}")
async def watch_order(websocket: WebSocket, order_id: int, background_tasks: BackgroundTasks):
    await websocket.accept()
    await websocket.send_json({"order_id": order_id, "status": "processing"})
    # Mistake: WebSocket routes never run their BackgroundTasks; this audit entry is dropped.
    background_tasks.add_task(audit_log, "order.watched", order_id)  # error: BG405
    await websocket.close()


@router.websocket("/ws/orders/{order_id}/tracking")
async def track_order(websocket: WebSocket, order_id: int):
    await websocket.accept()
    await websocket.send_json({"order_id": order_id, "status": "in transit"})
    await asyncio.to_thread(audit_log, "order.tracked", order_id)  # done before closing
    await websocket.close()
