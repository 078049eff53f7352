"""Phases are called by their names in the viewer's language everywhere, never by raw keys."""

from __future__ import annotations

from flask import Flask, render_template_string

from plugin.exchanges.phases import GENERAL_TITLE, default_phases, phase_title
from plugin.i18n import Text


def _render(app: Flask, source: str, lang: str) -> str:
    with app.test_request_context(f"/?lang={lang}"):
        return render_template_string(source)


def test_a_default_phase_key_or_title_is_shown_translated(app: Flask) -> None:
    # The completion checklist names a requirement's phase by its key.
    assert _render(app, "{{ phase_title(None, 'team_formation') }}", "nl") == "Teamvorming"
    assert _render(app, "{{ phase_title('Project work') }}", "nl") == "Projectwerk"
    assert _render(app, "{{ phase_title(None, 'team_formation') }}", "en") == "Team formation"


def test_a_teachers_own_phase_title_is_kept_as_written(app: Flask) -> None:
    # "Title" is a msgid with a Dutch translation; a phase named so must not be translated.
    assert _render(app, "{{ phase_title('Title', 'phase-3') }}", "nl") == "Title"
    assert _render(app, "{{ phase_title(None, 'phase-3') }}", "nl") == "phase-3"


def test_the_plugin_marks_default_phase_titles_in_one_mapping() -> None:
    from datetime import date

    titles = [p.title for p in default_phases(date(2027, 2, 1), date(2027, 4, 1))]
    assert all(isinstance(t, Text) for t in titles)
    assert isinstance(phase_title("team_formation"), Text)
    assert phase_title("general", "General") is GENERAL_TITLE


def test_decimals_follow_the_language_and_never_read_minus_zero(app: Flask) -> None:
    assert _render(app, "{{ -0.001|number }}", "nl") == "0,00"
    assert _render(app, "{{ 0.5|number }}", "nl") == "0,50"
    assert _render(app, "{{ -0.004|number }} {{ 1.25|number }}", "en") == "0.00 1.25"
