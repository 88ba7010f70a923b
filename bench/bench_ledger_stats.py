"""The city's hazard statistics (隐患统计) over N hazards (default 1,000,000), against the raw
floor measured in the same run.

A city with 10 counties × 100 enterprises, each keeping N/1000 hazards found over the last
two years, as a county's ledgers stand: about 85% closed (on time and late), the open ones
found in the last two months and half of them past 整改期限, 重大 open, under 挂牌督办,
reopened by 回头看. The hazards are loaded with the tally triggers off and the tallies
filled once afterwards, as the migration does for a database that already holds hazards.
The city admin's `hazard_stats(group="child")` — the figures per county, the totals, by
category and source, and the 12-month trend — is timed against the floor: the same figures
by a hand-written scan of the hazards (the grouped aggregate and the two monthly counts),
without the tenant scoping. Target (issue: ledgers): ≤ 200 ms on PostgreSQL.

    [BENCH_ROWS=1000000] python bench/bench_ledger_stats.py [--pg URL]
"""
from __future__ import annotations

import importlib.util
import os
import time
from datetime import timedelta
from pathlib import Path

from bench_scoping import on_both, timed
from sqlalchemy import insert, text

from core.calendar.service import beijing_today
from core.context import Actor, ServiceContext
from core.db import Database, utcnow
from core.ledgers import stats
from core.ledgers.models import Hazard
from core.migrate import upgrade
from tenants.models import Tenant
from tenants.scoping import Scope, ScopedSession, bind

# The migration that creates the tallies knows how to fill them from stored hazards.
_spec = importlib.util.spec_from_file_location(
    "tallies", Path(__file__).resolve().parent.parent / "migrations/versions/0020_hazard_tallies.py")
tallies = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(tallies)

COUNTIES, ENTERPRISES = 10, 100
ROWS = int(os.environ.get("BENCH_ROWS", "1000000"))
TODAY = beijing_today()
SOURCES = ("日常排查", "专项检查", "上级督查", "举报", "回头看")


def state(n: int) -> str:
    r = n % 100
    return "closed" if r < 85 else "rectifying" if r < 93 else "to_verify" if r < 97 else "registered"


def build(url: str) -> Database:
    upgrade(url)
    db = Database(url, session_class=ScopedSession)
    now = utcnow()
    tenants = [{"id": 1, "parent_id": None, "kind": "bureau", "name": "市局", "path": "/1/", "region_code": "150600",
                "status": "active", "industry": None, "created_at": now, "updated_at": now, "version": 1}]
    enterprises, tid = [], 1
    for c in range(COUNTIES):
        tid += 1
        county = tid
        tenants.append({"id": county, "parent_id": 1, "kind": "bureau", "name": f"县局{c:02d}", "path": f"/1/{county}/",
                        "region_code": "150626", "status": "active", "industry": None, "created_at": now,
                        "updated_at": now, "version": 1})
        for _ in range(ENTERPRISES):
            tid += 1
            enterprises.append(tid)
            tenants.append({"id": tid, "parent_id": county, "kind": "enterprise", "name": f"企业{tid}",
                            "path": f"/1/{county}/{tid}/", "region_code": "150626", "status": "active",
                            "industry": "hazchem_production", "created_at": now, "updated_at": now, "version": 1})
    per = ROWS // len(enterprises)
    t0 = time.perf_counter()
    pg = url.startswith("postgresql")
    with db.engine.begin() as conn:
        if pg:
            conn.execute(text("ALTER TABLE hazards DISABLE TRIGGER USER"))
        conn.execute(insert(Tenant), tenants)
        batch = []
        for ent in enterprises:
            for i in range(per):
                n = ent * per + i
                status = state(n)
                closed = status == "closed"
                found = TODAY - timedelta(days=n % 720 if closed else n % 60)
                due = found + timedelta(days=10 + n % 40)
                major = n % 50 == 37          # one in fifty; half of them open
                batch.append({
                    "tenant_id": ent, "code": f"YH-{i:05d}", "source": SOURCES[n % 5], "found_on": found,
                    "found_by": "王强", "department": "生产部", "location": "甲醇储罐区", "description": "接地装置失效",
                    "category": "现场管理类" if n % 3 else "基础管理类", "level": "重大" if major else "一般",
                    "basis": "判定标准第9项" if major else None, "measures": "更换", "owner": "李明", "due_on": due,
                    "status": status, "closed_on": min(due + timedelta(days=(n % 7) - 4), TODAY) if closed else None,
                    "reopened": 1 if n % 97 == 0 else 0, "supervised_no": "督〔2024〕1号" if major and n % 3 == 0 else None,
                    "digest": "0" * 64, "created_at": now, "updated_at": now, "version": 1})
                if len(batch) == 20000:
                    conn.execute(insert(Hazard.__table__), batch)
                    batch = []
        if batch:
            conn.execute(insert(Hazard.__table__), batch)
        if pg:
            conn.execute(text("ALTER TABLE hazards ENABLE TRIGGER USER"))
            conn.execute(text("DELETE FROM hazard_tallies"))
            conn.execute(text("DELETE FROM hazard_months"))
            conn.execute(text(f"INSERT INTO hazard_tallies ({tallies.DIMS}, n) SELECT {tallies._dims('')}, count(*) "
                              "FROM hazards GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"))
            conn.execute(text("INSERT INTO hazard_months (tenant_id, month, found, closed) "
                              + tallies._months("postgresql", "hazards", "")))
    if pg:
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    print(f"  (built {per * len(enterprises):,} hazards in {time.perf_counter() - t0:.0f} s)")
    return db


FLOOR = [
    "SELECT tenant_id, category, source, count(*), "
    "sum(CASE WHEN status = 'closed' THEN 1 ELSE 0 END), "
    "sum(CASE WHEN status = 'closed' AND closed_on <= due_on THEN 1 ELSE 0 END), "
    "sum(CASE WHEN status IN ('registered', 'rectifying', 'to_verify') AND due_on < :today THEN 1 ELSE 0 END), "
    "sum(CASE WHEN level = '重大' THEN 1 ELSE 0 END), "
    "sum(CASE WHEN level = '重大' AND status != 'closed' THEN 1 ELSE 0 END), "
    "sum(CASE WHEN supervised_no IS NOT NULL AND status != 'closed' THEN 1 ELSE 0 END), "
    "sum(CASE WHEN reopened > 0 THEN 1 ELSE 0 END) FROM hazards GROUP BY tenant_id, category, source",
    "SELECT {y}(found_on), {m}(found_on), count(*) FROM hazards WHERE found_on >= :since GROUP BY 1, 2",
    "SELECT {y}(closed_on), {m}(closed_on), count(*) FROM hazards WHERE closed_on >= :since GROUP BY 1, 2",
]


def run(label: str, url: str) -> None:
    print(f"{label}:")
    db = build(url)
    pg = url.startswith("postgresql")
    y, m = ("extract(year from ", "extract(month from ") if pg else ("strftime('%Y', ", "strftime('%m', ")
    floor_sql = [q.replace("{y}(found_on)", f"{y}found_on)").replace("{m}(found_on)", f"{m}found_on)")
                 .replace("{y}(closed_on)", f"{y}closed_on)").replace("{m}(closed_on)", f"{m}closed_on)")
                 for q in FLOOR]
    since = TODAY.replace(day=1) - timedelta(days=335)
    with db.engine.connect() as conn, db.session(Scope("/1/")) as s:
        city = s.get(Tenant, 1)
        ctx = ServiceContext(s, Actor(None, "bench", 1, "bureau", city.path, "admin"))
        bind(s, Scope("/1/"))

        def floor() -> None:
            for q in floor_sql:
                conn.execute(text(q), {"today": TODAY, "since": since}).all()

        def city_stats() -> stats.Stats:
            return stats.hazard_stats(ctx, "child", today=TODAY)

        result = city_stats()
        floor_ms = timed(floor, repeat=7)
        stats_ms = timed(city_stats, repeat=7)
    t = result.total
    print(f"  {t.found:,} hazards in {len(result.rows)} counties: 整改率 {t.rate:.1%}, overdue {t.overdue:,}, "
          f"major open {t.major_open:,}, supervised {t.supervised:,}, reopened {t.reopened:,}")
    print(f"  city statistics   floor {floor_ms:8.1f} ms   hazard_stats() {stats_ms:8.1f} ms   "
          f"ratio {stats_ms / floor_ms:5.2f}")
    db.dispose()


if __name__ == "__main__":
    on_both(run)
