"""The unregistered live stack, per database backend (see tests/lti/stacks.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.conftest import BACKENDS
from tests.live import LiveStack
from tests.lti.stacks import start_open_stack


@pytest.fixture(scope="module", params=BACKENDS)
def open_stack(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    make_database: Callable[[str], str],
) -> Iterator[LiveStack]:
    stack, servers = start_open_stack(
        make_database(request.param), tmp_path_factory.mktemp("open-stack")
    )
    yield stack
    for server in servers:
        server.stop()
    stack.engine.dispose()
