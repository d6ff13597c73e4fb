"""The shop application: `uvicorn shop.main:app` (run `bglint .` here to see its mistakes)."""

from contextlib import asynccontextmanager

from fastapi import FastAPI

from .api import orders, products, uploads, users, webhooks, ws
from .db import Base, engine


@asynccontextmanager
async def lifespan(app: FastAPI):
    Base.metadata.create_all(engine)
    yield


app = FastAPI(title="Example shop", lifespan=lifespan)
app.include_router(users.router)
app.include_router(orders.router)
app.include_router(products.router)
app.include_router(uploads.router)
app.include_router(webhooks.router)
app.include_router(ws.router)
