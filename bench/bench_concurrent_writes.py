"""Fifty reviewers' acceptances at once against gunicorn, with jobs run inline (no Redis),
against two floors measured in the same run:

- HTTP floor: fifty concurrent `GET /healthz` on the same gunicorn (the server, the WSGI
  stack and one database round trip: what any request costs);
- SQL floor: the same row changes per acceptance in hand-written SQL on fifty connections
  at once (allocate the 备案编号 from the bureau's counter, update the filing, insert the
  enterprise's notification), so the ratio shows what the application adds — validation,
  the workflow, the audit chain, outbox delivery — over the database work itself.

The demo's two 乌审旗 enterprises and one 伊金霍洛旗 enterprise submit 40 and 10 complete
filings; the bureaus' reviewers accept them all at the same moment over the API.

    [BENCH_WORKERS=2 BENCH_THREADS=16] python bench/bench_concurrent_writes.py [--pg …]
"""
from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import threading
import time

from bench_http import ROOT, gunicorn, http, stop
from sqlalchemy import create_engine, select, text

sys.path.insert(0, str(ROOT))  # the tests' small valid PDFs

from bench_scoping import on_both  # noqa: E402

from core.app import create_app  # noqa: E402
from core.auth import service as auth  # noqa: E402
from core.auth.models import User  # noqa: E402
from core.context import ServiceContext  # noqa: E402
from core.filings.review import service  # noqa: E402
from tenants.models import Tenant  # noqa: E402
from tests.conftest import load_demo_into  # noqa: E402
from tests.files import samples  # noqa: E402

SECRET = "test"  # the key load_demo_into signs the audit head with
MATERIALS = ("application_form", "comprehensive_plan", "onsite_plans", "review_opinion", "risk_assessment",
             "resource_survey")
OFFICERS = {"ent1_officer": ("wsq_reviewer", 20), "ent2_officer": ("wsq_admin", 20),
            "yjhl_ent_officer": ("yjhl_reviewer", 10)}
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = int(os.environ.get("BENCH_THREADS", "16"))


def prepare(app, rounds: int) -> tuple[list[list[tuple[int, int, str]]], dict[str, str]]:  # noqa: ANN001
    """`rounds` sets of fifty submitted filings, and a token per reviewer."""
    db = app.extensions["anjian.db"]
    today = service.beijing_today()
    with db.session() as s:
        system = ServiceContext.system(s)
        auth.create_user(system, {"username": "yjhl_ent_officer", "display_name": "札萨克安全员",
                                  "password": "anjian-demo-1", "role": "officer",
                                  "tenant_id": s.scalar(select(Tenant.id).where(Tenant.uscc == "91150627MA0R2F6NX4"))})
        s.commit()
    sets: list[list] = [[] for _ in range(rounds)]
    for officer, (reviewer, n) in OFFICERS.items():
        for r in range(rounds):
            for i in range(n):
                with db.session() as s:
                    ctx = as_user(s, officer)
                    f = service.create_filing(ctx, {"title": f"生产安全事故应急预案（{r}-{i}）", "published_on": "2026-03-02"})
                    for m in MATERIALS:
                        service.add_material(ctx, f.id, m, io.BytesIO(samples.pdf(m)), f"{m}.pdf", None)
                    s.commit()
                    service.transition(ctx, f.id, "submit", f.version, today=today)
                    s.commit()
                    sets[r].append((f.id, f.version, reviewer))
    tokens = {}
    for reviewer in {r for r, _ in OFFICERS.values()}:
        with db.session() as s:
            ctx = as_user(s, reviewer)
            tokens[reviewer] = auth.create_token(ctx, ctx.actor.user_id, {"name": "bench"})[1]
            s.commit()
    return sets, tokens


def as_user(s, username: str) -> ServiceContext:  # noqa: ANN001
    ServiceContext.system(s)
    return ServiceContext.for_user(s, s.scalar(select(User).where(User.username == username)))


def at_once(calls: list) -> tuple[float, list[float], list]:  # noqa: ANN001
    """Run the callables in threads released together: (wall ms, per-call ms, results)."""
    barrier, times, results = threading.Barrier(len(calls) + 1), [0.0] * len(calls), [None] * len(calls)

    def run(i: int, call) -> None:  # noqa: ANN001
        barrier.wait()
        t = time.perf_counter()
        try:
            results[i] = call()
        except Exception as e:  # noqa: BLE001 — counted as a failure below
            results[i] = e
        times[i] = (time.perf_counter() - t) * 1000

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    return (time.perf_counter() - start) * 1000, times, results


def sql_floor(url: str, filings: list[tuple[int, int, str]]) -> tuple[float, list[float]]:
    engine = create_engine(url, pool_size=len(filings), max_overflow=0)
    with engine.connect() as c:   # bureau and enterprise of each filing, read beforehand
        owner = {fid: c.execute(text("SELECT bureau_id, tenant_id FROM filings WHERE id = :i"), {"i": fid}).one()
                 for fid, _, _ in filings}
        user = c.execute(text("SELECT id FROM users WHERE username = 'ent1_officer'")).scalar()

    def accept(fid: int, version: int):  # noqa: ANN202
        def go() -> int:
            bureau, tenant = owner[fid]
            with engine.begin() as c:
                seq = c.execute(text("UPDATE filing_counters SET last_seq = last_seq + 1 WHERE bureau_id = :b "
                                     "AND year = 2099 RETURNING last_seq"), {"b": bureau}).scalar()
                if seq is None:
                    c.execute(text("INSERT INTO filing_counters (bureau_id, year, last_seq) VALUES (:b, 2099, 1) "
                                   "ON CONFLICT DO NOTHING"), {"b": bureau})
                c.execute(text("UPDATE filings SET status = 'accepted', filing_no = :no, version = version + 1 "
                               "WHERE id = :i AND version = :v"), {"no": f"floor-{fid}", "i": fid, "v": version})
                c.execute(text("INSERT INTO notifications (user_id, tenant_id, title, created_at) "
                               "VALUES (:u, :t, '预案备案已准予备案', CURRENT_TIMESTAMP)"), {"u": user, "t": tenant})
            return 200
        return go

    wall, times, results = at_once([accept(fid, v) for fid, v, _ in filings])
    engine.dispose()
    assert results.count(200) == len(filings), results
    return wall, times


def line(label: str, wall: float, times: list[float]) -> str:
    p95 = sorted(times)[int(len(times) * 0.95) - 1]
    return (f"  {label:<22} all 50 in {wall:8.1f} ms   median {statistics.median(times):7.1f} ms   "
            f"p95 {p95:7.1f} ms")


def run(label: str, url: str) -> None:
    load_demo_into(url)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "FILES_DIR": f"{tmp}/files",
                          "REDIS_URL": None})
        (app_set, floor_set), tokens = prepare(app, 2)
        app.extensions["anjian.db"].dispose()
        port = 18700 + (os.getpid() % 500)
        proc = gunicorn("core.app:create_app()", port, {
            "ANJIAN_DATABASE_URL": url, "ANJIAN_SECRET_KEY": SECRET, "ANJIAN_FILES_DIR": f"{tmp}/files",
            "ANJIAN_INSTANCE_PATH": f"{tmp}/instance", "ANJIAN_DB_POOL_SIZE": str(THREADS),
            "ANJIAN_SWEEP_MINUTES": "0"}, workers=WORKERS, threads=THREADS)
        try:
            base = f"http://127.0.0.1:{port}"
            http_wall, http_times, codes = at_once([lambda: http("GET", f"{base}/healthz")] * 50)
            assert codes.count(200) == 50, codes
            sql_wall, sql_times = sql_floor(url, floor_set)
            wall, times, codes = at_once([
                (lambda fid=fid, v=v, r=r: http("POST", f"{base}/api/v1/filings/{fid}/transitions", tokens[r],
                                                {"action": "accept", "version": v}))
                for fid, v, r in app_set])
        finally:
            stop(proc)
        engine = create_engine(url)
        with engine.connect() as c:
            accepted = c.execute(text("SELECT count(*) FROM filings WHERE status = 'accepted' "
                                      "AND filing_no NOT LIKE 'floor-%'")).scalar()
        engine.dispose()
    failed = [c for c in codes if c != 200]
    print(f"{label}: gunicorn {WORKERS} workers × {THREADS} threads, inline jobs; "
          f"{codes.count(200)}/50 accepted ({accepted} filings numbered), {len(failed)} failed {failed[:5]}")
    print(line("HTTP floor (/healthz)", http_wall, http_times))
    print(line("SQL floor", sql_wall, sql_times))
    print(line("50 acceptances", wall, times))
    print(f"  ratios: {wall / http_wall:.1f}× the HTTP floor, {wall / sql_wall:.1f}× the SQL floor")


if __name__ == "__main__":
    on_both(run)
