"""Dates and numbers follow the viewer's region, the words their language: an English page in
a British browser must not write 12/3/26 (the US's 3 December)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask, session
from flask_babel import format_datetime, get_locale, gettext, refresh

from web.i18n import with_region

MOMENT = datetime(2026, 12, 3, 14, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("accept", "lms", "chosen", "locale", "short"),
    [
        ("en-GB,en;q=0.9", None, None, "en_GB", "03/12/2026, 14:05"),
        ("en-US,en;q=0.9", None, None, "en_US", "12/3/26, 2:05\u202fPM"),
        ("en", None, None, "en", "12/3/26, 2:05\u202fPM"),  # no region said: Babel's own en
        ("nl-BE,nl;q=0.9", None, None, "nl_BE", "3/12/2026, 14:05"),
        ("fr-BE,fr;q=0.9", "nl-NL", None, "nl_NL", "03-12-2026, 14:05"),  # the LMS's locale
        # English chosen on a Dutch LMS in a Dutch browser: no English region was said, so no
        # en_NL with decimal commas; the British browser's second tag lends its region.
        ("nl-NL,nl;q=0.9", "nl-NL", "en", "en", "12/3/26, 2:05\u202fPM"),
        ("nl-NL,nl;q=0.9,en-GB;q=0.8", "nl-NL", "en", "en_GB", "03/12/2026, 14:05"),
    ],
)
def test_the_locale_carries_the_region_of_a_tag_in_the_same_language(
    app: Flask, accept: str, lms: str | None, chosen: str | None, locale: str, short: str
) -> None:
    with app.test_request_context(headers={"Accept-Language": accept}):
        if lms:
            session["lms_locale"] = lms
        if chosen:
            session["locale"] = chosen
        refresh()
        assert str(get_locale()) == locale
        assert format_datetime(MOMENT, "short", rebase=False) == short


def test_a_regional_locale_still_finds_its_languages_catalogue(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "nl-BE"}):
        assert str(get_locale()) == "nl_BE"
        assert gettext("Role") == "Rol"


def test_with_region_ignores_what_cldr_does_not_know() -> None:
    assert with_region("en", "en-ZZ", "en-IE") == "en_IE"
    assert with_region("nl", "nl", "de-DE", None, "") == "nl"
    assert with_region("en", "en-Latn-GB") == "en_GB"  # a script before the region
