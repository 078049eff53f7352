"""Completion pages: a student's checklist, and their own teacher's sign-off list.

Approving commits the decision first; then the score goes to the LMS grade outbox and the
credential is issued, each its own committed step, so an LMS without a gradebook never
undoes an approval.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext

from lti.grades import queue_score
from plugin.completion.decisions import Decision
from plugin.completion.models import CompletionStatus
from plugin.completion.service import (
    approve_completion,
    current_rule,
    my_progress,
    override_completion,
    record_meeting,
    request_completion,
    set_rule,
    student_page,
    submit_reflection,
)
from plugin.credentials.holds import (
    held_for_exchange,
    is_pending,
    issued_credential,
    issuing_problems,
    my_held,
    request_issuance,
)
from plugin.credentials.models import HeldIssuance
from plugin.credentials.service import my_credentials
from plugin.errors import FieldErrors, InvalidInput, TandemError
from plugin.exchanges.service import get_exchange
from plugin.i18n import N_
from web.auth import require_actor, signed_in_actor
from web.db import get_session
from web.i18n import translated
from web.inputs import maybe_id, parse_id, parse_int
from web.pages import Page, bp
from web.pages.forms import form_failed
from web.tasks import tasks


def requirement_names() -> dict[str, str]:
    return {
        "meetings": gettext("Team meetings attended"),
        "contribution": gettext("Weeks with contributions to notes, chat or tasks"),
        "tasks": gettext("Tasks of the phase done"),
        "reflection": gettext("Final reflection submitted"),
        "sign_off": gettext("Signed off by your teacher"),
        "peer": gettext("Peer evaluation rounds taken part in"),
    }


def status_names() -> dict[str, str]:
    return {
        "in_progress": gettext("In progress"),
        "requested": gettext("Sign-off requested"),
        "approved": gettext("Approved"),
        "declined": gettext("Declined"),
    }


def held_message(reason: str) -> str:
    """What a teacher reads when a credential waits for the institution's details."""
    return str(
        gettext(
            "The credential is held: %(reason)s Ask your Tandem administrator to set the "
            "institution's country; it is issued as soon as they do.",
            reason=translated(reason),
        )
    )


def _held_up(row: HeldIssuance | None) -> HeldIssuance | None:
    """A row held for a reason; one only waiting for the worker reads "being issued"."""
    return None if row is None or is_pending(row) else row


def _progress_context(exchange_id: int) -> dict[str, Any]:
    return {
        "progress": my_progress(get_session(), signed_in_actor(), exchange_id),
        "credentials": my_credentials(get_session(), signed_in_actor(), exchange_id),
        "held": _held_up(my_held(get_session(), signed_in_actor(), exchange_id)),
        "names": requirement_names(),
        "statuses": status_names(),
    }


def _progress_page(exchange_id: int) -> str:
    return render_template("completion/student.html", **_progress_context(exchange_id))


@bp.route("/exchanges/<id:exchange_id>/completion")
@require_actor
def my_completion(exchange_id: int) -> Page:
    return _progress_page(exchange_id)


@bp.route("/exchanges/<id:exchange_id>/completion/reflection", methods=["POST"])
@require_actor
def reflection(exchange_id: int) -> Page:
    try:
        submit_reflection(
            get_session(), signed_in_actor(), exchange_id, request.form.get("reflection", "")
        )
    except InvalidInput as error:  # shown again under the text box, the text kept
        return form_failed(error, "completion/student.html", **_progress_context(exchange_id))
    flash(gettext("Your reflection is saved."))
    return redirect(url_for("pages.my_completion", exchange_id=exchange_id), code=303)


@bp.route("/exchanges/<id:exchange_id>/completion/request", methods=["POST"])
@require_actor
def ask_sign_off(exchange_id: int) -> Page:
    request_completion(get_session(), signed_in_actor(), exchange_id)
    flash(gettext("Your teacher has been asked to sign off."))
    return redirect(url_for("pages.my_completion", exchange_id=exchange_id), code=303)


def _teacher_page(exchange_id: int) -> str:
    return render_template("completion/teacher.html", **_teacher_context(exchange_id))


@bp.route("/exchanges/<id:exchange_id>/completion/students")
@require_actor
def completion_students(exchange_id: int) -> Page:
    return _teacher_page(exchange_id)


def _after_decision(decision: Decision) -> None:
    """Send the score and issue the credential; report, never undo, what could not be done."""
    db = get_session()
    if decision.grade is not None:
        grade = decision.grade
        try:
            queue_score(
                db,
                grade.course_id,
                grade.person_id,
                score_given=grade.score_given,
                comment=grade.comment,
            )
            tasks().send_grades()
            flash(gettext("The completion is on its way to the learning platform's gradebook."))
        except TandemError:
            flash(
                gettext(
                    "The completion is approved, but this course has no gradebook to send it to."
                )
            )
    if decision.completion.status is CompletionStatus.APPROVED:
        try:
            # Recorded here, signed by the worker: nothing is signed inside the request.
            completion_id = decision.completion.id
            outcome = request_issuance(db, signed_in_actor(), completion_id)
            if outcome.pending is not None:
                tasks().issue_credential(completion_id)
            if outcome.held is not None:
                flash(held_message(outcome.held.reason))
            elif issued_credential(db, completion_id) is not None:
                flash(gettext("The micro-credential has been issued."))
            else:
                flash(gettext("The micro-credential is being issued."))
        except TandemError as error:
            flash(
                gettext(
                    "The credential was not issued: %(reason)s", reason=translated(error.message)
                )
            )


def _person_id() -> int:
    return parse_id(request.form.get("person_id"), N_("Choose a student."))


@bp.route("/exchanges/<id:exchange_id>/completion/approve", methods=["POST"])
@require_actor
def approve(exchange_id: int) -> Page:
    decision = approve_completion(get_session(), signed_in_actor(), exchange_id, _person_id())
    _after_decision(decision)
    return redirect(url_for("pages.completion_students", exchange_id=exchange_id), code=303)


@bp.route("/exchanges/<id:exchange_id>/completion/override", methods=["POST"])
@require_actor
def override(exchange_id: int) -> Page:
    try:
        decision = override_completion(
            get_session(),
            signed_in_actor(),
            exchange_id,
            _person_id(),
            approve=request.form.get("decision") == "approve",
            reason=request.form.get("reason", ""),
        )
    except InvalidInput as error:
        return form_failed(error, "completion/teacher.html", **_teacher_context(exchange_id))
    _after_decision(decision)
    return redirect(url_for("pages.completion_students", exchange_id=exchange_id), code=303)


STUDENTS_PER_PAGE = 50
"""Students shown on one page of the completion list: each brings its checklist and forms, so a
page of 2,500 students would weigh megabytes; 50 a page stays small and quick by keyboard."""


def _teacher_context(exchange_id: int) -> dict[str, Any]:
    db = get_session()
    asked = request.args.get("page", "")
    page = max(int(asked), 1) if asked.isdigit() and len(asked) < 6 else 1
    total, shown = student_page(
        db, signed_in_actor(), exchange_id, (page - 1) * STUDENTS_PER_PAGE, STUDENTS_PER_PAGE
    )
    pages = max(1, math.ceil(total / STUDENTS_PER_PAGE))
    if page > pages:  # past the end (a student left): show the last page
        page = pages
        total, shown = student_page(
            db, signed_in_actor(), exchange_id, (page - 1) * STUDENTS_PER_PAGE, STUDENTS_PER_PAGE
        )
    return {
        "exchange": get_exchange(db, exchange_id),
        "rule": current_rule(db, exchange_id),
        "total": total,
        "shown": shown,
        "page": page,
        "pages": pages,
        "per_page": STUDENTS_PER_PAGE,
        "held": {
            pid: gettext("The micro-credential is being issued.")
            if is_pending(row)
            else held_message(row.reason)
            for pid, row in held_for_exchange(db, exchange_id).items()
        },
        "issuing_problems": [translated(p) for p in issuing_problems(db, signed_in_actor())],
        "names": requirement_names(),
        "statuses": status_names(),
    }


@bp.route("/exchanges/<id:exchange_id>/completion/meeting", methods=["POST"])
@require_actor
def meeting(exchange_id: int) -> Page:
    try:
        try:
            met_on = date.fromisoformat(request.form.get("met_on", ""))
        except ValueError:
            raise InvalidInput(
                N_("Enter dates as year-month-day, for example 2027-02-01."), "met_on"
            ) from None
        ids = [i for i in map(maybe_id, request.form.getlist("person_id")) if i is not None]
        count = record_meeting(get_session(), signed_in_actor(), exchange_id, ids, met_on)
    except InvalidInput as error:
        return form_failed(error, "completion/teacher.html", **_teacher_context(exchange_id))
    flash(ngettext("%(num)d attendance recorded.", "%(num)d attendances recorded.", count))
    return redirect(url_for("pages.completion_students", exchange_id=exchange_id), code=303)


def _number(name: str) -> int:
    message = N_("The number of meetings and weeks must be whole numbers.")
    return parse_int(request.form.get(name), message, low=0, high=10_000, field=name)


@bp.route("/exchanges/<id:exchange_id>/completion/rule", methods=["POST"])
@require_actor
def completion_rule(exchange_id: int) -> Page:
    errors = FieldErrors()  # both numbers read, so both errors show at once
    numbers = {"min_meetings": 0, "min_contribution_weeks": 0}
    for name in numbers:
        with errors.field(name):
            numbers[name] = _number(name)
    try:
        errors.raise_if_any()
        set_rule(
            get_session(),
            signed_in_actor(),
            exchange_id,
            min_meetings=numbers["min_meetings"],
            min_contribution_weeks=numbers["min_contribution_weeks"],
            required_phases=request.form.getlist("phase"),
            reflection_required=request.form.get("reflection_required") == "on",
        )
    except InvalidInput as error:
        return form_failed(error, "completion/teacher.html", **_teacher_context(exchange_id))
    flash(gettext("A new version of the completion rule is in force."))
    for problem in issuing_problems(get_session(), signed_in_actor()):
        flash(
            gettext(
                "Credentials cannot be issued yet: %(reason)s Ask your Tandem administrator to "
                "set the institution's country before you sign off.",
                reason=translated(problem),
            )
        )
    return redirect(url_for("pages.completion_students", exchange_id=exchange_id), code=303)
