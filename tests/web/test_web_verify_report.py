"""A verification report in Dutch: each check said once, its reason in the viewer's language."""

from __future__ import annotations

from flask import Flask, render_template

from plugin.credentials.verification import Check, Report, _passed
from plugin.i18n import N_


def test_a_passed_check_is_not_said_twice_and_reasons_are_translated(app: Flask) -> None:
    report = Report(
        (
            Check("open_badge", True, _passed(lambda: None)),
            Check("status", True, N_("Not revoked.")),
        )
    )
    with app.test_request_context("/?lang=nl"):
        html = render_template("credentials/_report.html", report=report, check_names={})
    assert "Passed" not in html
    assert "passed. " not in html
    assert "geslaagd. Niet ingetrokken." in " ".join(html.split())
    assert "Not revoked." not in html
