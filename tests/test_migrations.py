"""Alembic revisions build the schema the models describe, on SQLite and PostgreSQL."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import core.models  # noqa: F401
from tests.conftest import BACKENDS
from core.db import Base
from core.migrate import upgrade


def core_table(obj, name, type_, *_) -> bool:  # noqa: ANN001
    """Plugins' models share Base.metadata once imported; their tables come with their own
    branch (tests/plugins/test_plugin_tables.py), not with the core's revisions."""
    if type_ != "table":
        return True
    mapped = [m.class_ for m in Base.registry.mappers if m.local_table is obj]
    return not mapped or mapped[0].__module__.split(".")[0] in ("core", "tenants")


@pytest.mark.parametrize("backend", BACKENDS)
def test_migrations_match_models(backend, empty_database):
    url, cleanup = empty_database(backend)
    try:
        upgrade(url)
        engine = create_engine(url)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True, "include_object": core_table}),
                                   Base.metadata)
            tables = set(inspect(conn).get_table_names())
        engine.dispose()
        assert diff == [], f"models and migrations differ: {diff}"
        assert {n for n, t in Base.metadata.tables.items() if core_table(t, n, "table")} <= tables
        upgrade(url)  # running it again is a no-op
    finally:
        cleanup()
