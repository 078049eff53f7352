"""Alembic environment: Tandem's models are the target, the URL comes from the caller."""

from __future__ import annotations

import os

from alembic import context

import lti.models  # noqa: F401  (registers LTI tables on Base.metadata)
import plugin.models  # noqa: F401  (registers every feature's tables)
from plugin.db import Base, make_engine

config = context.config
url = config.attributes.get("database_url") or os.environ.get("TANDEM_DATABASE_URL")
if not url:
    raise SystemExit("Set TANDEM_DATABASE_URL, or run migrations with 'tandem db upgrade'.")

if context.is_offline_mode():
    context.configure(
        url=url, literal_binds=True, target_metadata=Base.metadata, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=True,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
