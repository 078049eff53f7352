"""Platform keys: persisted, identified by their RFC 7638 thumbprint, rotated like Brightspace."""

from __future__ import annotations

from pathlib import Path

import jwt
from flask.testing import FlaskClient
from jwcrypto.jwk import JWK

from demo.platforms import DemoPlatform, make_platforms
from demo.testing import verify_with_jwks

BASE = "http://lms.test"


def _bologna(key_dir: Path) -> DemoPlatform:
    return next(p for p in make_platforms(BASE, key_dir) if p.slug == "bologna")


def test_kid_is_the_rfc7638_thumbprint(platforms: dict[str, DemoPlatform]) -> None:
    platform = platforms["leiden"]
    (published,) = platform.jwks()["keys"]
    assert published["kid"] == platform.kid
    assert published["kid"] == JWK(**published).thumbprint()
    assert (published["alg"], published["use"]) == ("RS256", "sig")
    assert "d" not in published


def test_keys_are_persisted_and_shared_through_the_key_dir(tmp_path: Path) -> None:
    first, second = _bologna(tmp_path), _bologna(tmp_path)
    assert first.kid == second.kid
    assert (tmp_path / "bologna.pem").exists()
    assert first.kid != next(p for p in make_platforms(BASE, tmp_path) if p.slug == "leiden").kid


def test_rotation_publishes_both_keys_and_signs_with_the_new_one(tmp_path: Path) -> None:
    platform = _bologna(tmp_path)
    old_kid = platform.kid
    new_kid = platform.rotate_key()

    assert new_kid != old_kid
    assert platform.kid == new_kid
    assert [key["kid"] for key in platform.jwks()["keys"]] == [new_kid, old_kid]
    token = platform.sign({"sub": "17", "aud": platform.client_id})
    assert jwt.get_unverified_header(token)["kid"] == new_kid
    assert verify_with_jwks(token, platform.jwks(), platform.client_id)["sub"] == "17"

    # Another process with the same key dir sees the rotation on its next use.
    assert _bologna(tmp_path).kid == new_kid
    newest = platform.rotate_key()
    assert [key["kid"] for key in platform.jwks()["keys"]] == [newest, new_kid]


def test_rotation_by_one_object_is_seen_by_another(tmp_path: Path) -> None:
    served, rotating = _bologna(tmp_path), _bologna(tmp_path)
    assert served.kid == rotating.kid
    new_kid = rotating.rotate_key()
    assert served.kid == new_kid
    assert len(served.jwks()["keys"]) == 2


def test_sign_can_forge_kid_headers(platforms: dict[str, DemoPlatform]) -> None:
    platform = platforms["leiden"]
    wrong = platform.sign({"sub": "x"}, kid="not-a-published-kid")
    assert jwt.get_unverified_header(wrong)["kid"] == "not-a-published-kid"
    missing = platform.sign({"sub": "x"}, headers={"kid": None})
    assert "kid" not in jwt.get_unverified_header(missing)


def test_jwks_endpoint_serves_the_published_keys(
    demo_client: FlaskClient, platforms: dict[str, DemoPlatform]
) -> None:
    response = demo_client.get("/leiden/jwks")
    assert response.status_code == 200
    assert response.get_json() == platforms["leiden"].jwks()
