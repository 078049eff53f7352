"""Team check-ins and peer evaluation pages: the students' forms and feedback, the teachers'
scheduling, rounds, results and research export. Each view parses, calls one use case and
renders; who may see what is decided in ``plugin.checkins`` and ``plugin.peer``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext

from plugin.checkins.service import (
    answer_checkin,
    my_checkin,
    overall_by_week,
    set_schedule,
    teacher_checkins,
)
from plugin.errors import FieldErrors, InvalidInput
from plugin.exchanges.service import (
    get_exchange,
    set_team_data_sharing,
    team_data_shared_by_seat,
)
from plugin.peer.anchors import SCALE
from plugin.peer.flags import LABELS
from plugin.peer.service import (
    Policy,
    RatingForm,
    close_round,
    my_feedback,
    my_rounds,
    open_round,
    policy_of,
    rating_form,
    research_csv,
    round_results,
    set_policy,
    submit_ratings,
    teacher_rounds,
)
from web.auth import require_actor, signed_in_actor
from web.db import get_session
from web.i18n import parse_number, select_timezone, translated, zone
from web.inputs import parse_int
from web.pages import Page, bp
from web.pages.forms import field_errors, form_failed, parse_date

QUESTIONS = ("teamwork", "contribute", "blockers")


def question_texts() -> dict[str, tuple[str, str, str]]:
    """Each check-in question with what 1 and 5 mean (every scale: 5 is good)."""
    return {
        "teamwork": (
            gettext("How is your team working together this week?"),
            gettext("1: not at all"),
            gettext("5: very well"),
        ),
        "contribute": (
            gettext("Are you able to contribute what you want to?"),
            gettext("1: hardly"),
            gettext("5: fully"),
        ),
        "blockers": (
            gettext("Is anything in the way of your team's work?"),
            gettext("1: a lot is in the way"),
            gettext("5: nothing is in the way"),
        ),
    }


def question_labels() -> dict[str, str]:
    """Short names of the check-in questions, so the error summary says which one is missing."""
    return {
        "teamwork": gettext("Teamwork"),
        "contribute": gettext("Able to contribute"),
        "blockers": gettext("Nothing in the way"),
    }


def _score(field: str) -> int:
    message = gettext("Choose a number from 1 to 5.")
    return parse_int(request.form.get(field), message, low=1, high=5, field=field)


def _local(field: str) -> datetime:
    """A date-and-time field typed in the viewer's zone, as UTC."""
    raw = request.form.get(field, "").strip()
    try:
        local = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            gettext("Enter dates and times as year-month-day hours:minutes."), field
        ) from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=zone(select_timezone()))
    return local.astimezone(UTC)


# ---------------------------------------------------------------- students


def _checkin_context(exchange_id: int) -> dict[str, Any]:
    db = get_session()
    actor = signed_in_actor()
    return {
        "exchange": get_exchange(db, exchange_id),
        "current": my_checkin(db, actor, exchange_id),
        "questions": question_texts(),
        "question_labels": question_labels(),
        "rounds": my_rounds(db, actor, exchange_id),
        "now": datetime.now(UTC),
    }


@bp.route("/exchanges/<id:exchange_id>/checkin")
@require_actor
def checkin(exchange_id: int) -> Page:
    return render_template("teamwork/checkin.html", **_checkin_context(exchange_id))


@bp.route("/exchanges/<id:exchange_id>/checkin", methods=["POST"])
@require_actor
def checkin_answer(exchange_id: int) -> Page:
    """Every unanswered question is named beside it; the answers given are kept."""
    errors = FieldErrors()
    scores = dict.fromkeys(QUESTIONS, 0)
    for key in QUESTIONS:
        with errors.field(key):
            scores[key] = _score(key)
    try:
        errors.raise_if_any()
        answer_checkin(
            get_session(),
            signed_in_actor(),
            exchange_id,
            teamwork=scores["teamwork"],
            contribute=scores["contribute"],
            blockers=scores["blockers"],
            comment=request.form.get("comment", ""),
        )
    except InvalidInput as error:
        context = _checkin_context(exchange_id)
        return form_failed(error, "teamwork/checkin.html", typed=request.form, **context)
    flash(gettext("Thank you: your check-in for this week is saved."))
    return redirect(url_for("pages.checkin", exchange_id=exchange_id), code=303)


def _rating_context(round_id: int) -> dict[str, Any]:
    db = get_session()
    actor = signed_in_actor()
    form = rating_form(db, actor, round_id)
    return {
        "form": form,
        "feedback": my_feedback(db, actor, round_id),
        "scale": SCALE,
        "now": datetime.now(UTC),
        # Which teammate and dimension each rating field is, for the error summary's links.
        "rating_labels": {
            f"r-{mate.person_id}-{d.key}": f"{mate.name}, {translated(d.name)}"
            for mate in form.teammates
            for d in SCALE
        },
    }


@bp.route("/peer/rounds/<id:round_id>")
@require_actor
def peer_round(round_id: int) -> Page:
    return render_template("teamwork/rate.html", **_rating_context(round_id))


@bp.route("/peer/rounds/<id:round_id>", methods=["POST"])
@require_actor
def peer_rate(round_id: int) -> Page:
    """Every rating left out is named beside it; the ratings and comment given are kept."""
    db = get_session()
    actor = signed_in_actor()
    form = rating_form(db, actor, round_id)
    message = gettext("Choose a number from 1 to 5.")
    errors = FieldErrors()
    scores: dict[int, tuple[int, ...]] = {}
    for mate in form.teammates:
        given: list[int] = []
        for d in SCALE:
            field = f"r-{mate.person_id}-{d.key}"
            with errors.field(field):
                given.append(parse_int(request.form.get(field), message, low=1, high=5))
        scores[mate.person_id] = tuple(given)
    try:
        errors.raise_if_any()
        submit_ratings(db, actor, round_id, scores, request.form.get("comment", ""))
    except InvalidInput as error:
        context = _rating_context(round_id)
        summary = _rating_summary(form, error, message, context["rating_labels"])
        return form_failed(
            error, "teamwork/rate.html", typed=request.form, rating_summary=summary, **context
        )
    flash(gettext("Your ratings are saved. You can change them until the round closes."))
    return redirect(url_for("pages.peer_round", round_id=round_id), code=303)


def _rating_summary(
    form: RatingForm, error: InvalidInput, missing: str, labels: dict[str, str]
) -> list[tuple[str | None, str]]:
    """The error summary with one line per person with several ratings left out, linked to the
    first of them: a form left empty lists five or six lines, not thirty. Each rating still
    carries its own message beside it; a line about one rating says whose and which."""
    found = field_errors(error)
    names = {
        f"r-{mate.person_id}-": gettext("You (%(name)s)", name=mate.name)
        if mate.is_self
        else mate.name
        for mate in form.teammates
    }

    def whose(field: str | None) -> str | None:
        return next((p for p in names if field and field.startswith(p)), None)

    counts: dict[str, int] = {}
    for field, message in found:
        prefix = whose(field)
        if prefix is not None and message == missing:
            counts[prefix] = counts.get(prefix, 0) + 1
    lines: list[tuple[str | None, str]] = []
    listed: set[str] = set()
    for field, message in found:
        prefix = whose(field)
        if prefix is None or message != missing or counts[prefix] < 2:
            label = labels.get(field or "")
            lines.append((field, f"{label}: {message}" if label else message))
        elif prefix not in listed:  # the first of this person's: the line for all of them
            text = ngettext(
                "%(name)s: choose a number from 1 to 5 for %(num)d kind of teamwork.",
                "%(name)s: choose a number from 1 to 5 for %(num)d kinds of teamwork.",
                counts[prefix],
                name=names[prefix],
            )
            lines.append((field, text))
            listed.add(prefix)
    return lines


# ---------------------------------------------------------------- teachers


def _teamwork_context(exchange_id: int) -> dict[str, Any]:
    db = get_session()
    actor = signed_in_actor()
    checkins = teacher_checkins(db, actor, exchange_id)
    return {
        "exchange": get_exchange(db, exchange_id),
        "checkins": checkins,
        "trend": overall_by_week(checkins.averages),
        "rounds": teacher_rounds(db, actor, exchange_id),
        "policy": policy_of(db, exchange_id),
        "sharing": team_data_shared_by_seat(db, actor, exchange_id),
        "questions": question_texts(),
        "now": datetime.now(UTC),
    }


@bp.route("/exchanges/<id:exchange_id>/teamwork")
@require_actor
def teamwork(exchange_id: int) -> Page:
    return render_template("teamwork/teacher.html", **_teamwork_context(exchange_id))


def _teamwork_failed(exchange_id: int, error: InvalidInput) -> Page:
    """The teachers' page again, the refused form's fields marked and what was typed kept."""
    context = _teamwork_context(exchange_id)
    return form_failed(error, "teamwork/teacher.html", typed=request.form, **context)


def _back(exchange_id: int) -> Page:
    return redirect(url_for("pages.teamwork", exchange_id=exchange_id), code=303)


@bp.route("/exchanges/<id:exchange_id>/teamwork/schedule", methods=["POST"])
@require_actor
def teamwork_schedule(exchange_id: int) -> Page:
    errors = FieldErrors()
    days = {}
    for field in ("starts_on", "ends_on"):
        with errors.field(field):
            days[field] = parse_date(request.form.get(field, ""), field)
    try:
        errors.raise_if_any()
        set_schedule(
            get_session(),
            signed_in_actor(),
            exchange_id,
            days["starts_on"],
            days["ends_on"],
            enabled=request.form.get("enabled") == "1",
        )
    except InvalidInput as error:
        return _teamwork_failed(exchange_id, error)
    flash(gettext("The check-in schedule is saved."))
    return _back(exchange_id)


@bp.route("/exchanges/<id:exchange_id>/teamwork/sharing", methods=["POST"])
@require_actor
def teamwork_sharing(exchange_id: int) -> Page:
    set_team_data_sharing(
        get_session(), signed_in_actor(), exchange_id, request.form.get("share") == "1"
    )
    flash(gettext("Your choice on sharing individual team data is saved."))
    return _back(exchange_id)


@bp.route("/exchanges/<id:exchange_id>/teamwork/policy", methods=["POST"])
@require_actor
def teamwork_policy(exchange_id: int) -> Page:
    raw_cap = request.form.get("cap", "").strip()
    cap = None
    try:
        if raw_cap:
            typed = parse_number(raw_cap)  # the viewer's way: "1,05" in Dutch
            if typed is None:
                message = gettext("Enter the cap as a number, for example 1.05.")
                raise InvalidInput(message, "cap")
            cap = float(typed)
        set_policy(
            get_session(),
            signed_in_actor(),
            exchange_id,
            Policy(
                adjust_grades=request.form.get("adjust_grades") == "1",
                factor_cap=cap,
                include_self=request.form.get("include_self") == "1",
                required_for_completion=request.form.get("required") == "1",
            ),
        )
    except InvalidInput as error:
        return _teamwork_failed(exchange_id, error)
    flash(gettext("The peer evaluation settings are saved."))
    return _back(exchange_id)


@bp.route("/exchanges/<id:exchange_id>/teamwork/rounds", methods=["POST"])
@require_actor
def teamwork_open_round(exchange_id: int) -> Page:
    errors = FieldErrors()
    moments = {}
    for field in ("opens_at", "closes_at"):
        with errors.field(field):
            moments[field] = _local(field)
    try:
        errors.raise_if_any()
        open_round(
            get_session(),
            signed_in_actor(),
            exchange_id,
            request.form.get("title", ""),
            moments["opens_at"],
            moments["closes_at"],
        )
    except InvalidInput as error:
        return _teamwork_failed(exchange_id, error)
    flash(gettext("The round is saved; students hear of it when it opens."))
    return _back(exchange_id)


@bp.route("/peer/rounds/<id:round_id>/close", methods=["POST"])
@require_actor
def peer_close(round_id: int) -> Page:
    closed = close_round(get_session(), signed_in_actor(), round_id)
    flash(gettext("The round is closed and its results are computed."))
    return redirect(url_for("pages.peer_results", round_id=closed.id), code=303)


@bp.route("/peer/rounds/<id:round_id>/results")
@require_actor
def peer_results(round_id: int) -> Page:
    results = round_results(get_session(), signed_in_actor(), round_id)
    return render_template("teamwork/results.html", results=results, labels=LABELS, scale=SCALE)


@bp.route("/exchanges/<id:exchange_id>/teamwork/research.csv")
@require_actor
def teamwork_export(exchange_id: int) -> Page:
    text = research_csv(get_session(), signed_in_actor(), exchange_id)
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="teamwork-{exchange_id}.csv"'},
    )
