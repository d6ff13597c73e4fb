"""Shared pytest setup: the `--update-fixtures` option rewrites fixture goldens."""

import pytest


def pytest_addoption(parser):
    parser.addoption(
        "--update-fixtures",
        action="store_true",
        default=False,
        help="rewrite tests/fixtures goldens (*.fixed.py, *.unsafe-fixed.py) from the engine's "
        "output instead of comparing; read the diff before committing",
    )


@pytest.fixture
def update_fixtures(request) -> bool:
    return request.config.getoption("--update-fixtures")
