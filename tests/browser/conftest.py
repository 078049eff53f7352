"""Browser tests drive the pages, not the database: run them on SQLite only, to keep the suite
fast (PostgreSQL is covered by the same flows in tests/lti and tests/web)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import MakeDatabase
from tests.live import LiveStack, running_stack


@pytest.fixture(scope="module")
def live_stack(
    tmp_path_factory: pytest.TempPathFactory, make_database: MakeDatabase
) -> Iterator[LiveStack]:
    database = make_database("sqlite", migrated=True)
    with running_stack(database, tmp_path_factory.mktemp("stack")) as stack:
        yield stack


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """One headless Debian chromium per test module (each test opens contexts of its own)."""
    # Imported here: that module skips itself where chromium or Playwright is missing.
    from tests.browser.test_browser_launch import ARGS, CHROMIUM, sync_api

    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def browser(chromium: Any) -> Any:
    return chromium
