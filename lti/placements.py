"""Placements in a course: the deep-linking picker and the course-copy question.

A placement names its exchange in a custom parameter. When a course is copied for a new term
the parameter comes along, but the new course has no seat in that exchange: the teacher is
asked what to do (copy it for this term, or join another as a partner) instead of Tandem
silently joining last term's pool.
"""

from __future__ import annotations

from datetime import date

from flask import current_app, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext
from sqlalchemy.orm import Session

from lti import bp
from lti.deep_linking import PendingDeepLink, resource_link_item, response_jwt
from lti.launch import LtiContext
from plugin.errors import InvalidInput, NotFound
from plugin.exchanges.models import Exchange, SeatStatus
from plugin.exchanges.service import (
    approved_exchange_of_course,
    copy_exchange,
    create_exchange,
    exchanges_for_teacher,
    placement_choices,
    request_seat,
)
from plugin.i18n import N_
from web.auth import current_exchange_hint, require_actor, signed_in_actor
from web.db import get_session
from web.inputs import maybe_id
from web.pages.forms import exchange_draft, parse_date

# Domain errors raised here reach people through web/errors.py's gettext: extract them.
_USER_MESSAGES = (
    lazy_gettext("Choose an exchange, create one or enter a join code."),
    lazy_gettext("Choose to copy the exchange or to join one by code."),
)


def _date(name: str) -> date:
    return parse_date(request.form.get(name, ""))


@bp.route("/deep-link/<token>", methods=["GET", "POST"])
def deep_link_picker(token: str) -> ResponseReturnValue:
    """Create an exchange, pick one of the course's, or join one by code; then return it."""
    db = get_session()
    pending = PendingDeepLink.load(db, token)
    actor = pending.actor
    if request.method == "POST":
        action = request.form.get("action")
        if action == "create":
            exchange_id = create_exchange(db, actor, exchange_draft(request.form)).id
        elif action == "join":
            exchange_id = request_seat(db, actor, request.form.get("code", "")).exchange_id
        elif action == "pick":
            wanted = maybe_id(request.form.get("exchange_id", "")) or -1
            exchange_id = approved_exchange_of_course(db, actor, wanted)
        else:
            raise InvalidInput(N_("Choose an exchange, create one or enter a join code."))
        return _return_to_lms(db, pending, exchange_id)
    exchanges = [
        e for e in exchanges_for_teacher(db, actor) if e.seat_status is not SeatStatus.DECLINED
    ]
    return render_template("lti/deep_link_picker.html", token=token, exchanges=exchanges)


def _return_to_lms(session: Session, pending: PendingDeepLink, exchange_id: int) -> str:
    context: LtiContext = current_app.extensions["tandem.lti"]
    exchange = session.get(Exchange, exchange_id)
    if exchange is None:
        raise NotFound(N_("This exchange does not exist."))
    item = resource_link_item(
        title=exchange.title,
        exchange_id=exchange.id,
        launch_url=context.launch_url,
        with_lineitem=pending.accept_lineitem,
    )
    token = response_jwt(pending, context.tool_key, [item])
    g.csp_form_action = pending.return_url  # the auto-posting form leaves for the LMS
    return render_template(
        "lti/deep_link_return.html", return_url=pending.return_url, jwt=token, title=exchange.title
    )


@bp.route("/placement", methods=["GET", "POST"])
@require_actor
def copied_placement() -> ResponseReturnValue:
    """This course's placement points at an exchange of another course (a course copy)."""
    db = get_session()
    actor = signed_in_actor()
    placement = placement_choices(db, actor, current_exchange_hint())
    source = placement.source
    if request.method == "POST":
        if request.form.get("action") == "copy" and source is not None:
            copy_exchange(db, actor, source.id, _date("starts_on"))
        elif request.form.get("action") == "join":
            request_seat(db, actor, request.form.get("code", ""))
        else:
            raise InvalidInput(N_("Choose to copy the exchange or to join one by code."))
        return redirect(url_for("pages.home"), code=303)
    return render_template("lti/placement_copied.html", source=source, may_copy=placement.may_copy)
