"""Work the API schedules on `BackgroundTasks`: it runs after the response has been sent."""

import json
import logging
import shutil
import smtplib
import time
from email.message import EmailMessage
from pathlib import Path

import httpx
from fastapi import HTTPException, Request, UploadFile
from PIL import Image
from sqlalchemy.orm import Session

from .db import Order, SessionLocal
from .services import MEDIA_DIR, catalog

logger = logging.getLogger(__name__)
AUDIT_LOG = Path("audit.jsonl")
RECEIPTS_DIR = Path("receipts")
SLACK_WEBHOOK_URL = "https://hooks.slack.com/services/T000/B000/XXXX"
WAREHOUSE_URL = "https://warehouse.example.com/api/shipments"
INBOX: dict[str, list[str]] = {}
LAST_SEEN: dict[int, float] = {}
PRICES: dict[int, str] = {}
STOCK: dict[int, str] = {}


def audit_log(action: str, subject: object) -> None:
    with AUDIT_LOG.open("a") as out:
        out.write(json.dumps({"at": time.time(), "action": action, "subject": str(subject)}) + "\n")


def send_welcome(email: str) -> None:
    """Put a welcome message in the new customer's in-app inbox."""
    INBOX.setdefault(email, []).append("Welcome to the shop! Your first delivery is on us.")


def touch_last_seen(user_id: int) -> None:
    LAST_SEEN[user_id] = time.time()


def render_receipt(order_id: int, email: str) -> None:
    RECEIPTS_DIR.mkdir(exist_ok=True)
    (RECEIPTS_DIR / f"{order_id}.txt").write_text(f"Receipt for order {order_id}\nBilled to {email}\n")


def send_email(to: str, subject: str, text: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "shop@example.com", to, subject
    message.set_content(text)
    with smtplib.SMTP("localhost", 25) as smtp:
        smtp.send_message(message)


def resize_image(path: str) -> None:
    try:
        with Image.open(path) as image:
            image.thumbnail((400, 400))
            image.save(path.replace(".jpg", ".thumb.jpg"))
    except Exception:  # one bad image must not stop the rest of the batch
        logger.exception("cannot make a thumbnail of %s", path)


async def notify_slack(message: str) -> None:
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            await client.post(SLACK_WEBHOOK_URL, json={"text": message})
    except Exception:  # best effort: a missed Slack message is fine
        logger.warning("Slack notification failed: %s", message)


def record_shipment(db: Session, order_id: int) -> None:
    db.query(Order).filter_by(id=order_id).update({"status": "shipped"})
    db.commit()


def record_delivery(order_id: int) -> None:
    with SessionLocal() as db:
        db.query(Order).filter_by(id=order_id).update({"status": "delivered"})
        db.commit()


def push_to_warehouse(order_id: int) -> None:
    response = httpx.post(WAREHOUSE_URL, json={"order_id": order_id}, timeout=10)
    if response.status_code != 202:
        raise RuntimeError(f"warehouse refused order {order_id}: {response.status_code}")


def push_to_warehouse_logged(order_id: int) -> None:
    try:
        push_to_warehouse(order_id)
    except Exception:
        logger.exception("warehouse push failed for order %s", order_id)


# Mistake: raising HTTPException here reaches nobody; the response was sent long ago.
def refresh_price_cache(product_id: int) -> None:
    product = catalog.find_product(product_id)
    if product is None:
        raise HTTPException(status_code=404, detail="Product not found")
    PRICES[product_id] = product["price"]


def refresh_stock_cache(product_id: int) -> None:
    product = catalog.find_product(product_id)
    if product is None:
        logger.warning("product %s is gone; stock cache not refreshed", product_id)
        return
    STOCK[product_id] = product["stock"]


def save_upload(product_id: int, upload: UploadFile) -> None:
    with (MEDIA_DIR / f"{product_id}-{upload.filename}").open("wb") as out:
        shutil.copyfileobj(upload.file, out)


def save_upload_bytes(product_id: int, filename: str, data: bytes) -> None:
    (MEDIA_DIR / f"{product_id}-{filename}").write_bytes(data)


async def record_webhook(request: Request) -> None:
    await record_webhook_event(await request.json())


async def record_webhook_event(event: dict) -> None:
    await notify_slack(f"Webhook event: {event.get('type')}")
