"""Cost of the bureau's filing overview (备案统计 and the dashboard card) for a whole city,
against the raw floor measured in the same run.

A city with 20 counties × 100 enterprises; each enterprise has a filing in force with two
named on-site plans and three drills, one in ten also a filing awaiting review (a limit
that has passed makes a plan filed as soon as it is read, so none is left past it). The city admin's overview (`core.filings.overview.service.summary`: status counts, the five
supervision figures, the per-bureau table) is timed against the floor: the same facts read
with hand-written SQL (status counts, overdue count, deemed count, the drill and on-site
plan aggregates, enterprises without a filing), without building any rows.

    python bench/bench_filing_overview.py [--pg postgresql+psycopg://postgres@127.0.0.1/postgres]
"""
from __future__ import annotations

from datetime import timedelta

from bench_scoping import on_both, timed
from sqlalchemy import insert, text

from core.calendar.service import beijing_today
from core.context import Actor, ServiceContext
from core.db import Database, utcnow
from core.filings.models import Drill, Filing, FilingMaterial
from core.filings.overview import service as overview
from core.migrate import upgrade
from tenants.models import Tenant
from tenants.scoping import Scope, ScopedSession, bind

COUNTIES, ENTERPRISES = 20, 100
# The city as it stands today: a server reading it deems by its own clock, so the data must agree.
TODAY = beijing_today()


def build(url: str) -> Database:
    upgrade(url)
    db = Database(url, session_class=ScopedSession)
    now = utcnow()
    tenants, filings, pending, materials, drills = [], [], [], [], []
    # Every row names the same columns: a bulk insert takes its columns from the first row.
    tenants.append({"id": 1, "parent_id": None, "kind": "bureau", "name": "市局", "path": "/1/", "region_code": "150600",
                    "status": "active", "industry": None, "created_at": now, "updated_at": now, "version": 1})
    tid = fid = 1
    for c in range(COUNTIES):
        tid += 1
        county = tid
        tenants.append({"id": county, "parent_id": 1, "kind": "bureau", "name": f"县局{c:02d}", "path": f"/1/{county}/",
                        "region_code": "150626", "status": "active", "industry": None, "created_at": now,
                        "updated_at": now, "version": 1})
        for e in range(ENTERPRISES):
            tid += 1
            tenants.append({"id": tid, "parent_id": county, "kind": "enterprise", "name": f"企业{tid}",
                            "path": f"/1/{county}/{tid}/", "region_code": "150626", "status": "active",
                            "industry": "hazchem_production", "created_at": now, "updated_at": now, "version": 1})
            accepted = TODAY - timedelta(days=30 + (tid * 7) % 900)
            filings.append({"id": fid, "tenant_id": tid, "bureau_id": county, "title": "应急预案",
                            "published_on": accepted - timedelta(days=20), "status": "accepted",
                            "received_on": accepted, "accepted_on": accepted, "filing_no": f"备{fid}",
                            "filing_year": accepted.year, "filing_seq": fid, "late": False,
                            "review_due_estimated": False, "revision_needed": False,
                            "evaluation_due": accepted.replace(year=accepted.year + 3), "created_at": now,
                            "version": 1})
            for plan in ("储罐泄漏现场处置方案", "装卸区火灾现场处置方案"):
                materials.append({"tenant_id": tid, "filing_id": fid, "material": "onsite_plans", "name": plan,
                                  "file_id": 1, "uploaded_at": now})
            for kind, plan, back in (("comprehensive", None, 200), ("onsite", "储罐泄漏现场处置方案", 100),
                                     ("onsite", "装卸区火灾现场处置方案", 250)):
                drills.append({"tenant_id": tid, "filing_id": fid, "kind": kind, "plan_name": plan,
                               "held_on": TODAY - timedelta(days=back), "scenario": "演练", "participants": 10,
                               "file_id": 1, "recorded_at": now})
            fid += 1
            if e % 10 == 0:
                pending.append({"id": fid, "tenant_id": tid, "bureau_id": county, "title": "修订预案",
                                "published_on": TODAY - timedelta(days=30), "status": "submitted",
                                "received_on": TODAY - timedelta(days=1), "review_due": TODAY + timedelta(days=6),
                                "late": False, "review_due_estimated": False, "revision_needed": False,
                                "created_at": now, "version": 1})
                fid += 1
    with db.engine.begin() as conn:
        conn.execute(insert(Tenant), tenants)
        conn.execute(text("INSERT INTO files (id, sha256, size, kind, content_type, original_name, created_at, "
                          "tenant_id) VALUES (1, :h, 1, 'pdf', 'application/pdf', 'a.pdf', :now, 1)"),
                     {"h": "0" * 64, "now": now})
        conn.execute(insert(Filing), filings)
        conn.execute(insert(Filing), pending)
        conn.execute(insert(FilingMaterial.__table__), materials)
        conn.execute(insert(Drill.__table__), drills)
    if url.startswith("postgresql"):
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    return db


FLOOR = [
    "SELECT status, count(*) FROM filings GROUP BY status",
    "SELECT count(*) FROM filings WHERE status = 'submitted' AND review_due < :today",
    "SELECT count(*) FROM filings WHERE deemed_on IS NOT NULL",
    "SELECT bureau_id, count(*) FROM filings GROUP BY bureau_id",
    "SELECT tenant_id, kind, plan_name, max(held_on) FROM drills GROUP BY tenant_id, kind, plan_name",
    "SELECT filing_id, name FROM filing_materials WHERE material = 'onsite_plans'",
    "SELECT count(*) FROM tenants t WHERE kind = 'enterprise' AND NOT EXISTS "
    "(SELECT 1 FROM filings f WHERE f.tenant_id = t.id AND f.status IN ('accepted', 'deemed'))",
]


def run(label: str, url: str) -> None:
    db = build(url)
    with db.engine.connect() as conn, db.session(Scope("/1/")) as s:
        city = s.get(Tenant, 1)
        ctx = ServiceContext(s, Actor(None, "bench", 1, "bureau", city.path, "admin"), Scope("/1/"))
        bind(s, ctx.scope)

        def floor() -> None:
            for q in FLOOR:
                conn.execute(text(q), {"today": TODAY}).all()

        def summary() -> overview.Summary:
            s.expire_all()
            return overview.summary(ctx, TODAY)

        result = summary()
        # Past five runs psycopg prepares each statement and PostgreSQL may switch it to a
        # generic plan: time enough runs that the plan a busy server keeps is the one measured.
        floor_ms = timed(floor, repeat=15)
        summary_ms = timed(summary, repeat=15)
    n = COUNTIES * ENTERPRISES
    print(f"{label}: {n:,} enterprises, {sum(result.by_status.values()):,} filings; counts {result.counts}")
    print(f"  city overview   floor {floor_ms:8.1f} ms   summary() {summary_ms:8.1f} ms   ratio {summary_ms / floor_ms:5.1f}")
    db.dispose()


if __name__ == "__main__":
    on_both(run)
