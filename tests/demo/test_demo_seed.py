"""`python -m demo seed`: the ready exchange of the demo, made through Tandem's use cases.

Every rostered student is onboarded (so matching is feasible at once and forms mixed teams), a
second run changes no row of any table, and the seeded people are the demo LMS's people: a
launch as one of them lands on the exchange page, not on onboarding.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, select

from demo.platforms import make_platforms
from demo.seed import EXCHANGE_TITLE, Seeder, seed
from migrations.runner import upgrade
from plugin.db import make_engine, make_session_factory
from plugin.exchanges.models import Exchange, Seat, SeatStatus
from plugin.exchanges.service import profile_is_complete
from plugin.matching.candidates import MatchRules
from plugin.matching.service import pool_of, propose_teams
from plugin.profiles.service import find_profile
from tests.conftest import MakeDatabase
from tests.exchange_flow import launch_as
from tests.live import running_stack

TODAY = date(2027, 1, 11)


def _snapshot(url: str) -> dict[str, list[str]]:
    """Every row of every table, as text: equal snapshots mean nothing was written."""
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return {
                name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
                for name, table in metadata.tables.items()
            }
    finally:
        engine.dispose()


def test_seed_onboards_every_student_and_a_second_run_changes_nothing(
    empty_database_url: str, tmp_path: Path
) -> None:
    upgrade(empty_database_url)
    platforms = make_platforms("http://127.0.0.1:5051", tmp_path / "keys")
    engine = make_engine(empty_database_url)
    factory = make_session_factory(engine)
    try:
        first = seed(factory, platforms, "http://127.0.0.1:5050", today=TODAY)
        assert first.created > 0
        before = _snapshot(empty_database_url)
        again = seed(factory, platforms, "http://127.0.0.1:5050", today=TODAY)
        assert again.created == 0
        assert again.exchange_id == first.exchange_id
        assert _snapshot(empty_database_url) == before

        with factory() as db:
            exchange = db.get(Exchange, first.exchange_id)
            assert exchange is not None
            assert exchange.title == EXCHANGE_TITLE
            seats = db.scalars(select(Seat).where(Seat.exchange_id == exchange.id)).all()
            assert [s.status for s in seats] == [SeatStatus.APPROVED, SeatStatus.APPROVED]
            pool = pool_of(db, exchange.id)
            students = [s for p in platforms for s in p.students]
            assert len(pool) == len(students) == 24
            assert all(profile_is_complete(find_profile(db, int(c.id))) for c in pool)
            assert len({c.time_zone for c in pool}) >= 10  # matching has something to do
            owner = Seeder(db, platforms, "").actor(platforms[0], platforms[0].teacher)
            run = propose_teams(db, owner, exchange.id, MatchRules(), seconds=2)
            assert "report" not in run.result, run.result
            members = [m for team in run.teams.values() for m in team]
            assert sorted(members) == sorted(int(c.id) for c in pool)
            institutions = {c.id: c.institution for c in pool}
            for team in run.teams.values():
                assert len({institutions[str(m)] for m in team}) == 2
    finally:
        engine.dispose()


def test_a_seeded_student_launched_from_the_demo_lms_lands_in_the_exchange(
    make_database: MakeDatabase, tmp_path: Path
) -> None:
    with running_stack(make_database("sqlite", migrated=True), tmp_path) as stack:
        platforms = list(stack.platforms.values())
        result = seed(stack.session_factory, platforms, stack.tandem_url, today=TODAY)
        for slug in ("leiden", "bologna"):
            student = stack.platform(slug).students[-1]  # one of the students added for the demo
            http, landed = launch_as(stack, slug, student.user_id)
            page: Any = http.get(landed, timeout=10)
            assert landed.endswith(f"/exchanges/{result.exchange_id}"), landed
            assert 'data-testid="in-pool"' in page.text
            assert 'data-testid="profile-form"' not in page.text
        teacher = stack.platform("leiden").teacher
        _http, landed = launch_as(stack, "leiden", teacher.user_id)
        assert landed.endswith(f"/exchanges/{result.exchange_id}/teacher"), landed
