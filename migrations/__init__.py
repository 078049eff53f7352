"""Alembic migrations; ``runner`` applies them from code (CLI, tests, make)."""
