"""Product images, manuals and CSV imports."""

from fastapi import APIRouter, BackgroundTasks, UploadFile

from ..services import catalog
from ..tasks import save_upload, save_upload_bytes

router = APIRouter(prefix="/uploads", tags=["uploads"])


@router.post("/products/{product_id}/image")
async def upload_image(product_id: int, file: UploadFile, background_tasks: BackgroundTasks):
    # Mistake: on FastAPI 0.106-0.117 the upload is closed before the task copies it.
    background_tasks.add_task(save_upload, product_id, file)  # error: BG201
    return {"filename": file.filename}


@router.post("/products/{product_id}/manual")
async def upload_manual(product_id: int, file: UploadFile, background_tasks: BackgroundTasks):
    data = await file.read()
    background_tasks.add_task(save_upload_bytes, product_id, file.filename or "manual.pdf", data)
    return {"filename": file.filename}


@router.post("/products.csv")
async def import_products(file: UploadFile):
    # Mistake: a synchronous read on the event loop, and the whole file in memory at once.
    content = file.file.read()  # error: BG204
    return {"imported": catalog.import_csv(content.decode())}


@router.post("/prices.csv")
async def import_prices(file: UploadFile):
    content = await file.read()
    return {"imported": catalog.import_csv(content.decode())}
