"""The teacher's gradebook check: did each student's Tandem grade reach the LMS?

Scores travel through lti.grades' outbox; this page shows each row's fate (delivered, queued,
failing with the LMS's error and the next retry) and lets the teacher retry now. Only the
teachers of the course they launched from see it: the course comes from their session.
"""

from __future__ import annotations

from flask import current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from lti.grades import course_gradebook, retry_now, send_pending
from lti.health import course_connection
from lti.launch import LtiContext
from plugin.courses.service import gradebook_course
from web.auth import require_actor, signed_in_actor
from web.db import get_session
from web.inputs import maybe_id
from web.pages import bp


def _course_id() -> int:
    return gradebook_course(signed_in_actor())


def _count(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


@bp.route("/grades")
@require_actor
def grades() -> str:
    course_id = _course_id()
    return render_template(
        "grades/grades.html",
        rows=course_gradebook(get_session(), course_id),
        connection=course_connection(get_session(), course_id),
        delivered=_count("delivered"),
        failed=_count("failed"),
        being_sent=_count("sending"),
    )


@bp.route("/grades/send", methods=["POST"])
@require_actor
def send_grades() -> Response:
    """Retry one student's score (``outbox_id``), or every undelivered one, and send now.

    Scores another sender holds right now are left to it, and the report says how many."""
    course_id = _course_id()
    db = get_session()
    raw = request.form.get("outbox_id", "")
    retried = retry_now(db, course_id, maybe_id(raw))
    context: LtiContext = current_app.extensions["tandem.lti"]
    report = send_pending(db, context.client(), course_id=course_id)
    target = url_for(
        "pages.grades",
        delivered=report.delivered,
        failed=report.failed,
        sending=retried.being_sent,
    )
    return redirect(target, code=303)
