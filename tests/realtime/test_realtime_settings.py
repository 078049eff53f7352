"""The Jitsi address is a setting: read from TANDEM_JITSI_URL, checked, and handed to rooms."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from realtime.state import EXTENSION
from web.app import create_app
from web.config import ConfigError, Settings

SAFE_PRODUCTION = {
    "TANDEM_ENV": "production",
    "TANDEM_SECRET_KEY": "k" * 40,
    "TANDEM_BASE_URL": "https://tandem.example.org",
    "TANDEM_DATABASE_URL": "postgresql+psycopg://tandem@db/tandem",
}


def test_the_default_is_public_jitsi() -> None:
    assert Settings.from_env({}).jitsi_url == "https://meet.jit.si"


def test_the_app_gives_rooms_the_configured_jitsi(tmp_path: Path, session: Session) -> None:
    settings = Settings.from_env(
        {
            "TANDEM_ENV": "test",
            "TANDEM_SECRET_KEY": "x" * 40,
            "TANDEM_INSTANCE_PATH": str(tmp_path),
            "TANDEM_JITSI_URL": "https://video.uni.example/",
            "TANDEM_ROOM_TOKEN_SECONDS": "7",
        }
    )
    app = create_app(settings, session_factory=lambda: session)
    assert app.extensions[EXTENSION].jitsi_url == "https://video.uni.example"
    assert app.extensions[EXTENSION].token_seconds == 7  # connect tokens last what was set


def test_production_needs_an_https_jitsi() -> None:
    Settings.from_env(SAFE_PRODUCTION).check()
    with pytest.raises(ConfigError, match="TANDEM_JITSI_URL must use https"):
        Settings.from_env({**SAFE_PRODUCTION, "TANDEM_JITSI_URL": "http://jitsi.local"}).check()


def test_a_malformed_jitsi_address_is_refused() -> None:
    with pytest.raises(ConfigError, match="TANDEM_JITSI_URL must be an absolute URL"):
        Settings.from_env({"TANDEM_JITSI_URL": "meet.jit.si"}).check()
