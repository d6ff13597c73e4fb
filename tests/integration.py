"""A small project shared by the integration tests (config, noqa, flake8, pre-commit, outputs).

`app.py` holds a BG101 (safe fix), the same call silenced with `# noqa: BG101`, a BG104 (no
fix) and a BG102 (safe fix) that the project's `pyproject.toml` turns off with `ignore`. Every
face must report exactly `REMAINING`.
"""

from __future__ import annotations

from pathlib import Path

APP = """\
from fastapi import BackgroundTasks, FastAPI

app = FastAPI()


def send_welcome(email: str) -> None:
    print(email)


async def notify(email: str) -> None:
    print(email)


@app.post("/signup")
def signup(email: str, background_tasks: BackgroundTasks):
    background_tasks.add_task(send_welcome(email))
    background_tasks.add_task(send_welcome(email))  # noqa: BG101
    background_tasks.add_task(send_welcome, email, "extra")
    return {"ok": True}


@app.post("/notify")
async def notify_route(email: str, background_tasks: BackgroundTasks):
    await background_tasks.add_task(notify, email)
    return {"ok": True}
"""
PYPROJECT = """\
[project]
name = "shop"
version = "0"
dependencies = ["fastapi>=0.110"]

[tool.bglint]
ignore = ["BG102"]
"""
# (row, column, code) of what every face reports for APP under PYPROJECT
REMAINING = [(16, 31, "BG101"), (18, 5, "BG104")]


def make_project(root: Path, app: str = APP, pyproject: str = PYPROJECT) -> Path:
    (root / "pyproject.toml").write_text(pyproject)
    (root / "app.py").write_text(app)
    return root
