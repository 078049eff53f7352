"""Fixtures for the demo LMS's own tests: the app on fake hosts, its platforms, its tool."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from demo.app import create_demo_app, demo_state, get_platforms
from demo.lti_adapter import ToolEndpoints
from demo.platforms import DemoPlatform


@pytest.fixture(scope="session")
def demo_key_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One key directory for the session: RSA generation is the slow part of these tests."""
    return tmp_path_factory.mktemp("demo-keys")


@pytest.fixture
def demo_app(demo_key_dir: Path) -> Flask:
    return create_demo_app(
        base_url="http://lms.test", tool_url="http://tandem.test", key_dir=demo_key_dir
    )


@pytest.fixture
def demo_client(demo_app: Flask) -> FlaskClient:
    return demo_app.test_client()


@pytest.fixture
def platforms(demo_app: Flask) -> dict[str, DemoPlatform]:
    return get_platforms(demo_app)


@pytest.fixture
def tool(demo_app: Flask) -> ToolEndpoints:
    return demo_state(demo_app).tool
