"""Alembic revisions build the schema the models describe, on SQLite and PostgreSQL."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import core.models  # noqa: F401
from tests.conftest import BACKENDS
from core.db import Base
from core.migrate import upgrade


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_match_models(backend, empty_database):
    url, cleanup = empty_database(backend)
    try:
        upgrade(url)
        engine = create_engine(url)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
            tables = set(inspect(conn).get_table_names())
        engine.dispose()
        assert diff == [], f"models and migrations differ: {diff}"
        assert set(Base.metadata.tables) <= tables
        upgrade(url)  # running it again is a no-op
    finally:
        cleanup()
