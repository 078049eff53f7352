"""``python -m demo``: settings from the environment and the registrations listing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from demo.__main__ import DemoSettings, main


def test_settings_have_free_defaults() -> None:
    settings = DemoSettings.from_env({})
    assert (settings.host, settings.port) == ("127.0.0.1", 5051)
    assert settings.base_url == "http://127.0.0.1:5051"
    assert settings.tool_url == "http://127.0.0.1:5050"
    assert settings.key_dir == Path("instance/demo-keys")


def test_registrations_prints_both_platforms_as_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"TANDEM_DEMO_PORT": "6001", "TANDEM_DEMO_KEY_DIR": str(tmp_path)}
    assert main(["registrations"], env) == 0
    registrations = json.loads(capsys.readouterr().out)
    assert [r["issuer"] for r in registrations] == [
        "http://127.0.0.1:6001/leiden",
        "http://127.0.0.1:6001/bologna",
    ]
    assert set(registrations[0]) == {
        "issuer",
        "client_id",
        "name",
        "auth_login_url",
        "auth_token_url",
        "key_set_url",
        "deployment_ids",
        "institution_name",
        "country",
    }
    # Both universities can issue credentials as soon as `make demo` has imported them.
    assert [(r["institution_name"], r["country"]) for r in registrations] == [
        ("Universiteit Leiden", "NL"),
        ("Università di Bologna", "IT"),
    ]
    assert registrations[1]["key_set_url"] == "http://127.0.0.1:6001/bologna/jwks"
    assert not list(tmp_path.iterdir()), "listing registrations must not generate keys"
