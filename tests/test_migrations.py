"""The migrations build exactly the models' schema, have one head, and go down cleanly."""

from __future__ import annotations

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
