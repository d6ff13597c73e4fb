"""Long-lived service objects shared by the API, the tasks and the maintenance CLI."""

import asyncio
import csv
import io
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from .db import Job, SessionLocal

MEDIA_DIR = Path("media")


class CatalogService:
    def __init__(self, media_dir: Path) -> None:
        self.media_dir = media_dir
        self.products: dict[int, dict[str, Any]] = {}

    def find_product(self, product_id: int) -> dict[str, Any] | None:
        return self.products.get(product_id)

    def import_csv(self, text: str) -> int:
        rows = list(csv.DictReader(io.StringIO(text)))
        for row in rows:
            self.products[int(row["id"])] = row
        return len(rows)

    def image_paths(self, product_id: int) -> list[str]:
        return sorted(str(path) for path in self.media_dir.glob(f"{product_id}-*.jpg"))

    def category_image_paths(self, category: str) -> list[str]:
        return sorted(str(path) for path in (self.media_dir / category).glob("*.jpg"))

    # Mistake: an `async def` task runs on the event loop, and `subprocess.run` blocks it.
    async def refresh_search_index(self, product_id: int) -> None:
        subprocess.run(["search-indexer", "--product", str(product_id)], check=False)

    async def reindex_category(self, category: str) -> None:
        process = await asyncio.create_subprocess_exec("search-indexer", "--category", category)
        await process.wait()


class PaymentGateway:
    def __init__(self, api_url: str) -> None:
        self.api_url = api_url

    def charge_card(self, order_id: int, card_token: str, amount_cents: int) -> str:
        payload = {"order": order_id, "source": card_token, "amount": amount_cents}
        response = httpx.post(f"{self.api_url}/charges", json=payload, timeout=10)
        response.raise_for_status()
        return response.json()["id"]


class JobQueue:
    """A durable outbox: each job is a row in `jobs` that a worker process runs and retries."""

    def add_task(self, func: Callable[..., None], **kwargs: Any) -> int:
        with SessionLocal() as db:
            job = Job(name=f"{func.__module__}.{func.__qualname__}", payload=json.dumps(kwargs))
            db.add(job)
            db.commit()
            return job.id


catalog = CatalogService(MEDIA_DIR)
payments = PaymentGateway("https://payments.example.com/v1")
outbox = JobQueue()
