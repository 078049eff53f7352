"""Video calls: each provider's token verifies with its key and carries the right claims; the
room page embeds calls that may be embedded and always links to a new tab."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from flask.testing import FlaskClient
from jwcrypto import jwk, jws, jwt
from sqlalchemy.orm import Session

from plugin.calls.jitsi import (
    CallUser,
    VideoProvider,
    VideoSettings,
    jitsi_room_name,
    video_call,
)
from tests.plugin.rooms.rooms_world import World, build_world
from tests.realtime.test_realtime_page import sign_in
from web.app import create_app
from web.config import ConfigError, Settings

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
SECRET = "server-secret-" + "s" * 30
APP_SECRET = "jitsi-app-secret-" + "a" * 30
JITSI = VideoSettings(
    provider=VideoProvider.JITSI,
    base_url="https://video.uni.example",
    app_id="tandem",
    app_secret=APP_SECRET,
)
TEACHER = CallUser(7, "Tess Teacher", moderator=True)
STUDENT = CallUser(8, "Ana López", moderator=False)


def _pem_pair() -> tuple[str, jwk.JWK]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = jwk.JWK.from_pem(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return pem, public


def _verify(token: str, key: jwk.JWK, alg: str) -> tuple[dict[str, Any], dict[str, Any]]:
    checked = jwt.JWT(jwt=token, key=key, algs=[alg], check_claims={})
    return json.loads(checked.token.objects["protected"]), json.loads(checked.claims)


def test_self_hosted_jitsi_gets_an_hs256_token_for_this_room_only() -> None:
    call = video_call(JITSI, SECRET, 42, STUDENT, NOW)
    room = jitsi_room_name(SECRET, 42)
    assert call.embed
    assert call.jwt is not None
    header, claims = _verify(
        call.jwt, jwk.JWK(kty="oct", k=jwk.base64url_encode(APP_SECRET.encode())), "HS256"
    )
    assert header["alg"] == "HS256"
    assert claims["aud"] == claims["iss"] == "tandem"
    assert claims["sub"] == "video.uni.example"
    assert claims["room"] == room
    assert claims["context"]["user"] == {"id": "8", "name": "Ana López", "moderator": False}
    assert claims["moderator"] is False
    assert claims["exp"] - claims["iat"] == 4 * 3600
    assert call.url.startswith(f"https://video.uni.example/{room}?jwt={call.jwt}#userInfo.")
    assert (call.domain, call.room_name) == ("video.uni.example", room)
    assert call.api_script == "https://video.uni.example/external_api.js"
    assert call.origin == "https://video.uni.example"


def test_teachers_are_moderators_and_a_wrong_secret_does_not_verify() -> None:
    call = video_call(JITSI, SECRET, 42, TEACHER, NOW)
    assert call.jwt is not None
    wrong = jwk.JWK(kty="oct", k=jwk.base64url_encode(b"another secret of enough length!"))
    with pytest.raises(jws.InvalidJWSSignature):
        _verify(call.jwt, wrong, "HS256")
    right = jwk.JWK(kty="oct", k=jwk.base64url_encode(APP_SECRET.encode()))
    _, claims = _verify(call.jwt, right, "HS256")
    assert claims["moderator"] is True
    assert claims["context"]["user"]["moderator"] is True


def test_jaas_gets_an_rs256_token_with_the_app_and_key_id() -> None:
    pem, public = _pem_pair()
    jaas = VideoSettings(
        provider=VideoProvider.JAAS,
        app_id="vpaas-magic-cookie-abc123",
        key_id="k1d2",
        private_key_pem=pem,
    )
    call = video_call(jaas, SECRET, 42, TEACHER, NOW)
    room = jitsi_room_name(SECRET, 42)
    assert call.jwt is not None
    header, claims = _verify(call.jwt, public, "RS256")
    assert header == {"alg": "RS256", "typ": "JWT", "kid": "vpaas-magic-cookie-abc123/k1d2"}
    assert (claims["aud"], claims["iss"], claims["sub"]) == (
        "jitsi",
        "chat",
        "vpaas-magic-cookie-abc123",
    )
    assert claims["room"] == room
    assert claims["context"]["user"] == {"id": "7", "name": "Tess Teacher", "moderator": "true"}
    student = video_call(jaas, SECRET, 42, STUDENT, NOW)
    assert student.jwt is not None
    assert _verify(student.jwt, public, "RS256")[1]["context"]["user"]["moderator"] == "false"
    assert call.url.startswith(f"https://8x8.vc/vpaas-magic-cookie-abc123/{room}?jwt=")
    assert call.room_name == f"vpaas-magic-cookie-abc123/{room}"
    assert call.api_script == "https://8x8.vc/vpaas-magic-cookie-abc123/external_api.js"
    assert call.embed


def test_public_jitsi_opens_in_a_new_tab_without_a_token() -> None:
    call = video_call(VideoSettings(), SECRET, 42, STUDENT, NOW)
    assert not call.embed
    assert call.jwt is None
    assert call.url == (
        f"https://meet.jit.si/{jitsi_room_name(SECRET, 42)}"
        "#userInfo.displayName=%22Ana%20L%C3%B3pez%22"
    )


def test_settings_refuse_a_provider_without_its_secrets(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TANDEM_JITSI_APP_SECRET"):
        Settings.from_env({"TANDEM_VIDEO_PROVIDER": "jitsi", "TANDEM_JITSI_APP_ID": "t"}).check()
    with pytest.raises(ConfigError, match="TANDEM_JAAS_PRIVATE_KEY_FILE"):
        Settings.from_env(
            {"TANDEM_VIDEO_PROVIDER": "jaas", "TANDEM_JAAS_APP_ID": "a", "TANDEM_JAAS_KEY_ID": "k"}
        ).check()
    with pytest.raises(ConfigError, match="TANDEM_VIDEO_PROVIDER must be one of"):
        Settings.from_env({"TANDEM_VIDEO_PROVIDER": "zoom"}).check()
    pem, _ = _pem_pair()
    key_file = tmp_path / "jaas.pem"
    key_file.write_text(pem)
    settings = Settings.from_env(
        {
            "TANDEM_VIDEO_PROVIDER": "jaas",
            "TANDEM_JAAS_APP_ID": "vpaas-magic-cookie-x",
            "TANDEM_JAAS_KEY_ID": "kid",
            "TANDEM_JAAS_PRIVATE_KEY_FILE": str(key_file),
        }
    )
    settings.check()
    assert settings.video.private_key_pem == pem
    assert settings.video.provider is VideoProvider.JAAS


def _room_page(
    settings: Settings, session: Session, world: World, actor_name: str
) -> tuple[str, str]:
    app: Flask = create_app(settings, session_factory=lambda: session)
    client: FlaskClient = app.test_client()
    sign_in(client, getattr(world, actor_name))
    page = client.get(f"/teams/{world.team_id}/room")
    assert page.status_code == 200
    return page.get_data(as_text=True), page.headers["Content-Security-Policy"]


def test_the_room_page_embeds_a_token_call_and_links_to_a_new_tab(
    settings: Settings, session: Session
) -> None:
    world = build_world(session)
    jitsi = replace(
        settings,
        video_provider="jitsi",
        jitsi_url="https://video.uni.example",
        jitsi_app_id="tandem",
        jitsi_app_secret=APP_SECRET,
    )
    html, csp = _room_page(jitsi, session, world, "teacher")
    assert 'data-testid="call-frame"' in html
    assert '<script src="https://video.uni.example/external_api.js"' in html
    assert "frame-src 'self' https://video.uni.example" in csp
    assert 'target="_blank" rel="noopener noreferrer" data-testid="video-link"' in html
    config = json.loads(html.split('id="call-config"', 1)[1].split(">", 1)[1].split("</script")[0])
    assert config["room"] == jitsi_room_name(jitsi.secret_key or "", world.team_id)
    key = jwk.JWK(kty="oct", k=jwk.base64url_encode(APP_SECRET.encode()))
    _, claims = _verify(config["jwt"], key, "HS256")
    assert claims["moderator"] is True  # the page was a teacher's
    assert claims["context"]["user"]["id"] == str(world.teacher.person_id)


def test_the_public_provider_only_links_out(settings: Settings, session: Session) -> None:
    world = build_world(session)
    html, csp = _room_page(settings, session, world, "alice")
    assert 'data-testid="call-frame"' not in html
    assert "external_api.js" not in html
    assert "frame-src" not in csp
    assert 'href="https://meet.jit.si/Tandem' in html
