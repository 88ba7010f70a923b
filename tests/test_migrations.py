"""Alembic revisions build the schema the models describe, on SQLite and PostgreSQL."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import core.models  # noqa: F401
from core.db import Base
from core.migrate import upgrade
from tests.conftest import BACKENDS


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


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_single_audit_chain_survives_the_split_into_chains(backend, empty_database):
    """A trail written before chains per tenant (one chain, head row 1, signed over
    (seq, hash)) verifies after upgrading, signature and all: it becomes the system chain."""
    from types import SimpleNamespace

    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from core.audit import service as audit
    from tenants.scoping import Scope

    url, cleanup = empty_database(backend)
    key = audit.derive_key("migration test")
    try:
        upgrade(url, "0014")
        engine = create_engine(url)
        prev = audit.GENESIS
        with engine.begin() as conn:
            for seq in (1, 2, 3):
                e = SimpleNamespace(tenant_id=None, actor_id=None, actor_name="system", action="test.write",
                                    object_type="thing", object_id=str(seq), summary=f"旧记录{seq}",
                                    payload_digest=audit.digest({}), created_at=audit.utcnow())
                h = audit._event_hash(prev, seq, e)
                conn.execute(text("INSERT INTO audit_events (seq, tenant_id, actor_id, actor_name, action, object_type,"
                                  " object_id, summary, payload_digest, payload, prev_hash, hash, created_at) VALUES"
                                  " (:seq, NULL, NULL, 'system', 'test.write', 'thing', :oid, :summary, :pd, '{}',"
                                  " :prev, :hash, :at)"),
                             {"seq": seq, "oid": str(seq), "summary": e.summary, "pd": e.payload_digest,
                              "prev": prev, "hash": h, "at": e.created_at})
                prev = h
            conn.execute(text("INSERT INTO audit_head (id, seq, hash, signature) VALUES (1, 3, :h, :sig)"),
                         {"h": prev, "sig": audit.head_signature(key, audit.SYSTEM_CHAIN, 3, prev)})
        upgrade(url)
        with Session(engine, info={"scope": Scope.system()}) as s:
            report = audit.verify(s, key=key)
        engine.dispose()
        assert report.ok and report.checked == 3, report.problems
    finally:
        cleanup()
