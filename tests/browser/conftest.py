"""Browser tests drive the pages, not the database: run them on SQLite only, to keep the suite
fast (PostgreSQL is covered by the same flows in tests/lti and tests/web)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.live import LiveStack, running_stack


@pytest.fixture(scope="module")
def live_stack(
    tmp_path_factory: pytest.TempPathFactory, make_database: Callable[[str], str]
) -> Iterator[LiveStack]:
    with running_stack(make_database("sqlite"), tmp_path_factory.mktemp("stack")) as stack:
        yield stack
