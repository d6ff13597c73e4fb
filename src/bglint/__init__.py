"""bglint: find, explain and fix mistakes with background work in FastAPI / Starlette."""

__version__ = "0.1.0"
