"""The peer baseline: a minimal LTI 1.3 tool written the way pylti1p3's Flask example is.

Same library, same launch checks, SimpleCache launch storage, a page greeting the user. We
also give it pylti1p3's public-key caching, which the example leaves off, so the comparison
is not flattered by the baseline fetching the platform's JWKS on every launch.
Configured by BASELINE_PLATFORMS (the demo's registrations JSON) and BASELINE_KEY_DIR.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, render_template_string
from flask_caching import Cache
from pylti1p3.contrib.flask import (
    FlaskCacheDataStorage,
    FlaskMessageLaunch,
    FlaskOIDCLogin,
    FlaskRequest,
)
from pylti1p3.tool_config import ToolConfDict

PAGE = "<!doctype html><title>Game</title><h1>Hello {{ name }}</h1><p>{{ role }}</p>"


def _tool_keys(directory: Path) -> tuple[str, str]:
    path = directory / "baseline-tool.pem"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    public = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return path.read_text(), public.decode()


def create_baseline() -> Flask:
    platforms: list[dict[str, Any]] = json.loads(os.environ["BASELINE_PLATFORMS"])
    private_key, public_key = _tool_keys(Path(os.environ.get("BASELINE_KEY_DIR", "instance")))
    settings = {
        p["issuer"]: [
            {
                "default": True,
                "client_id": p["client_id"],
                "auth_login_url": p["auth_login_url"],
                "auth_token_url": p["auth_token_url"],
                "key_set_url": p["key_set_url"],
                "deployment_ids": p["deployment_ids"],
            }
        ]
        for p in platforms
    }
    tool_conf = ToolConfDict(settings)
    for issuer, entries in settings.items():
        tool_conf.set_private_key(issuer, private_key, client_id=entries[0]["client_id"])
        tool_conf.set_public_key(issuer, public_key, client_id=entries[0]["client_id"])

    app = Flask("pylti1p3-baseline")
    app.config.update(
        SECRET_KEY="baseline",  # noqa: S106 - a benchmark, never deployed
        CACHE_TYPE="SimpleCache",
        CACHE_DEFAULT_TIMEOUT=600,
    )
    cache = Cache(app)

    @app.route("/lti/login", methods=["GET", "POST"])
    def login() -> Any:
        request = FlaskRequest()
        target = request.get_param("target_link_uri")
        storage = FlaskCacheDataStorage(cache)
        return FlaskOIDCLogin(request, tool_conf, launch_data_storage=storage).redirect(target)

    @app.route("/lti/launch", methods=["POST"])
    def launch() -> Any:
        storage = FlaskCacheDataStorage(cache)
        message_launch = FlaskMessageLaunch(FlaskRequest(), tool_conf, launch_data_storage=storage)
        message_launch.set_public_key_caching(storage, cache_lifetime=7200)
        data = message_launch.get_launch_data()
        roles = data.get("https://purl.imsglobal.org/spec/lti/claim/roles", [])
        return render_template_string(PAGE, name=data.get("name", ""), role=", ".join(roles))

    @app.route("/lti/jwks")
    def jwks() -> Any:
        return jsonify(tool_conf.get_jwks())

    return app
