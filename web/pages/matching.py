"""Teacher matching pages: set the rules, preview teams with scores and explanations, edit, publish.

Each view parses the form, calls one matching use case and redirects to the preview, so a
refresh never repeats an action; a refused rules form comes back filled in with a 400, and
other domain errors become 4xx pages through web/errors.py.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import redirect, render_template, request, session, url_for
from flask_babel import (
    format_datetime,
    format_decimal,
    format_time,
    gettext,
    lazy_gettext,
    ngettext,
)
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from plugin.errors import FieldErrors, InvalidInput, TandemError
from plugin.i18n import N_
from plugin.matching.candidates import (
    ISOLATION_ATTRIBUTES,
    MatchRules,
    Relaxation,
    ScoreBreakdown,
    SoftWeights,
    pool_pair,
)
from plugin.matching.review import TeamReview
from plugin.matching.service import (
    MatchingOverview,
    RunView,
    TeamChanges,
    lock_member,
    matching_overview,
    move_member,
    place_late_joiners_use_case,
    propose_teams,
    publish_teams,
    rebalance_dropouts,
    rerun,
    view_run,
)
from plugin.profiles.languages import CEFR_LEVELS
from plugin.teammates.records import mutual_pairs
from web.auth import require_actor, signed_in_actor
from web.db import get_session
from web.i18n import number
from web.inputs import parse_id
from web.offload import off_the_loop
from web.pages import Page, bp
from web.pages.forms import form_failed, language_name

MAX_SEED = 2**31 - 1
DEFAULT_LEVEL = "B1"
DEFAULT_HOURS = 2.0
_MONDAY = datetime(2024, 1, 1, tzinfo=UTC)  # a Monday: week minutes become real instants

# The engine names rules by these English keys; pages show them in the viewer's language.
RULE_NAMES = {
    "team size": lazy_gettext("Team size"),
    "institutions per team": lazy_gettext("Universities per team"),
    "members per institution": lazy_gettext("Students from one university"),
    "shared hours": lazy_gettext("Shared weekly hours"),
    "working language": lazy_gettext("Working language"),
    "keep apart": lazy_gettext("Keep apart"),
    "keep together": lazy_gettext("Keep together"),
    "locked teams": lazy_gettext("Locked students"),
}
ISOLATION_NAMES = {
    "institution": lazy_gettext("University"),
    "country": lazy_gettext("Country"),
    "discipline": lazy_gettext("Discipline"),
}
assert set(ISOLATION_NAMES) == set(ISOLATION_ATTRIBUTES)  # noqa: S101 (import-time check)
PAIR_KINDS = ("together", "apart")
CHANGES_KEY = "matching_changes"
# Messages the engine and the matching use cases raise, for the Dutch catalogue.
_USER_MESSAGES = (
    lazy_gettext("Please enter whole numbers."),
    lazy_gettext("Please enter numbers."),
    lazy_gettext("A number is outside its allowed range."),
    lazy_gettext("Team size range must satisfy 1 <= minimum <= maximum."),
    lazy_gettext("At least one institution per team is the weakest possible rule."),
    lazy_gettext("The maximum per institution must be at least 1."),
    lazy_gettext("Shared hours cannot be negative."),
    lazy_gettext("This matching run does not exist."),
    lazy_gettext("These teams are already published."),
    lazy_gettext("This student is not in the proposed teams."),
    lazy_gettext("Choose one of the proposed teams."),
    lazy_gettext("Unlock this student before moving them."),
    lazy_gettext("There are no teams to publish."),
    lazy_gettext("This exchange already has teams."),
    lazy_gettext("Only teachers of this exchange can change its teams."),
    lazy_gettext("This exchange does not exist."),
    lazy_gettext("These matching rules cannot be read."),
    lazy_gettext("Unknown matching strategy."),
    lazy_gettext("Publish teams before placing or rebalancing students."),
)


def _number(form: MultiDict[str, str], name: str, low: float, high: float) -> float:
    try:
        value = float(form.get(name, "").strip())
    except ValueError:
        raise InvalidInput(N_("Please enter numbers."), name) from None
    if not low <= value <= high or math.isnan(value):
        raise InvalidInput(N_("A number is outside its allowed range."), name)
    return value


def _int(form: MultiDict[str, str], name: str, low: int, high: int) -> int:
    try:
        value = int(form.get(name, "").strip())
    except ValueError:
        raise InvalidInput(N_("Please enter whole numbers."), name) from None
    if not low <= value <= high:
        raise InvalidInput(N_("A number is outside its allowed range."), name)
    return value


def _languages(overview: MatchingOverview) -> list[str]:
    return list(overview.exchange.languages) or ["en"]


def preset_values(overview: MatchingOverview) -> dict[str, Any]:
    """Sensible first rules: the exchange's team size, every university mixed where it can be."""
    exchange = overview.exchange
    universities = max(1, len(overview.institutions))
    return {
        "min_size": exchange.team_size_min,
        "max_size": exchange.team_size_max,
        "min_institutions": min(2, universities),
        "max_per_institution": math.ceil(exchange.team_size_max / 2) if universities > 1 else "",
        "min_hours": f"{DEFAULT_HOURS:g}",
        "working_languages": _languages(overview),
        "min_level": DEFAULT_LEVEL,
        "isolation": "institution",
        "together": [],
        "apart": [],
        "seed": 0,
    }


def _submitted_values(form: MultiDict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {k: form.get(k, "") for k in form}
    values["working_languages"] = form.getlist("working_languages")
    for kind in PAIR_KINDS:
        values[kind] = form.getlist(kind)
    return values


def _pool(overview: MatchingOverview) -> set[str]:
    return {cid for cid, _ in overview.students}


def _raw_pairs(form: MultiDict[str, str], kind: str) -> tuple[tuple[str, str], ...]:
    """The keep-together or keep-apart pairs the form carries (as "12-34"), unchecked."""
    pairs = []
    for raw in form.getlist(kind):
        first, _, second = raw.partition("-")
        pairs.append((first, second))
    return tuple(pairs)


def parse_rules(form: MultiDict[str, str], overview: MatchingOverview) -> tuple[MatchRules, int]:
    """Typed rules and seed from the form; MatchRules.check and then the engine decide whether
    they mean something for this pool and fit together.

    Every field is read before anything is refused, so the form shows all its errors at once.
    """
    errors = FieldErrors()
    attribute = form.get("isolation", "")
    checked = MatchRules()
    with errors.field(None):  # MatchRules.check names each mistake's field
        checked = MatchRules(
            working_languages=tuple(form.getlist("working_languages")),
            min_level=form.get("min_level", ""),
            keep_together=_raw_pairs(form, "together"),
            keep_apart=_raw_pairs(form, "apart"),
        ).check(_pool(overview), _languages(overview), attribute)
    numbers: dict[str, float] = {}
    bounds = {
        "min_size": (1, 50),
        "max_size": (1, 50),
        "min_institutions": (1, 20),
        "seed": (0, MAX_SEED),
    }
    if form.get("max_per_institution", "").strip():
        bounds["max_per_institution"] = (1, 50)
    for name, (low, high) in bounds.items():
        with errors.field(name):
            numbers[name] = _int(form, name, low, high)
    with errors.field("min_hours"):
        numbers["min_hours"] = _number(form, "min_hours", 0, 80)
    errors.raise_if_any()
    per_institution = numbers.get("max_per_institution")
    rules = replace(
        checked,
        min_size=int(numbers["min_size"]),
        max_size=int(numbers["max_size"]),
        min_institutions=int(numbers["min_institutions"]),
        max_per_institution=int(per_institution) if per_institution is not None else None,
        min_shared_hours=numbers["min_hours"],
        weights=SoftWeights(
            isolation_groups=tuple(
                (attribute, value) for value in overview.attribute_values.get(attribute, ())
            )
        ),
    )
    return rules, int(numbers["seed"])


def edit_pairs(form: MultiDict[str, str], overview: MatchingOverview) -> dict[str, Any] | None:
    """Apply an "Add pair" or "Remove" button to the form values; None when neither was pressed.

    Pressing Enter in a field submits with the first button, "Add pair"; with no students
    chosen that is taken as a plain proposal, so Enter still proposes teams.
    """
    values = _submitted_values(form)
    added, removed = form.get("add", ""), form.get("remove", "")
    if added in PAIR_KINDS:
        first, second = form.get(f"{added}_a", ""), form.get(f"{added}_b", "")
        if not first and not second:
            return None
        try:
            low, high = pool_pair(first, second, _pool(overview))
        except InvalidInput as error:  # shown beside the pair's first select
            raise InvalidInput(error.message, f"{added}_a") from None
        encoded = f"{low}-{high}"
        if encoded not in values[added]:
            values[added].append(encoded)
        values["focus"] = added
        values["notice"] = "added"
        return values
    kind, _, encoded = removed.partition(":")
    if kind in PAIR_KINDS:
        values[kind] = [pair for pair in values[kind] if pair != encoded]
        values["focus"] = kind
        values["notice"] = "removed"
        return values
    return None


def _start_page(overview: MatchingOverview, values: dict[str, Any]) -> dict[str, Any]:
    return {
        "overview": overview,
        "exchange": overview.exchange,
        "values": values,
        "work_languages": _languages(overview),
        "cefr_levels": CEFR_LEVELS,
        "language_name": language_name,
        "rule_summary": rule_summary,
        "isolation_names": ISOLATION_NAMES,
        "student_names": dict(overview.students),
    }


def rule_summary(rules: dict[str, Any]) -> str:
    """A stored run's rules in one line, for the audit list."""
    per = rules.get("max_per_institution")
    parts = [
        gettext("teams of %(low)s to %(high)s", low=rules["min_size"], high=rules["max_size"]),
        ngettext(
            "at least %(num)d university",
            "at least %(num)d universities",
            rules["min_institutions"],
        ),
        (
            gettext("at most %(num)s from one university", num=per)
            if per
            else gettext("no limit per university")
        ),
        gettext(
            "at least %(hours)s h shared", hours=number(rules["min_shared_hours"], 1, trim=True)
        ),
        str(
            lazy_gettext(
                "%(languages)s at %(level)s or above",
                languages=", ".join(language_name(c) for c in rules["working_languages"]),
                level=rules["min_level"],
            )
        ),
    ]
    return "; ".join(parts)


@bp.route("/exchanges/<id:exchange_id>/matching", methods=["GET", "POST"])
@require_actor
def matching_home(exchange_id: int) -> Page:
    db = get_session()
    overview = matching_overview(db, signed_in_actor(), exchange_id)
    if request.method == "GET":
        return render_template(
            "matching/start.html", **_start_page(overview, preset_values(overview))
        )
    try:
        edited = edit_pairs(request.form, overview)
        if edited is not None:
            return render_template("matching/start.html", **_start_page(overview, edited))
        rules, seed = parse_rules(request.form, overview)
        run = propose_teams(
            db, signed_in_actor(), exchange_id, rules, seed=seed, compute=off_the_loop
        )
    except TandemError as error:
        values = _submitted_values(request.form)
        return form_failed(error, "matching/start.html", **_start_page(overview, values))
    return redirect(url_for("pages.matching_run", run_id=run.id), code=303)


def window_text(start: int, end: int) -> str:
    """A weekly UTC window in the viewer's zone and language, e.g. "di 16:00-18:00"."""
    begins = _MONDAY + timedelta(minutes=start)
    ends = _MONDAY + timedelta(minutes=end)
    return f"{format_datetime(begins, 'EEE HH:mm')}\u2013{format_time(ends, 'HH:mm')}"


def explanation(view: RunView, team: TeamReview) -> str:
    """The engine's explanation, said in the viewer's language and time zone."""
    members = team.draft.member_ids
    universities = len({view.institutions.get(cid, "") for cid in members})
    hours = number(team.draft.shared_hours, 1, trim=True)
    parts = [
        (
            ngettext("mixes %(num)d university", "mixes %(num)d universities", universities)
            if universities != 1
            else gettext("from one university only")
        ),
        gettext("%(hours)s h weekly overlap", hours=hours),
    ]
    if team.windows:
        parts[-1] += ", " + gettext("best %(when)s", when=window_text(*team.windows[0]))
    alone = _isolated(view, team)
    parts.append(
        gettext("isolated members: %(num)s", num=alone) if alone else gettext("no isolated member")
    )
    if team.draft.working_language:
        parts.append(
            gettext("works in %(language)s", language=language_name(team.draft.working_language))
        )
    return "; ".join(parts)


def _isolated(view: RunView, team: TeamReview) -> int:
    """Members alone in an isolation group."""
    return team.draft.score.isolated


def honoured_requests(view: RunView) -> int:
    """Mutual teammate requests whose two students share a team."""
    return view.review.score.honoured


def points(value: float) -> str:
    """A score as a teacher reads it: one decimal, never "-0.0"."""
    rounded = round(value, 1) + 0.0
    return str(format_decimal(rounded, "#,##0.0"))


def score_words(view: RunView, score: ScoreBreakdown, shared_hours: float) -> list[str]:
    """The score's parts said in words, shared time first, instead of bare weighted numbers."""
    differing, isolated, honoured = score.differing, score.isolated, score.honoured
    return [
        gettext(
            "Shared time: at least %(hours)s h a week", hours=number(shared_hours, 1, trim=True)
        ),
        ngettext(
            "Mix: %(num)s pair of teammates differs in background",
            "Mix: %(num)s pairs of teammates differ in background",
            differing,
        ),
        gettext("Nobody is the only one of their group")
        if not isolated
        else ngettext(
            "%(num)s student is the only one of their group",
            "%(num)s students are the only one of their group",
            isolated,
        ),
        gettext("Language levels: even")
        if abs(score.balance) < 0.05
        else gettext("Language levels: uneven (%(points)s)", points=points(score.balance)),
        ngettext(
            "%(num)s teammate request honoured", "%(num)s teammate requests honoured", honoured
        ),
        gettext("Overall: %(points)s points (higher is better)", points=points(score.total)),
    ]


def problem_students(view: RunView, problem: Relaxation) -> list[str]:
    """The students a problem names, as "name (university): what they reach"."""
    mixed = int(view.run.rules.get("min_institutions", 1)) >= 2
    lines = []
    for cid, figure in problem.students:
        who = f"{view.names.get(cid, '?')} ({view.institutions.get(cid, '')})"
        if problem.rule == "shared hours" and mixed:
            lines.append(
                gettext(
                    "%(who)s: at most %(hours)s h a week in common with any student of another "
                    "university",
                    who=who,
                    hours=number(figure, 1, trim=True),
                )
            )
        elif problem.rule == "shared hours":
            lines.append(
                gettext(
                    "%(who)s: %(hours)s h a week available",
                    who=who,
                    hours=number(figure, 1, trim=True),
                )
            )
        else:
            lines.append(who)
    return lines


def problem_help(view: RunView, problem: Relaxation) -> str | None:
    """What would help, in the viewer's language, for the problems that name students."""
    if problem.rule == "shared hours" and problem.students:
        lowest = min(figure for _cid, figure in problem.students)
        return str(
            gettext(
                "Ask these students to add times they can meet in their profile, or lower the "
                "minimum shared time to %(hours)s h.",
                hours=number(lowest, 1, trim=True),
            )
        )
    if problem.rule == "working language" and problem.students:
        return str(
            gettext(
                "Ask these students to add a working language to their profile, add a language "
                "they speak, or lower the minimum level."
            )
        )
    return None


TEAMS_PER_PAGE = 40
"""Teams shown on one page of a proposal: 1,000 teams of a 5,000-student pool would make one
page of megabytes; 40 teams (about 200 students) keep each page small and quick to use."""


def team_page(keys: list[str], asked: str | None, wanted: str | None) -> tuple[int, int]:
    """The page to show (1-based) and how many pages there are.

    A `team` key in the address wins over `page`, so that after a move the teacher lands on
    the page that holds the team the student went to; anything unreadable shows page 1.
    """
    pages = max(1, math.ceil(len(keys) / TEAMS_PER_PAGE))
    if wanted in keys:
        return keys.index(wanted) // TEAMS_PER_PAGE + 1, pages
    number = int(asked) if asked and asked.isdigit() and len(asked) < 6 else 1
    return min(max(number, 1), pages), pages


def team_key(raw: str) -> str:
    """Read a team typed by hand: "T07", "t7" and "7" all mean team T07."""
    text = raw.strip().upper()
    digits = text[1:] if text.startswith("T") else text
    if digits.isdigit() and len(digits) < 6:
        return f"T{int(digits):02d}"
    return text


@bp.route("/matching/runs/<id:run_id>")
@require_actor
def matching_run(run_id: int) -> str:
    view = view_run(get_session(), signed_in_actor(), run_id)
    changes = session.pop(CHANGES_KEY, None)
    keys = [review.draft.key for review in view.review.teams]
    page, pages = team_page(keys, request.args.get("page"), request.args.get("team"))
    first = (page - 1) * TEAMS_PER_PAGE
    return render_template(
        "matching/run.html",
        view=view,
        shown=view.review.teams[first : first + TEAMS_PER_PAGE],
        page=page,
        pages=pages,
        per_page=TEAMS_PER_PAGE,
        team_count=len(keys),
        honoured=honoured_requests(view),
        mutual=mutual_pairs(get_session(), view.run.exchange_id),
        changes=changes if isinstance(changes, dict) and changes.get("run") == run_id else None,
        run=view.run,
        explanation=explanation,
        window_text=window_text,
        rule_names=RULE_NAMES,
        rule_summary=rule_summary,
        language_name=language_name,
        score_words=score_words,
        problem_students=problem_students,
        problem_help=problem_help,
        points=points,
    )


def _person_id() -> int:
    return parse_id(request.form.get("person_id"), "Please enter whole numbers.")


@bp.route("/matching/runs/<id:run_id>/move", methods=["POST"])
@require_actor
def matching_move(run_id: int) -> Response:
    key = team_key(request.form.get("team", ""))
    move_member(get_session(), signed_in_actor(), run_id, _person_id(), key)
    return redirect(
        url_for("pages.matching_run", run_id=run_id, team=key, _anchor=f"team-{key}"), code=303
    )


@bp.route("/matching/runs/<id:run_id>/lock", methods=["POST"])
@require_actor
def matching_lock(run_id: int) -> Response:
    locked = request.form.get("locked") == "1"
    lock_member(get_session(), signed_in_actor(), run_id, _person_id(), locked)
    key = team_key(request.form.get("team", ""))
    return redirect(
        url_for("pages.matching_run", run_id=run_id, team=key or None, _anchor="teams"), code=303
    )


@bp.route("/matching/runs/<id:run_id>/rerun", methods=["POST"])
@require_actor
def matching_rerun(run_id: int) -> Response:
    seed = _int(request.form, "seed", 0, MAX_SEED)
    run = rerun(get_session(), signed_in_actor(), run_id, seed, compute=off_the_loop)
    return redirect(url_for("pages.matching_run", run_id=run.id), code=303)


@bp.route("/matching/runs/<id:run_id>/publish", methods=["POST"])
@require_actor
def matching_publish(run_id: int) -> Response:
    publish_teams(get_session(), signed_in_actor(), run_id)
    return redirect(url_for("pages.matching_run", run_id=run_id), code=303)


def _show_changes(kind: str, changes: TeamChanges) -> Response:
    """Keep the outcome (ids only) for the next page view, then show the published teams."""
    session[CHANGES_KEY] = {
        "run": changes.run_id,
        "kind": kind,
        "moves": [[m.candidate_id, m.from_team, m.to_team] for m in changes.moves],
        "unplaced": [[u.candidate_id, list(u.rules)] for u in changes.unplaced],
        "unresolved": list(changes.unresolved),
    }
    target = url_for("pages.matching_run", run_id=changes.run_id, _anchor="changes")
    return redirect(target, code=303)


@bp.route("/exchanges/<id:exchange_id>/matching/late-joiners", methods=["POST"])
@require_actor
def matching_late_joiners(exchange_id: int) -> Response:
    return _show_changes(
        "placed", place_late_joiners_use_case(get_session(), signed_in_actor(), exchange_id)
    )


@bp.route("/exchanges/<id:exchange_id>/matching/rebalance", methods=["POST"])
@require_actor
def matching_rebalance(exchange_id: int) -> Response:
    return _show_changes(
        "rebalanced", rebalance_dropouts(get_session(), signed_in_actor(), exchange_id)
    )
