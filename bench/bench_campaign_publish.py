"""Publishing a campaign (专项整治) to 500 enterprises × 6 work items, against the raw floor
measured in the same run: one bulk INSERT of the same 3,000 task rows.

A county with 500 hazardous-chemical enterprises, each with its officer; a template whose
six items are all the enterprises'. `publish_now` — the tasks through the tenant guard
(COPY on PostgreSQL), the notification of every officer, the audit event and the outbox
event — is timed inside a transaction rolled back after each run, as is the floor. On
PostgreSQL a second floor sends the same rows by COPY, the way publishing does. Target
(issue: campaigns): under 5 s and within 3× the floor.

    python bench/bench_campaign_publish.py [--pg URL]
"""
from __future__ import annotations

import tempfile
import time
from datetime import date, timedelta

from bench_scoping import on_both, timed
from sqlalchemy import insert, select

from core.app import create_app
from core.auth.models import User
from core.campaigns import service
from core.campaigns.models import CampaignTask
from core.context import Actor, ServiceContext
from core.db import utcnow
from core.hookspecs import PluginInfo, hookimpl
from core.migrate import upgrade
from core.plugins import service as plugins
from tenants.models import Tenant
from tenants.scoping import Scope, _copy

ENTERPRISES, ITEMS = 500, 6
TEMPLATE = {
    "kind": "campaign", "id": "bench_campaign.six_items", "version": "1.0.0", "title": "基准专项整治",
    "phases": [{"id": "work", "title": "专项整治", "starts_day": 0, "ends_day": 30, "tasks": [
        {"id": f"item{i}", "title": f"工作内容{i}", "assignee": "enterprise", "due_days": 5 * i,
         "fields": [{"id": "note", "label": "情况说明", "type": "text"}]} for i in range(1, ITEMS + 1)]}],
}


class BenchPlugin:
    @staticmethod
    @hookimpl
    def anjian_plugin_info() -> PluginInfo:
        return PluginInfo(title="基准专项整治")

    @staticmethod
    @hookimpl
    def anjian_templates() -> list[dict]:
        return [TEMPLATE]


def build(url: str, files: str):  # noqa: ANN201
    upgrade(url)
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "bench", "FILES_DIR": files,
                      "REDIS_URL": None, "PLUGINS_EXTRA": ("bench_campaign = bench_campaign_publish:BenchPlugin",)})
    db = app.extensions["anjian.db"]
    now = utcnow()
    tenants = [{"id": 1, "parent_id": None, "kind": "bureau", "name": "县局", "path": "/1/", "region_code": "150626",
                "status": "active", "industry": None, "created_at": now, "updated_at": now, "version": 1}]
    tenants += [{"id": tid, "parent_id": 1, "kind": "enterprise", "name": f"企业{tid}", "path": f"/1/{tid}/",
                 "region_code": "150626", "status": "active", "industry": "hazchem_production", "created_at": now,
                 "updated_at": now, "version": 1} for tid in range(2, ENTERPRISES + 2)]
    users = [{"username": f"officer{tid}", "display_name": f"安全员{tid}", "password_hash": "x", "role": "officer",
              "tenant_id": tid, "active": True, "failed_logins": 0, "session_epoch": 0, "created_at": now, "version": 1}
             for tid in range(2, ENTERPRISES + 2)]
    with db.engine.begin() as conn:
        conn.execute(insert(Tenant), tenants)
        conn.execute(insert(User), users)
    with db.session(Scope.system()) as s:
        plugins.set_enabled(ServiceContext.system(s, "bench"), "bench_campaign", True, 1)
        s.commit()
    return app, db


def run(label: str, url: str) -> None:
    with tempfile.TemporaryDirectory() as files:
        app, db = build(url, files)
        with db.session(Scope("/1/")) as s:
            ctx = ServiceContext(s, Actor(None, "bench", 1, "bureau", "/1/", "admin"))
            campaign = service.launch_campaign(ctx, {"template_id": TEMPLATE["id"], "starts_on": "2026-09-01",
                                                     "doc_no": "基准〔2026〕1号"})
            s.commit()
            cid = campaign.id
            rows = [{"tenant_id": tid, "campaign_id": cid, "item_id": f"item{i}", "party": "enterprise",
                     "section_id": None, "due_on": date(2026, 9, 1) + timedelta(days=5 * i), "status": "assigned", "data": {},
                     "created_at": utcnow(), "version": 1}
                    for i in range(1, ITEMS + 1) for tid in range(2, ENTERPRISES + 2)]

            def floor() -> None:
                s.execute(insert(CampaignTask.__table__), rows)
                s.rollback()

            def copy_floor() -> None:  # PostgreSQL: the same rows by COPY, as publishing sends them
                _copy(s, CampaignTask.__table__, rows)
                s.rollback()

            def publish() -> None:
                c = service.get_campaign(ctx, cid)
                n = service.publish_now(ctx, c)
                assert n == ENTERPRISES * ITEMS, n
                s.rollback()

            t0 = time.perf_counter()
            publish()
            first_ms = (time.perf_counter() - t0) * 1000
            floor_ms = timed(floor, repeat=5)
            copy_ms = timed(copy_floor, repeat=5) if url.startswith("postgresql") else None
            publish_ms = timed(publish, repeat=5)
            assert s.scalar(select(CampaignTask.id).limit(1)) is None
        print(f"{label}: {ENTERPRISES} enterprises × {ITEMS} items = {ENTERPRISES * ITEMS:,} tasks")
        print(f"  bulk INSERT floor {floor_ms:8.1f} ms   publish_now() {publish_ms:8.1f} ms (first run {first_ms:.0f} ms)"
              f"   ratio {publish_ms / floor_ms:5.2f}   target < 5000 ms and ≤ 3×")
        if copy_ms:
            print(f"  COPY floor        {copy_ms:8.1f} ms   ratio to it {publish_ms / copy_ms:5.2f}")
        db.dispose()


if __name__ == "__main__":
    on_both(run)
