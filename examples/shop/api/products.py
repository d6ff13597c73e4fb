"""Catalogue maintenance: search index, thumbnails, prices and publishing."""

from fastapi import APIRouter, BackgroundTasks

from ..services import catalog
from ..tasks import notify_slack, refresh_price_cache, refresh_stock_cache, resize_image

router = APIRouter(prefix="/products", tags=["products"])


@router.put("/{product_id}")
def update_product(product_id: int, background_tasks: BackgroundTasks):
    # Mistake: this `async def` task calls `subprocess.run`: it blocks the event loop, every request waits.
    background_tasks.add_task(catalog.refresh_search_index, product_id)  # error: BG301
    return {"updated": product_id}


@router.put("/categories/{category}")
def update_category(category: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(catalog.reindex_category, category)
    return {"updated": category}


@router.post("/{product_id}/thumbnails")
def rebuild_thumbnails(product_id: int, background_tasks: BackgroundTasks):
    for path in catalog.image_paths(product_id):
        # Mistake: each lambda reads `path` when it runs, after the loop: all resize the last image.
        background_tasks.add_task(lambda: resize_image(path))  # error: BG103
    return {"queued": product_id}


@router.post("/categories/{category}/thumbnails")
def rebuild_category_thumbnails(category: str, background_tasks: BackgroundTasks):
    for path in catalog.category_image_paths(category):
        background_tasks.add_task(resize_image, path)
    return {"queued": category}


@router.post("/{product_id}/publish")
def publish_product(product_id: int, background_tasks: BackgroundTasks):
    message = f"Product {product_id} is live"
    # Mistake: the lambda returns a coroutine that is never awaited: nothing is ever sent to Slack.
    background_tasks.add_task(lambda: notify_slack(message))  # error: BG105
    return {"published": product_id}


@router.post("/{product_id}/retire")
def retire_product(product_id: int, background_tasks: BackgroundTasks):
    message = f"Product {product_id} was retired"
    background_tasks.add_task(notify_slack, message)
    return {"retired": product_id}


@router.put("/{product_id}/price")
def update_price(product_id: int, background_tasks: BackgroundTasks):
    # Mistake: the task raises HTTPException after the response was sent: no client ever sees the 404.
    background_tasks.add_task(refresh_price_cache, product_id)  # error: BG303
    return {"updated": product_id}


@router.put("/{product_id}/stock")
def update_stock(product_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(refresh_stock_cache, product_id)  # logs a vanished product
    return {"updated": product_id}
