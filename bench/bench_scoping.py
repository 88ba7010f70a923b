"""Cost of central tenant scoping against the raw SQL floor, measured in the same run.

A city with 20 counties × 100 enterprises and 100 notifications per enterprise (200,000
tenant-owned rows). A county reviewer's queries go through the ORM with the scoping event;
the floor is the same question in hand-written SQL with the filter spelled out.

    python bench/bench_scoping.py [--pg postgresql+psycopg://postgres@127.0.0.1/postgres]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid

from sqlalchemy import create_engine, func, insert, select, text

from core.context import ServiceContext
from core.db import Database, utcnow
from core.migrate import upgrade
from core.notifications.models import Notification
from tenants.models import Tenant
from tenants.scoping import Scope, ScopedSession

COUNTIES, ENTERPRISES, PER_ENTERPRISE = 20, 100, 100


def build(url: str) -> tuple[Database, str]:
    upgrade(url)
    db = Database(url, session_class=ScopedSession)
    with db.engine.begin() as conn:
        now = utcnow()
        conn.execute(insert(Tenant), [{"id": 1, "kind": "bureau", "name": "市局", "path": "/1/", "region_code": "150600",
                                       "status": "active", "created_at": now, "updated_at": now, "version": 1}])
        rows, tid = [], 1
        for c in range(COUNTIES):
            tid += 1
            county = tid
            rows.append({"id": county, "parent_id": 1, "kind": "bureau", "name": f"县局{c}", "path": f"/1/{county}/",
                         "region_code": "150626", "status": "active", "created_at": now, "updated_at": now, "version": 1})
            for _ in range(ENTERPRISES):
                tid += 1
                rows.append({"id": tid, "parent_id": county, "kind": "enterprise", "name": f"企业{tid}",
                             "path": f"/1/{county}/{tid}/", "region_code": "150626", "status": "active",
                             "created_at": now, "updated_at": now, "version": 1})
        conn.execute(insert(Tenant), rows)
        conn.execute(text("INSERT INTO users (id, tenant_id, username, display_name, password_hash, role, active, "
                          "failed_logins, session_epoch, created_at, version) VALUES "
                          "(1, 1, 'u', 'u', 'x', 'admin', true, 0, 0, :now, 1)"), {"now": now})
        enterprises = [r["id"] for r in rows if r["kind"] == "enterprise"]
        batch = []
        for e in enterprises:
            for i in range(PER_ENTERPRISE):
                batch.append({"user_id": 1, "tenant_id": e, "title": f"消息{i}", "created_at": now})
            if len(batch) >= 20_000:
                conn.execute(insert(Notification.__table__), batch)
                batch = []
        if batch:
            conn.execute(insert(Notification.__table__), batch)
    if url.startswith("postgresql"):
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    # A county in the middle of the id range: neither the oldest nor the newest rows.
    middle = 2 + (COUNTIES // 2) * (ENTERPRISES + 1)
    return db, f"/1/{middle}/"


def timed(fn, repeat: int = 15) -> float:  # noqa: ANN001
    fn()  # warm caches
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1000


def run(label: str, url: str) -> None:
    db, prefix = build(url)
    raw_count = text("SELECT count(*) FROM notifications n WHERE n.tenant_id IN "
                     "(SELECT id FROM tenants WHERE path LIKE :p)")
    raw_page = text("SELECT n.* FROM notifications n WHERE n.tenant_id IN (SELECT id FROM tenants WHERE path LIKE :p) "
                    "ORDER BY n.id DESC LIMIT 50")
    with db.engine.connect() as conn, db.session(Scope(prefix)) as s:
        floor_count = timed(lambda: conn.execute(raw_count, {"p": prefix + "%"}).scalar())
        floor_page = timed(lambda: conn.execute(raw_page, {"p": prefix + "%"}).all())
        orm_count = timed(lambda: s.scalar(select(func.count()).select_from(Notification)))
        orm_page = timed(lambda: s.scalars(select(Notification).order_by(Notification.id.desc()).limit(50)).all())
        visible = s.scalar(select(func.count()).select_from(Notification))
        ServiceContext.system(s)
        total = s.scalar(select(func.count()).select_from(Notification))
    assert visible == ENTERPRISES * PER_ENTERPRISE, visible
    print(f"{label}: {total:,} rows, a county sees {visible:,}")
    print(f"  count visible rows   floor {floor_count:7.2f} ms   scoped ORM {orm_count:7.2f} ms   ratio {orm_count / floor_count:4.2f}")
    print(f"  newest 50 rows       floor {floor_page:7.2f} ms   scoped ORM {orm_page:7.2f} ms   ratio {orm_page / floor_page:4.2f}")
    db.dispose()


def on_both(run) -> None:  # noqa: ANN001
    """Call run(label, url) on a temporary SQLite file and a throwaway PostgreSQL database."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        run("SQLite", f"sqlite:///{d}/bench.db")
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    name = f"anjian_bench_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as e:  # noqa: BLE001
        print(f"PostgreSQL skipped: {type(e).__name__}")
        return
    try:
        run("PostgreSQL", args.pg.rsplit("/", 1)[0] + f"/{name}")
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    on_both(run)
