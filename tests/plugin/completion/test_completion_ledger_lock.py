"""Two transactions that each create completions and log them to the ledger never deadlock
(PostgreSQL): bench/soak.py met "deadlock detected" between a teacher's completion page,
which made the rows of the students it showed, and the teachers' sign-offs, because one held
the ledger's lock while waiting on the other's uncommitted completion row. The page now writes
nothing; a student's own page and the worker's ``keep_evidence`` still make rows beside
sign-offs the same way."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import func, select

from plugin.completion.checks import completion_row
from plugin.completion.models import Completion
from plugin.db import make_engine, make_session_factory
from plugin.exchanges.models import Exchange
from plugin.ledger.models import EventKind
from plugin.ledger.service import append
from plugin.models import Base
from plugin.people.models import Institution, Person

pytestmark = pytest.mark.postgres


def test_a_page_and_a_sign_off_making_the_same_completion_do_not_deadlock(
    make_database: Callable[[str], str],
) -> None:
    engine = make_engine(make_database("postgresql"))
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    with factory() as db:
        uni = Institution(name="U")
        teacher, first, second = (Person(institution=uni, lms_name=n) for n in "TAB")
        db.add_all([teacher, first, second])
        db.flush()
        exchange = Exchange(title="E", starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 1),
                            owner_id=teacher.id)  # fmt: skip
        db.add(exchange)
        db.commit()
        ids = (exchange.id, teacher.id, first.id, second.id)
    exchange_id, teacher_id, first_id, second_id = ids
    page_holds_lock, sign_off_tried = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def page() -> None:  # the completion page: the rows of the students it shows
        try:
            with factory() as db:
                completion_row(db, exchange_id, first_id)  # made and logged: holds the lock
                page_holds_lock.set()
                sign_off_tried.wait(5)
                threading.Event().wait(0.5)  # the sign-off is now waiting, on whatever it waits
                completion_row(db, exchange_id, second_id)
                db.commit()
        except BaseException as error:
            failures.append(error)

    def sign_off() -> None:  # a teacher's decision on the second student
        try:
            page_holds_lock.wait(5)
            with factory() as db:
                sign_off_tried.set()
                completion_row(db, exchange_id, second_id)
                append(db, EventKind.COMPLETION_DECIDED, exchange_id=exchange_id,
                       subject_id=second_id, actor_id=teacher_id)  # fmt: skip
                db.commit()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=page), threading.Thread(target=sign_off)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    with factory() as db:
        counts = db.execute(
            select(Completion.person_id, func.count()).group_by(Completion.person_id)
        ).all()
    assert sorted(n for _p, n in counts) == [1, 1]
    engine.dispose()
