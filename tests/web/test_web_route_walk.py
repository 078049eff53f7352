"""Every route, every role, bad input: no 5xx, no traceback, and only its audience gets in.

``web/audiences.py`` declares who may use each endpoint; a route without a declaration fails
``test_every_route_declares_its_audience``.
"""

from __future__ import annotations

from flask import Flask

from web.audiences import ROUTE_AUDIENCES


def test_every_route_declares_its_audience(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    undeclared = sorted(endpoints - ROUTE_AUDIENCES.keys())
    assert not undeclared, f"Declare who may use {undeclared} in web/audiences.py ROUTE_AUDIENCES"
    stale = sorted(ROUTE_AUDIENCES.keys() - endpoints)
    assert not stale, f"web/audiences.py declares routes that no longer exist: {stale}"
