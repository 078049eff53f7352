"""The unregistered live stack (Tandem knows no platform yet), per database backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import BACKENDS, MakeDatabase
from tests.live import LiveStack, running_stack


@pytest.fixture(scope="module", params=BACKENDS)
def open_stack(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    make_database: MakeDatabase,
) -> Iterator[LiveStack]:
    database = make_database(request.param, migrated=True)
    instance = tmp_path_factory.mktemp("open-stack")
    with running_stack(database, instance, register=False) as stack:
        yield stack
