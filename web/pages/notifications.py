"""The bell: a person's notifications, marking them read, choosing channels, unsubscribing."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from plugin.errors import Conflict, InvalidInput
from plugin.notifications.addresses import (
    confirm_address,
    my_address,
    remove_address,
    request_address,
)
from plugin.notifications.kinds import KINDS
from plugin.notifications.service import (
    mark_read,
    my_choices,
    my_notifications,
    set_choices,
    unread_count,
    unsubscribe,
)
from web.auth import current_actor, require_actor, signed_in_actor
from web.db import get_session
from web.i18n import translated
from web.inputs import maybe_id
from web.pages import bp
from web.pages.forms import form_failed
from web.tasks import tasks

UNSUBSCRIBE_SALT = "tandem-unsubscribe"
ADDRESS_SALT = "tandem-notify-address"
CONFIRM_HOURS = 48  # how long a confirmation link works

_TARGETS = {
    "room": ("pages.team_room", "team_id"),
    "health": ("pages.team_health", "team_id"),
    "credential": ("pages.credential_page", "credential_id"),
    "completion": ("pages.my_completion", "exchange_id"),
    "checkin": ("pages.checkin", "exchange_id"),  # the week's check-in and the peer rounds
    "exchange": ("pages.teacher_exchange", "exchange_id"),
    "grades": ("pages.grades", "course_id"),
}


def target_url(target: str | None, *, external: bool = False) -> str | None:
    """Where a notification leads: its '<what>:<id>' target as one of Tandem's pages."""
    if not target or ":" not in target:
        return None
    what, _, ident = target.partition(":")
    endpoint = _TARGETS.get(what)
    if endpoint is None:
        return None
    numeric = ident.isascii() and ident.isdigit() and endpoint[1] != "credential_id"
    value: int | str = int(ident) if numeric else ident
    values: dict[str, Any] = {endpoint[1]: value}
    return url_for(endpoint[0], _external=external, **values)


def unsubscribe_token(person_id: int, kind: str) -> str:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], UNSUBSCRIBE_SALT).dumps(
        {"p": person_id, "k": kind}
    )


def _address_signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], ADDRESS_SALT)


def address_token(person_id: int, address: str) -> str:
    """The confirmation link's proof: who asked for which address, expiring after 48 hours."""
    return _address_signer().dumps({"p": person_id, "a": address})


def bell_count() -> int | None:
    """Unread notifications for the header's bell (None when nobody is signed in).

    An error page may be drawn after the database failed: then the bell is left out."""
    actor = current_actor()
    if actor is None:
        return None
    try:
        return unread_count(get_session(), actor)
    except SQLAlchemyError:
        return None


@bp.app_context_processor
def _bell() -> dict[str, object]:
    return {"bell_count": bell_count, "translated": translated}


@bp.route("/notifications")
@require_actor
def notifications() -> str:
    return _page()


def _page_context(typed: str | None = None) -> dict[str, Any]:
    db, actor = get_session(), signed_in_actor()
    return {
        "notices": my_notifications(db, actor),
        "choices": my_choices(db, actor),
        "address": my_address(db, actor),
        "typed": typed,
        "target_url": target_url,
    }


def _page() -> str:
    return render_template("notifications/list.html", **_page_context())


@bp.route("/notifications/address", methods=["POST"])
@require_actor
def notification_address() -> Response | tuple[Response | str, int]:
    """Choose (or remove) the address for notification email; the worker sends the link."""
    db, actor = get_session(), signed_in_actor()
    if request.form.get("action") == "remove":
        remove_address(db, actor)
        flash(gettext("Notification email goes to your learning platform's address again."))
        return redirect(url_for("pages.notifications"), code=303)
    typed = request.form.get("address", "")[:400]
    try:
        queued = request_address(db, actor, typed)
    except InvalidInput as error:
        return form_failed(
            error, "notifications/list.html", field="address", **_page_context(typed)
        )
    except Conflict as error:  # too many links asked for: shown beside the field, as a 429
        page, _status = form_failed(
            error, "notifications/list.html", field="address", **_page_context(typed)
        )
        return page, 429
    if queued:
        try:
            tasks().send_emails()
        except Exception:  # the queue is down: the periodic run sends it
            current_app.logger.warning("Could not queue the confirmation email", exc_info=True)
        flash(
            gettext(
                "We sent a confirmation link to %(address)s. Open it to start using this address.",
                address=my_address(db, actor).pending,
            )
        )
    else:
        flash(gettext("Nothing to confirm: that address is already in use or waiting."))
    return redirect(url_for("pages.notifications"), code=303)


@bp.route("/notifications/address/confirm/<token>", methods=["GET", "POST"])
def notification_address_confirm(token: str) -> str:
    """The link in the confirmation email: GET asks (link scanners only GET), POST confirms."""
    try:
        data = _address_signer().loads(token, max_age=CONFIRM_HOURS * 3600)
        person_id, address = int(data["p"]), str(data["a"])
    except (BadSignature, KeyError, TypeError, ValueError):
        abort(404)
    if request.method == "GET":
        return render_template("notifications/confirm_address.html", address=address)
    confirm_address(get_session(), person_id, address)
    return render_template("notifications/confirm_address.html", address=address, done=True)


@bp.route("/notifications/read", methods=["POST"])
@require_actor
def notifications_read() -> Response:
    raw = request.form.get("id", "")
    mark_read(get_session(), signed_in_actor(), maybe_id(raw))
    flash(gettext("Marked as read."))
    return redirect(url_for("pages.notifications"), code=303)


@bp.route("/notifications/choices", methods=["POST"])
@require_actor
def notification_choices() -> Response:
    chosen = {
        (kind, channel)
        for kind in KINDS
        for channel in ("app", "email")
        if request.form.get(f"{kind}:{channel}") == "on"
    }
    set_choices(get_session(), signed_in_actor(), chosen)
    flash(gettext("Your notification choices are saved."))
    return redirect(url_for("pages.notifications"), code=303)


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
def notifications_unsubscribe(token: str) -> Response | str:
    """RFC 8058 one-click: a mail client POSTs here; a person's GET gets a button first."""
    try:
        data = URLSafeSerializer(current_app.config["SECRET_KEY"], UNSUBSCRIBE_SALT).loads(token)
        person_id, kind = int(data["p"]), str(data["k"])
    except (BadSignature, KeyError, TypeError, ValueError):
        abort(404)
    if kind not in KINDS:
        abort(404)
    if request.method == "GET":
        return render_template("notifications/unsubscribe.html", label=KINDS[kind].label)
    unsubscribe(get_session(), person_id, kind)
    return render_template("notifications/unsubscribe.html", label=KINDS[kind].label, done=True)
