"""One SQLAlchemy session per app context (an HTTP request or a Socket.IO event)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, g
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["tandem.session_factory"]()
    session: Session = g.db_session
    return session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        session.close()  # anything a use case did not commit is rolled back here
    except DBAPIError as error:
        # The connection died under the request (database restarted, backend terminated):
        # the rollback cannot reach it. Drop the connection instead of failing the response;
        # the pool opens a fresh one for the next request.
        current_app.logger.warning("database connection lost at teardown: %s", error.orig)
        session.invalidate()


def init_app(app: Flask, session_factory: Callable[[], Session]) -> None:
    app.extensions["tandem.session_factory"] = session_factory
    app.teardown_appcontext(close_session)
