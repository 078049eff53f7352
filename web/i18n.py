"""Language and time zone of the viewer.

Language: an explicit choice in this session, else the LMS launch's locale, else the browser's.
Time zone: the one in the viewer's profile (the same zone the pages use for that person when
others look at them), else what the browser reported (IANA name), else UTC; pages render times
in it, so "your time" and the viewer's own line can never disagree.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from babel.localedata import locale_identifiers
from babel.numbers import NumberFormatError, parse_decimal
from flask import g, request, session
from flask_babel import format_date, format_decimal, get_locale, gettext, ngettext

from plugin.i18n import translate
from plugin.profiles.service import find_profile
from web.db import get_session

LANGUAGES = {"en": "English", "nl": "Nederlands"}


def _supported(tag: str | None) -> str | None:
    if not tag:
        return None
    primary = tag.replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def select_locale() -> str | None:
    """The language as above, with the region the LMS or the browser names (see
    ``with_region``); None: the default locale."""
    language = (
        _supported(request.args.get("lang"))
        or _supported(session.get("locale"))
        or _supported(session.get("lms_locale"))
        or request.accept_languages.best_match(list(LANGUAGES))
    )
    if language is None:
        return None
    return with_region(language, session.get("lms_locale"), *request.accept_languages.values())


def with_region(language: str, *tags: str | None) -> str:
    """``language`` with the region of the first of ``tags`` in that language, where CLDR
    knows the pair.

    Dates and numbers follow the region: English in a British browser writes 3 Dec 2026,
    14:05 (en_GB), not 12/3/26, 2:05 PM (plain en is the US), and Dutch in Belgium is nl_BE.
    A tag in another language lends no region (English from a nl-NL LMS stays en, not en_NL
    with decimal commas). Catalogues are per language: nl_BE finds nl.
    """
    for tag in tags:
        parts = (tag or "").replace("_", "-").split("-")
        if parts[0].lower() != language:
            continue
        region = next((p.upper() for p in parts[1:] if len(p) == 2 and p.isalpha()), None)
        if region and f"{language}_{region}" in _locales():
            return f"{language}_{region}"
    return language


@lru_cache(maxsize=1)
def _locales() -> frozenset[str]:
    return frozenset(locale_identifiers())


def select_timezone() -> str | None:
    return profile_timezone() or browser_timezone()


def browser_timezone() -> str | None:
    """The zone the browser reported, e.g. to suggest one on the profile form."""
    tz = session.get("timezone")
    return tz if isinstance(tz, str) and is_time_zone(tz) else None


def profile_timezone() -> str | None:
    """The signed-in person's own zone from their profile, looked up once per request."""
    if "profile_zone" not in g:
        person_id = session.get("person_id")
        profile = find_profile(get_session(), person_id) if isinstance(person_id, int) else None
        tz = profile.time_zone if profile is not None else None
        g.profile_zone = tz if tz and is_time_zone(tz) else None
    found: str | None = g.profile_zone
    return found


def is_time_zone(name: str) -> bool:
    return name in _zones()


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name) if name and is_time_zone(name) else ZoneInfo("UTC")


def translated(message: str) -> str:
    """A domain message in the viewer's language (a marked ``plugin.i18n.Text`` or a msgid)."""
    return translate(message, gettext, ngettext, decimal)


def day(value: object, width: str = "long") -> str:
    """A calendar day in the viewer's language ("10 januari 2027"); stored ISO text too.

    Anything else (a phase stored without dates) reads as nothing rather than a 500.
    """
    if isinstance(value, str):
        try:
            return day(date.fromisoformat(value), width)
        except ValueError:
            return value
    return str(format_date(value, width)) if isinstance(value, date) else ""


def number(value: float, digits: int = 2, trim: bool = False) -> str:
    """A decimal in the viewer's language ("0,50" in Dutch), never "-0.00"; ``trim`` drops
    trailing zeros ("3,5" and "3" hours rather than "3,50" and "3,00")."""
    rounded = round(float(value), digits) or 0.0  # -0.0 is falsy: shown as 0
    places = ("#" if trim else "0") * digits
    return str(format_decimal(rounded, format=f"0.{places}" if digits else "0"))


def decimal(value: Decimal) -> str:
    """A number in the viewer's language with the places it was written with ("4.0" is "4,0"
    in Dutch), without thousands separators (a Dutch "1.000" would read as one)."""
    if not value.is_finite():
        return str(value)
    exponent = value.as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return str(format_decimal(value, format=f"0.{'0' * places}" if places else "0"))


def parse_number(raw: str | None) -> Decimal | None:
    """A number typed the viewer's way ("0,5" in Dutch, "0.5" in English), or None.

    Strict, so nothing is guessed: in Dutch "0.5" would be five with a thousands dot, and in
    English "1,5" fifteen; both are refused and the form asks again with an example."""
    text = (raw or "").strip()
    if not text or len(text) > 40:
        return None
    try:
        value = parse_decimal(text, locale=get_locale(), strict=True)
    except (NumberFormatError, ValueError, ArithmeticError):
        return None
    return value if value.is_finite() else None
