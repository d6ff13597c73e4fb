"""Maintenance commands: `python -m shop.cli CATEGORY` rebuilds a category's thumbnails."""

import sys

from rich.progress import Progress

from .services import catalog
from .tasks import resize_image


def rebuild_thumbnails(category: str) -> None:
    paths = catalog.category_image_paths(category)
    with Progress() as progress:
        bar = progress.add_task(category.title(), total=len(paths))  # near miss: rich's progress bar
        for path in paths:
            resize_image(path)
            progress.advance(bar)


if __name__ == "__main__":
    rebuild_thumbnails(sys.argv[1])
