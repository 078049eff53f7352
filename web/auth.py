"""The web session: who the browser is, after an LTI launch said so."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import session
from flask_babel import gettext

from plugin.actors import Actor, Role
from plugin.errors import NotAllowed

P = ParamSpec("P")
R = TypeVar("R")


def start_web_session(
    actor: Actor, *, locale: str | None = None, exchange_hint: str | None = None
) -> None:
    """A fresh session per launch: a launch as someone else must not inherit anything.

    ``exchange_hint`` is what the placement says about its exchange (a deep-linking custom
    parameter), never trusted alone: the exchanges use case checks it against the course.
    """
    session.clear()
    session["person_id"] = actor.person_id
    session["role"] = actor.role.value
    session["course_id"] = actor.course_id
    if locale:
        session["lms_locale"] = locale
    if exchange_hint:
        session["exchange_hint"] = exchange_hint


def current_exchange_hint() -> str | None:
    hint = session.get("exchange_hint")
    return hint if isinstance(hint, str) else None


def current_actor() -> Actor | None:
    person_id = session.get("person_id")
    role = session.get("role")
    if not isinstance(person_id, int) or role not in {r.value for r in Role}:
        return None
    course_id = session.get("course_id")
    return Actor(person_id, Role(role), course_id if isinstance(course_id, int) else None)


class NotSignedIn(NotAllowed):
    pass


def _erased(actor: Actor) -> bool:
    """A browser still signed in as someone since erased (by their teacher) is signed out."""
    from plugin.privacy.service import is_erased
    from web.db import get_session

    if is_erased(get_session(), actor.person_id):
        session.clear()
        return True
    return False


def _not_signed_in() -> NotSignedIn:
    return NotSignedIn(gettext("Please open Tandem from your course in your learning platform."))


def require_actor(view: Callable[P, R]) -> Callable[P, R]:
    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        actor = current_actor()
        if actor is None or _erased(actor):
            raise _not_signed_in()
        return view(*args, **kwargs)

    return wrapped


def signed_in_actor() -> Actor:
    """The actor of a view that ``require_actor`` guards; one definition for every page."""
    actor = current_actor()
    if actor is None:  # only when a view forgot require_actor: refuse as it would
        raise _not_signed_in()
    return actor
