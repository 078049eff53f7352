"""Every route, every role, bad input: no 5xx, no traceback, and only its audience gets in.

``web/audiences.py`` declares who may use each endpoint; a route without a declaration fails
``test_every_route_declares_its_audience``.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.routing import Rule

from plugin.actors import Actor, Role
from plugin.courses.models import CourseMembership
from plugin.exchanges.models import Exchange, Participant, Seat
from plugin.exchanges.phases import default_phases
from plugin.exchanges.service import create_exchange
from plugin.people.models import Person
from plugin.registrars.service import add_registrar
from tests.plugin.completion.completion_world import build_completion_world
from tests.plugin.exchanges.world import DRAFT
from web.audiences import ROUTE_AUDIENCES, Audience


def test_every_route_declares_its_audience(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    undeclared = sorted(endpoints - ROUTE_AUDIENCES.keys())
    assert not undeclared, f"Declare who may use {undeclared} in web/audiences.py ROUTE_AUDIENCES"
    stale = sorted(ROUTE_AUDIENCES.keys() - endpoints)
    assert not stale, f"web/audiences.py declares routes that no longer exist: {stale}"


# --- the walk ------------------------------------------------------------------------------

HOSTILE_SEGMENTS = (
    str(2**64),
    str(2**31),
    "-1",
    "0",
    "abc",
    "\u00e9\u00e8\u4e2d",
    "\u00b2",
    "9" * 400,
    "x" * 3000,
)
FIELDS = (
    "person_id",
    "participant_id",
    "exchange_id",
    "team_id",
    "source_id",
    "outbox_id",
    "seat_id",
    "run_id",
    "notification_id",
    "valid_days",
    "approve",
    "starts_on",
    "ends_on",
    "met_on",
    "title",
    "code",
    "zone",
    "language",
    "credential",
    "token",
    "status",
    "reason",
    "body",
    "slot",
    "min_size",
    "max_size",
    "team_size_min",
    "team_size_max",
    "weekly_hours",
    "iss",
    "login_hint",
    "client_id",
    "id_token",
    "state",
    "lti_message_hint",
    "openid_configuration",
    "registration_token",
    "issuer",
)
HOSTILE_BODIES: tuple[dict[str, Any], ...] = (
    {},  # every field missing
    {"data": {f: str(2**64) for f in FIELDS}},  # numbers too big for any column
    {"data": dict.fromkeys(FIELDS, "-1")},
    {"data": dict.fromkeys(FIELDS, "²")},  # isdigit() says yes, int() says no
    {"data": dict.fromkeys(FIELDS, "x" * 4000)},  # oversized for every column
    {"json": {f: [1, {"a": None}] for f in FIELDS}},  # wrongly typed JSON
    {"json": [[[[]]]]},
    {"data": "[" * 3000, "content_type": "application/json"},
)
DENIED = (401, 403, 404)


@dataclass(frozen=True)
class Caller:
    name: str
    state: dict[str, Any]


@dataclass(frozen=True)
class WalkWorld:
    callers: dict[str, Caller]
    path_values: dict[str, str]


def _actor_state(actor: Actor) -> dict[str, Any]:
    return {"person_id": actor.person_id, "role": actor.role.value, "course_id": actor.course_id}


def build_walk_world(session: Session) -> WalkWorld:
    """The completion world, plus outsiders: a teacher of another exchange, a student of
    another course, a registrar of Leiden and an admin."""
    cw = build_completion_world(session)
    world = cw.rooms
    create_exchange(session, world.stranger, DRAFT)  # the stranger now teaches another exchange
    exchange = session.get_one(Exchange, world.exchange_id)  # real phases, as the pages make
    exchange.phases = [p.as_json() for p in default_phases(exchange.starts_on, exchange.ends_on)]
    outsider = Person(institution_id=session.get_one(Person, world.dora.person_id).institution_id)
    registrar = Person(institution_id=session.get_one(Person, world.alice.person_id).institution_id)
    session.add_all([outsider, registrar])
    session.flush()
    session.add(
        CourseMembership(
            course_id=world.stranger.course_id, person_id=outsider.id, role=Role.STUDENT
        )
    )
    session.commit()
    add_registrar(session, registrar.id, registrar.institution_id)
    participant = session.scalars(
        select(Participant.id).where(
            Participant.exchange_id == world.exchange_id,
            Participant.person_id == world.alice.person_id,
        )
    ).first()
    seat = session.scalars(select(Seat.id).where(Seat.exchange_id == world.exchange_id)).all()[-1]
    callers = {
        "anonymous": Caller("anonymous", {}),
        "student": Caller("student", _actor_state(world.alice)),
        "teacher": Caller("teacher", _actor_state(world.teacher)),
        "registrar": Caller(
            "registrar", {"person_id": registrar.id, "role": "teacher", "course_id": None}
        ),
        "admin": Caller("admin", {"tandem_admin": True}),
        # outsiders, for the audience checks
        "student_of_another_team": Caller("student_of_another_team", _actor_state(world.dora)),
        "teacher_of_another_exchange": Caller(
            "teacher_of_another_exchange", _actor_state(world.stranger)
        ),
        "student_of_another_course": Caller(
            "student_of_another_course",
            {"person_id": outsider.id, "role": "student", "course_id": world.stranger.course_id},
        ),
    }
    values = {
        "exchange_id": str(world.exchange_id),
        "team_id": str(world.team_id),
        "person_id": str(world.alice.person_id),
        "participant_id": str(participant or 1),
        "seat_id": str(seat),
        "institution_id": str(registrar.institution_id),
    }
    return WalkWorld(callers, values)


# Who must be turned away from a route of each audience (with real ids of alice's exchange
# and team). The walk checks every declared route against this.
REFUSED: dict[Audience, tuple[str, ...]] = {
    Audience.PUBLIC: (),
    Audience.LMS: (),
    Audience.LINK_HOLDER: (),
    Audience.SIGNED_IN: ("anonymous",),
    Audience.TEACHER: ("anonymous", "student"),
    Audience.EXCHANGE_STUDENT: ("anonymous", "student_of_another_course"),
    Audience.TEAM_MEMBER: (
        "anonymous",
        "student_of_another_team",
        "student_of_another_course",
        "teacher_of_another_exchange",
    ),
    Audience.EXCHANGE_TEACHER: (
        "anonymous",
        "student",
        "student_of_another_course",
        "teacher_of_another_exchange",
    ),
    Audience.OWNING_TEACHER: (
        "anonymous",
        "student",
        "student_of_another_course",
        "teacher_of_another_exchange",
    ),
    Audience.REGISTRAR: ("anonymous", "student", "teacher"),
    Audience.ADMIN: ("anonymous", "student", "teacher", "registrar"),
}
WALKERS = ("anonymous", "student", "teacher", "registrar", "admin")


def _sign_in(client: FlaskClient, caller: Caller) -> None:
    with client.session_transaction() as state:
        state.clear()
        state.update(caller.state)


def _path(rule: Rule, values: dict[str, str], hostile: str | None) -> str:
    path = rule.rule
    for name in rule.arguments:
        value = hostile if hostile is not None else values.get(name, "1")
        path = re.sub(rf"<(?:[a-z]+:)?{name}>", quote(value, safe=""), path)
    return path


def _methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def _rules(app: Flask) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def test_every_route_every_role_hostile_input_never_5xx(
    app: Flask, client: FlaskClient, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    app.config["TANDEM_RATE_LIMITS"] = False
    walk = build_walk_world(session)
    failures: list[str] = []
    started = time.process_time()  # CPU time: the shared test machine stretches wall time
    for who in WALKERS:
        _sign_in(client, walk.callers[who])
        for rule in _rules(app):
            if rule.endpoint == "static":
                continue
            for method in _methods(rule):
                real = _path(rule, walk.path_values, None)
                tries = [(real, body) for body in (HOSTILE_BODIES if method != "GET" else ({},))]
                if rule.arguments:
                    tries += [(_path(rule, walk.path_values, h), {}) for h in HOSTILE_SEGMENTS]
                for path, body in tries:
                    answer = client.open(path, method=method, **body)
                    if answer.status_code >= 500:
                        failures.append(f"{who} {method} {path[:80]} {list(body)}")
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not failures, failures[:20]
    assert not errors, errors[:5]
    assert time.process_time() - started < 60


def test_only_the_declared_audience_gets_in(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    app.config["TANDEM_RATE_LIMITS"] = False
    walk = build_walk_world(session)
    leaks: list[str] = []
    for rule in _rules(app):
        audience = ROUTE_AUDIENCES[rule.endpoint]
        for who in REFUSED[audience]:
            _sign_in(client, walk.callers[who])
            for method in _methods(rule):
                answer = client.open(_path(rule, walk.path_values, None), method=method)
                refused = answer.status_code in DENIED or (
                    method != "GET" and 400 <= answer.status_code < 500
                )
                if not refused:
                    leaks.append(f"{who} {method} {rule.rule} -> {answer.status_code}")
    assert not leaks, leaks
