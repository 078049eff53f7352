"""Into a wallet: OpenID for Verifiable Credential Issuance (pre-authorized code flow).

The holder asks for an offer on the credential page and gets a QR code and a link; the wallet
reads the issuer's metadata, trades the code for a token and fetches an ``ldp_vc`` bound to
its did:key. Wallets are not browsers with our session, so the token and credential
endpoints take posts from anywhere and answer in OAuth's JSON error form.
"""

from __future__ import annotations

from typing import Any

import segno
from flask import jsonify, redirect, render_template, request, url_for
from flask_babel import gettext
from markupsafe import Markup
from werkzeug.wrappers import Response

from plugin.errors import InvalidInput
from plugin.wallet import oid4vci
from plugin.wallet.oid4vci import WalletError
from plugin.wallet.service import issue_to_wallet, my_offer, offer_credential, redeem_code
from web.auth import require_actor, signed_in_actor
from web.db import get_session
from web.i18n import translated
from web.inputs import load_untrusted_json
from web.pages import Page, bp
from web.pages.credentials import issuer_context
from web.ratelimit import rate_limited
from web.security import cross_site_allowed


def _oauth_error(error: WalletError, status: int = 400) -> tuple[Response, int]:
    response = jsonify({"error": error.code, "error_description": translated(error.message)})
    response.headers["Cache-Control"] = "no-store"
    return response, status


def _no_store(body: dict[str, Any]) -> Response:
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/credentials/<credential_id>/wallet", methods=["POST"])
@require_actor
def wallet_offer_create(credential_id: str) -> Page:
    offer = offer_credential(get_session(), signed_in_actor(), credential_id[:64])
    return redirect(url_for("pages.wallet_offer", offer_id=offer.id))


@bp.route("/wallet/offers/<id:offer_id>")
@require_actor
def wallet_offer(offer_id: int) -> Page:
    view = my_offer(get_session(), signed_in_actor(), offer_id, issuer_context())
    qr = segno.make(view.uri, error="m")
    svg = qr.svg_inline(scale=4, border=4, title=gettext("QR code of the credential offer"))
    return render_template("wallet/offer.html", view=view, qr_svg=Markup(svg))  # noqa: S704  (segno writes the SVG and escapes its title)


@bp.route("/.well-known/openid-credential-issuer")
def wallet_issuer_metadata() -> Response:
    return _no_store(oid4vci.issuer_metadata(issuer_context().base_url))


@bp.route("/.well-known/oauth-authorization-server")
def wallet_authorization_metadata() -> Response:
    return _no_store(oid4vci.authorization_metadata(issuer_context().base_url))


@bp.route("/oid4vci/token", methods=["POST"])
@cross_site_allowed  # wallets post from their own origin or none
@rate_limited("heavy")
def wallet_token() -> Response | tuple[Response, int]:
    try:
        token = redeem_code(
            get_session(),
            request.form.get("grant_type", ""),
            request.form.get("pre-authorized_code", ""),
        )
    except WalletError as error:
        return _oauth_error(error)
    return _no_store(
        {
            "access_token": token.access_token,
            "token_type": "Bearer",
            "expires_in": token.expires_in,
            "c_nonce": token.c_nonce,
            "c_nonce_expires_in": token.expires_in,
        }
    )


@bp.route("/oid4vci/credential", methods=["POST"])
@cross_site_allowed  # wallets post from their own origin or none
@rate_limited("heavy")
def wallet_credential() -> Response | tuple[Response, int]:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return _oauth_error(
            WalletError("invalid_token", gettext("An access token is required.")), 401
        )
    try:
        body = load_untrusted_json(request.get_data(as_text=True), "not JSON")
    except InvalidInput:
        return _oauth_error(
            WalletError("invalid_credential_request", gettext("The request is not JSON."))
        )
    try:
        credential = issue_to_wallet(get_session(), token.strip(), body, issuer_context())
    except WalletError as error:
        return _oauth_error(error, 401 if error.code == "invalid_token" else 400)
    return _no_store({"credential": credential})
