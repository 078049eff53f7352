"""Hours and scores are written as the page's language writes decimals."""

from __future__ import annotations

from flask import Flask
from flask_babel import force_locale

from web.i18n import number


def test_hours_use_the_languages_decimal_mark_and_drop_trailing_zeros(app: Flask) -> None:
    with app.test_request_context(), force_locale("nl"):
        assert number(3.5, 1, trim=True) == "3,5"
        assert number(3.0, 1, trim=True) == "3"
        assert number(-0.001) == "0,00"
    with app.test_request_context(), force_locale("en"):
        assert number(3.5, 1, trim=True) == "3.5"
        assert number(12.25, 1, trim=True) == "12.2"
