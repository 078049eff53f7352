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
from plugin.actors import Actor
from plugin.errors import InvalidInput, NotAllowed, NotFound
from plugin.exchanges.models import Exchange, SeatStatus
from plugin.exchanges.service import (
    copy_exchange,
    create_exchange,
    exchanges_for_teacher,
    request_seat,
    templates_for_teacher,
)
from plugin.i18n import N_
from web.auth import current_exchange_hint, require_actor, signed_in_actor
from web.db import get_session
from web.inputs import maybe_id
from web.pages.forms import exchange_draft, parse_date

# Domain errors raised here reach people through web/errors.py's gettext: extract them.
_USER_MESSAGES = (
    lazy_gettext("Choose an exchange, create one or enter a join code."),
    lazy_gettext("This exchange is not one your course takes part in."),
    lazy_gettext("Choose to copy the exchange or to join one by code."),
)


def _hinted_exchange(session: Session, hint: str | None) -> Exchange | None:
    if hint is None or not hint.strip().isdigit():
        return None
    return session.get(Exchange, int(hint.strip()))


def placement_was_copied(session: Session, actor: Actor, hint: str | None) -> bool:
    """A teacher launched a placement whose exchange has no seat for this course."""
    if not actor.can_teach or actor.course_id is None:
        return False
    exchange = _hinted_exchange(session, hint)
    return exchange is not None and all(s.course_id != actor.course_id for s in exchange.seats)


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
            exchange_id = _own_exchange(db, actor, request.form.get("exchange_id", ""))
        else:
            raise InvalidInput(N_("Choose an exchange, create one or enter a join code."))
        return _return_to_lms(db, pending, exchange_id)
    exchanges = [
        e for e in exchanges_for_teacher(db, actor) if e.seat_status is not SeatStatus.DECLINED
    ]
    return render_template("lti/deep_link_picker.html", token=token, exchanges=exchanges)


def _own_exchange(session: Session, actor: Actor, raw: str) -> int:
    wanted = maybe_id(raw) or -1
    for summary in exchanges_for_teacher(session, actor):
        if summary.exchange_id == wanted and summary.seat_status is SeatStatus.APPROVED:
            return summary.exchange_id
    raise NotFound(N_("This exchange is not one your course takes part in."))


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
    if not actor.can_teach:
        raise NotAllowed(N_("Only teachers can do this."))
    source = _hinted_exchange(db, current_exchange_hint())
    if request.method == "POST":
        if request.form.get("action") == "copy" and source is not None:
            copy_exchange(db, actor, source.id, _date("starts_on"))
        elif request.form.get("action") == "join":
            request_seat(db, actor, request.form.get("code", ""))
        else:
            raise InvalidInput(N_("Choose to copy the exchange or to join one by code."))
        return redirect(url_for("pages.home"), code=303)
    may_copy = source is not None and source.id in {e.id for e in templates_for_teacher(db, actor)}
    return render_template("lti/placement_copied.html", source=source, may_copy=may_copy)
