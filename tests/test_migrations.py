"""The migrations build exactly the models' schema, have one head, and go down cleanly."""

from __future__ import annotations

from datetime import UTC

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from migrations.runner import alembic_config, downgrade, upgrade
from plugin.db import Base, make_engine


def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_to_head_gives_exactly_the_models_schema(empty_database_url: str) -> None:
    fresh = empty_database_url
    upgrade(fresh)
    assert _diff(fresh) == []
    assert _tables(fresh) == set(Base.metadata.tables)


def test_downgrade_to_base_and_back_up(empty_database_url: str) -> None:
    fresh = empty_database_url
    upgrade(fresh)
    downgrade(fresh, "base")
    assert _tables(fresh) == set()
    upgrade(fresh)
    assert _diff(fresh) == []


def test_there_is_one_head() -> None:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    assert len(heads) == 1


def test_a_course_in_several_live_exchanges_keeps_the_one_people_are_in(
    empty_database_url: str,
) -> None:
    """0014x: duplicates made before the rule keep one live seat; the rest become left."""
    from datetime import datetime

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from plugin.actors import Role
    from plugin.exchanges.models import Exchange, Participant, Seat, SeatStatus
    from plugin.exchanges.service import create_exchange, enter_exchange
    from tests.plugin.exchanges.world import DRAFT, make_world

    url = empty_database_url
    upgrade(url, "0014p")  # the revision before 0014x (the models must match it)
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            world = make_world(session)
            teacher = world.arrive("leiden", "t1", Role.TEACHER)
            first = create_exchange(session, teacher, DRAFT)
            now = datetime.now(UTC)
            extra = []
            for title, status in (("Double submit", SeatStatus.APPROVED), ("Asked", "pending")):
                exchange = Exchange(
                    title=title,
                    starts_on=DRAFT.starts_on,
                    ends_on=DRAFT.ends_on,
                    owner_id=teacher.person_id,
                    languages=["en"],
                    phases=[],
                )
                exchange.seats.append(
                    Seat(
                        course_id=teacher.course_id,
                        status=SeatStatus(status),
                        is_owner=status != "pending",
                        requested_by_id=teacher.person_id,
                        decided_at=now,
                    )
                )
                session.add(exchange)
                session.flush()
                extra.append(exchange)
            session.commit()
            # Launches landed in the newest approved one: its student is the one to keep.
            student = world.arrive("leiden", "s1")
            entered = enter_exchange(session, student, None)
            assert entered is not None
            assert entered.exchange.id == extra[0].id
            other = world.arrive("bologna", "t2", Role.TEACHER)
            untouched = create_exchange(session, other, DRAFT)
            ids = (first.id, extra[0].id, extra[1].id, untouched.id)
        upgrade(url)
        with Session(engine) as session:
            seats = {s.exchange_id: s.status.value for s in session.scalars(select(Seat))}
            assert seats == {
                ids[0]: "left",
                ids[1]: "approved",
                ids[2]: "left",
                ids[3]: "approved",
            }
            [kept] = session.scalars(select(Participant)).all()
            assert kept.exchange_id == ids[1]
            assert kept.status.value == "active"
    finally:
        engine.dispose()
