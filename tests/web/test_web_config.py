from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.pool import QueuePool

from web.app import create_app
from web.config import ConfigError, Settings


def test_defaults_need_no_configuration(tmp_path: Path) -> None:
    settings = Settings.from_env({"TANDEM_INSTANCE_PATH": str(tmp_path)}).resolved()
    assert settings.database_url == f"sqlite:///{tmp_path / 'tandem.sqlite3'}"
    assert settings.secret_key is not None
    assert len(settings.secret_key) >= 32
    # The generated secret is persisted: a restart keeps sessions valid.
    again = Settings.from_env({"TANDEM_INSTANCE_PATH": str(tmp_path)}).resolved()
    assert again.secret_key == settings.secret_key


@pytest.mark.parametrize(
    ("environ", "complaint"),
    [
        ({"TANDEM_BASE_URL": "https://tandem.example.org"}, "TANDEM_SECRET_KEY"),
        ({"TANDEM_SECRET_KEY": "k" * 40, "TANDEM_BASE_URL": "http://tandem.example.org"}, "https"),
        ({"TANDEM_SECRET_KEY": "short", "TANDEM_BASE_URL": "https://t.example.org"}, "32"),
        ({"TANDEM_SECRET_KEY": "k" * 40, "TANDEM_BASE_URL": "https://t.example.org"}, "DATABASE"),
    ],
)
def test_production_refuses_unsafe_settings_with_a_clear_message(
    environ: dict[str, str], complaint: str, tmp_path: Path
) -> None:
    env = {"TANDEM_ENV": "production", "TANDEM_INSTANCE_PATH": str(tmp_path), **environ}
    with pytest.raises(ConfigError, match=complaint):
        Settings.from_env(env).resolved()


def test_production_starts_with_safe_settings(tmp_path: Path) -> None:
    env = {
        "TANDEM_ENV": "production",
        "TANDEM_INSTANCE_PATH": str(tmp_path),
        "TANDEM_SECRET_KEY": "k" * 40,
        "TANDEM_BASE_URL": "https://tandem.example.org/",
        "TANDEM_DATABASE_URL": "postgresql+psycopg://tandem@db/tandem",
    }
    settings = Settings.from_env(env).resolved()
    assert settings.base_url == "https://tandem.example.org"
    assert settings.is_https


@pytest.mark.parametrize(
    ("environ", "complaint"),
    [
        ({"TANDEM_ENV": "staging"}, "TANDEM_ENV"),
        ({"TANDEM_BASE_URL": "tandem.example.org"}, "absolute"),
        ({"TANDEM_JWKS_CACHE_SECONDS": "soon"}, "seconds"),
    ],
)
def test_malformed_settings_are_refused(environ: dict[str, str], complaint: str) -> None:
    with pytest.raises(ConfigError, match=complaint):
        Settings.from_env(environ).check()


def test_the_room_token_lifetime_is_a_setting(tmp_path: Path) -> None:
    base = {"TANDEM_INSTANCE_PATH": str(tmp_path)}
    assert Settings.from_env(base).room_token_seconds == 15 * 60
    short = Settings.from_env({**base, "TANDEM_ROOM_TOKEN_SECONDS": "5"})
    assert short.room_token_seconds == 5
    for bad in ("0", "-3", "soon"):
        with pytest.raises(ConfigError, match="TANDEM_ROOM_TOKEN_SECONDS"):
            Settings.from_env({**base, "TANDEM_ROOM_TOKEN_SECONDS": bad})


def test_the_database_pool_size_is_a_setting(tmp_path: Path) -> None:
    """Three rooms and two pages processes fit PostgreSQL's 100 connections only with smaller
    pools for the rooms processes: the cap is the admin's to set, and the app's pool obeys it."""
    base = {"TANDEM_INSTANCE_PATH": str(tmp_path)}
    assert Settings.from_env(base).database_connections == 20
    for bad in ("1", "0", "-3", "many", "1001"):
        with pytest.raises(ConfigError, match="TANDEM_DATABASE_CONNECTIONS"):
            Settings.from_env({**base, "TANDEM_DATABASE_CONNECTIONS": bad})
    settings = Settings.from_env(
        {
            **base,
            "TANDEM_DATABASE_CONNECTIONS": "7",
            # Not connected to: building the app and its pool opens no connection.
            "TANDEM_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        }
    ).resolved()
    app = create_app(settings)
    pool = app.extensions["tandem.session_factory"]().get_bind().pool
    assert isinstance(pool, QueuePool)
    assert (pool.size(), pool._max_overflow) == (4, 3)  # 7 at most
