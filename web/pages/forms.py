"""Parsing the exchange and profile forms, and re-showing a form with its error.

Parsing only turns text into typed drafts; every rule lives in the use cases. A refused form is
rendered again with what the person typed, so nothing they entered is lost.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any
from zoneinfo import available_timezones

from babel import Locale
from flask import render_template
from flask_babel import get_locale, gettext
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from plugin.errors import FieldErrors, InvalidInput, TandemError
from plugin.exchanges import phases
from plugin.exchanges.phases import Phase
from plugin.exchanges.service import ExchangeDraft
from plugin.i18n import N_, Text
from plugin.profiles.availability import DAY, GRID_STARTS, SLOT_MINUTES
from plugin.profiles.languages import CEFR_LEVELS, ISO_639_1
from plugin.profiles.service import SHAREABLE, ProfileDraft
from web.errors import STATUS_BY_ERROR, error_response, wants_json
from web.i18n import translated
from web.inputs import maybe_int, parse_int

LANGUAGE_ROWS = 3
MAX_FORM_PHASES = 12


def phase_title(title: str | None, key: str | None = None) -> str:
    """A phase's name in the viewer's language: defaults translated, own titles as written."""
    name = phases.phase_title(key, title)
    return translated(name) if isinstance(name, Text) else name


def field_errors(
    error: TandemError, default_field: str | None = None
) -> list[tuple[str | None, str]]:
    """[(field name or None, message in the viewer's language)], in the order found."""
    return [(field or default_field, translated(message)) for field, message in error.field_errors]


def form_failed(
    error: TandemError, template: str, *, field: str | None = None, **context: Any
) -> tuple[Response | str, int]:
    """The same form again with every message beside its field and listed on top (HTML), or the
    error as JSON for APIs. `templates/_forms.html` reads `form_errors` and `field_errors`.

    `field` names the input an error without one is about, for a form of a single field.
    """
    status = next((s for kind, s in STATUS_BY_ERROR if isinstance(error, kind)), 400)
    message = translated(error.message)
    if wants_json():
        return error_response(status, gettext("That did not work"), message)
    listed = field_errors(error, field)
    by_field: dict[str, list[str]] = {}
    for field, text in listed:
        if field:
            by_field.setdefault(field, []).append(text)
    page = render_template(
        template, error=message, form_errors=listed, field_errors=by_field, **context
    )
    return page, status


def _text(form: MultiDict[str, str], key: str) -> str:
    return form.get(key, "")


def _int(form: MultiDict[str, str], key: str, message: str, default: int) -> int:
    """A whole number; a form without the field at all (the LMS's short form) keeps the
    use case's default."""
    if key not in form:
        return default
    return parse_int(form.get(key), message, low=0, high=1_000_000, field=key)


def parse_date(value: str, field: str | None = None) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(
            gettext("Enter dates as year-month-day (YYYY-MM-DD), for example 2027-02-01."), field
        ) from None


def _date(value: str, field: str, errors: FieldErrors) -> date:
    """A date, or a placeholder while the error is collected (the draft is never used then)."""
    with errors.field(field):
        return parse_date(value, field)
    return date.min


def exchange_draft(form: MultiDict[str, str]) -> ExchangeDraft:
    """The one parser of exchange setup forms: Tandem's setup page and the short form of the
    LMS's deep-linking picker (languages as one comma-separated field, no team sizes)."""
    errors = FieldErrors()  # every date and number checked, so all their errors show at once
    phases: list[Phase] = []
    for index in range(MAX_FORM_PHASES):
        title = _text(form, f"phase-{index}-title").strip()
        if not title:
            continue
        row = len(phases)  # the form is shown again with its titled rows renumbered from 0
        phases.append(
            Phase(
                key=_text(form, f"phase-{index}-key") or f"phase_{index + 1}",
                title=title,
                starts_on=_date(_text(form, f"phase-{index}-start"), f"phase-{row}-start", errors),
                ends_on=_date(_text(form, f"phase-{index}-end"), f"phase-{row}-end", errors),
            )
        )
    sizes = N_("Team sizes must be whole numbers.")
    hours = N_("Weekly hours must be a whole number.")
    team_size_min = team_size_max = weekly_hours = 0
    starts_on = _date(_text(form, "starts_on"), "starts_on", errors)
    ends_on = _date(_text(form, "ends_on"), "ends_on", errors)
    with errors.field("team_size_min"):
        team_size_min = _int(form, "team_size_min", sizes, ExchangeDraft.team_size_min)
    with errors.field("team_size_max"):
        team_size_max = _int(form, "team_size_max", sizes, ExchangeDraft.team_size_max)
    with errors.field("weekly_hours"):
        weekly_hours = _int(form, "weekly_hours", hours, ExchangeDraft.weekly_hours)
    errors.raise_if_any()
    return ExchangeDraft(
        title=_text(form, "title"),
        description=_text(form, "description"),
        starts_on=starts_on,
        ends_on=ends_on,
        languages=tuple(
            code.strip()
            for value in form.getlist("languages")
            for code in value.split(",")
            if code.strip()
        ),
        phases=tuple(phases),
        team_size_min=team_size_min,
        team_size_max=team_size_max,
        weekly_hours=weekly_hours,
    )


def exchange_form_values(
    form: MultiDict[str, str] | None, draft: ExchangeDraft | None
) -> dict[str, Any]:
    """What the setup form shows: the submitted text, else the saved exchange, else blanks."""
    if form is not None:
        phases = [
            {
                "key": _text(form, f"phase-{i}-key"),
                "title": _text(form, f"phase-{i}-title"),
                "start": _text(form, f"phase-{i}-start"),
                "end": _text(form, f"phase-{i}-end"),
            }
            for i in range(MAX_FORM_PHASES)
            if _text(form, f"phase-{i}-title")
        ]
        values: dict[str, Any] = {k: _text(form, k) for k in form}
        values["languages"] = form.getlist("languages")
    elif draft is not None:
        phases = [
            {
                "key": p.key,
                "title": phase_title(p.title),
                "start": p.starts_on.isoformat(),
                "end": p.ends_on.isoformat(),
            }
            for p in draft.phases
        ]
        values = {
            "title": draft.title,
            "description": draft.description,
            "starts_on": draft.starts_on.isoformat(),
            "ends_on": draft.ends_on.isoformat(),
            "languages": list(draft.languages),
            "team_size_min": draft.team_size_min,
            "team_size_max": draft.team_size_max,
            "weekly_hours": draft.weekly_hours,
        }
    else:
        phases = []
        values = {"languages": [], "team_size_min": 4, "team_size_max": 6, "weekly_hours": 3}
    # One empty row to add a phase; rows with no title are ignored.
    values["phases"] = [*phases, {"key": "", "title": "", "start": "", "end": ""}]
    while len(values["languages"]) < LANGUAGE_ROWS:
        values["languages"].append("")
    return values


def profile_draft(form: MultiDict[str, str]) -> ProfileDraft:
    slots: set[tuple[int, int]] = set()
    for raw in form.getlist("slot"):
        day, _sep, minute = raw.partition("-")
        # Never raise here: the use case refuses cells off the grid, and the form keeps the rest.
        cell = (maybe_int(day, high=10_000), maybe_int(minute, high=100_000))
        slots.add((cell[0], cell[1]) if cell[0] is not None and cell[1] is not None else (-1, -1))
    languages = tuple(
        (_text(form, f"lang-{i}"), _text(form, f"level-{i}")) for i in range(LANGUAGE_ROWS)
    )
    return ProfileDraft(
        display_name=_text(form, "display_name"),
        pronouns=_text(form, "pronouns"),
        time_zone=_text(form, "time_zone"),
        slots=frozenset(slots),
        languages=languages,
        discipline=_text(form, "discipline"),
        interests=tuple(i for i in _text(form, "interests").split(",")),
        consents=frozenset(form.getlist("share")),
    )


def profile_form_values(draft: ProfileDraft) -> dict[str, Any]:
    languages = list(draft.languages)
    while len(languages) < LANGUAGE_ROWS:
        languages.append(("", ""))
    return {
        "display_name": draft.display_name,
        "pronouns": draft.pronouns,
        "time_zone": draft.time_zone,
        "slots": {f"{d}-{m}" for d, m in draft.slots},
        "languages": languages,
        "discipline": draft.discipline,
        "interests": ", ".join(i.strip() for i in draft.interests if i.strip()),
        "share": set(draft.consents),
    }


@lru_cache(maxsize=8)
def language_choices(locale: str) -> list[tuple[str, str]]:
    """(code, name in the viewer's language), sorted by name, for the language selects."""
    names = Locale.parse(locale).languages
    return sorted(((c, names.get(c, c)) for c in ISO_639_1), key=lambda pair: pair[1].casefold())


def language_name(code: str) -> str:
    name: str = Locale.parse(str(get_locale())).languages.get(code, code)
    return name


def grid_rows() -> list[tuple[str, list[tuple[int, str]]]]:
    """Rows of the availability grid: (time label, [(day, cell value)])."""
    rows = []
    for start in GRID_STARTS:
        end = min(start + SLOT_MINUTES, DAY)
        label = f"{start // 60:02d}:00\u2013{end // 60:02d}:00"
        rows.append((label, [(day, f"{day}-{start}") for day in range(7)]))
    return rows


@lru_cache(maxsize=1)
def time_zone_choices() -> list[str]:
    return sorted(z for z in available_timezones() if not z.startswith(("posix/", "right/")))


def template_helpers() -> dict[str, Any]:
    locale = str(get_locale())
    return {
        "language_choices": language_choices(locale),
        "language_name": language_name,
        "cefr_levels": CEFR_LEVELS,
        "shareable": SHAREABLE,
        "phase_title": phase_title,
        "time_zones": time_zone_choices(),
        "grid_rows": grid_rows(),
        "day_names": Locale.parse(locale).days["format"]["wide"],
        "day_abbreviations": Locale.parse(locale).days["format"]["abbreviated"],
    }
