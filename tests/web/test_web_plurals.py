"""A count in a message takes ngettext/Nn_, so that no page says "1 attendances"."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po
from flask import Flask, render_template_string

CATALOGUE = Path(__file__).resolve().parents[2] / "web/translations/nl/LC_MESSAGES/messages.po"
# A placeholder followed by a plural noun people count: "%(count)s attendances".
COUNTED = re.compile(
    r"%\(\w+\)[ds] (attendances|credentials|members|minutes|universities|hours|students|days"
    r"|weeks|teams|meetings|messages|tasks|people|requests|phases)\b"
)


def test_every_counted_message_has_plural_forms() -> None:
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    singular_only = [m.id for m in catalogue if isinstance(m.id, str) and COUNTED.search(m.id)]
    assert singular_only == []


def test_one_of_a_kind_is_said_in_the_singular(app: Flask) -> None:
    source = '{{ ngettext("%(num)d hour per week", "%(num)d hours per week", n) }}'
    with app.test_request_context("/?lang=nl"):
        assert render_template_string(source, n=1) == "1 uur per week"
    with app.test_request_context("/?lang=en"):
        assert render_template_string(source, n=1) == "1 hour per week"
        assert render_template_string(source, n=3) == "3 hours per week"
