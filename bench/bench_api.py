"""The JSON API's list endpoints and the filing overview under load, against a bare Flask
route served the same way in the same run.

The city of bench_filing_overview.py (20 counties × 100 enterprises, 2,200 filings, 6,000
drills) on PostgreSQL, plus what the other lists page through: a reviewer and an admin
per county and an officer per enterprise (2,041 users), a file and a checklist self-check
per enterprise, 2,000 audit events, 300 notifications for each of the two callers and 100
jobs of the city. gunicorn serves the app with 2 sync workers; the floor is a bare Flask
app returning 20 items as JSON, served by the same gunicorn. Both are driven by wrk (Debian's
package, installed when missing and root) with 16 connections, or by a Python client when
wrk cannot be had.

    python bench/bench_api.py [--pg URL] [--seconds 10] [--only NAME …] [--profile]

--profile skips the load and shows, for one request of each endpoint in-process, the
statements it sends and where its time goes (cProfile).
"""
from __future__ import annotations

import argparse
import cProfile
import http.client
import io
import os
import pstats
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from datetime import timedelta

from bench_filing_overview import TODAY, build
from bench_http import gunicorn, stop
from flask import Flask
from sqlalchemy import create_engine, event, func, insert, select, text

from core.app import create_app
from core.audit import service as audit
from core.audit.service import derive_key
from core.auth import service as auth
from core.auth.models import User
from core.checklists.models import ChecklistRun
from core.context import ServiceContext
from core.db import Database, utcnow
from core.files.models import StoredFile
from core.jobs.models import Job
from core.notifications.models import Notification
from core.plugins.models import TemplateSnapshot
from tenants.models import Tenant

SECRET = "bench"
CONNECTIONS = 16
CITY_ADMIN, COUNTY_REVIEWER = "city_admin", "county00_reviewer"
ENDPOINTS = [  # name, caller, path
    ("filings (county reviewer)", COUNTY_REVIEWER, "/api/v1/filings?limit=20"),
    ("filings (city admin)", CITY_ADMIN, "/api/v1/filings?limit=20"),
    ("tenants", CITY_ADMIN, "/api/v1/tenants?limit=20"),
    ("users", CITY_ADMIN, "/api/v1/users?limit=20"),
    ("audit", CITY_ADMIN, "/api/v1/audit?limit=20"),
    ("drills", CITY_ADMIN, "/api/v1/drills?limit=20"),
    ("drills/obligations", CITY_ADMIN, "/api/v1/drills/obligations?limit=20"),
    ("notifications", CITY_ADMIN, "/api/v1/notifications?limit=20"),
    ("files", CITY_ADMIN, "/api/v1/files?limit=20"),
    ("jobs", CITY_ADMIN, "/api/v1/jobs?limit=20"),
    ("checklists", CITY_ADMIN, "/api/v1/checklists?limit=20"),
    ("plugins", CITY_ADMIN, "/api/v1/plugins?limit=20"),
    ("filing-overview (county reviewer)", COUNTY_REVIEWER, "/api/v1/filing-overview"),
    ("filing-overview (city admin)", CITY_ADMIN, "/api/v1/filing-overview"),
]
TARGET_SHARE, TARGET_P99_MS = 0.40, 100.0

# The floor: what serving 20 items as JSON costs with nothing of the application behind it.
floor = Flask("floor")
FLOOR_ITEMS = [{"id": i, "name": f"乌审旗化工企业{i}", "kind": "enterprise", "status": "active",
                "created_at": "2026-11-23T08:00:00+00:00"} for i in range(20)]


@floor.get("/items")
def floor_items() -> dict:
    return {"items": FLOOR_ITEMS, "total": 2000, "limit": 20, "offset": 0}


@floor.get("/healthz")
def floor_health() -> str:
    return "ok"


def populate(url: str) -> dict[str, str]:
    """What the lists beyond filings and drills page through; a token per caller."""
    db = Database(url, audit_key=derive_key(SECRET))
    now = utcnow()
    with db.engine.begin() as conn:  # the city was stored with its ids given: move the sequences on
        for table in ("tenants", "files", "filings"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    with db.session() as s:
        system = ServiceContext.system(s)
        counties = list(s.scalars(select(Tenant).where(Tenant.kind == "bureau", Tenant.parent_id.is_not(None))
                                  .order_by(Tenant.id)))
        admin = auth.create_user(system, {"username": CITY_ADMIN, "display_name": "市局管理员", "password": "bench-pass-1",
                                          "role": "admin", "tenant_id": 1})
        s.flush()
        users = [{"tenant_id": c.id, "username": f"county{n:02d}_{role}", "display_name": f"县局{n:02d}{role}",
                  "role": role, "password_hash": admin.password_hash}
                 for n, c in enumerate(counties) for role in ("admin", "reviewer")]
        enterprises = list(s.scalars(select(Tenant.id).where(Tenant.kind == "enterprise").order_by(Tenant.id)))
        users += [{"tenant_id": e, "username": f"ent{e}_officer", "display_name": f"企业{e}安全员", "role": "officer",
                   "password_hash": admin.password_hash} for e in enterprises]
        s.execute(insert(User), users)
        reviewer = s.scalar(select(User).where(User.username == COUNTY_REVIEWER))
        s.execute(insert(StoredFile), [{"tenant_id": e, "sha256": f"{e:064x}", "size": 1024, "kind": "pdf",
                                        "content_type": "application/pdf", "original_name": f"应急预案{e}.pdf",
                                        "created_at": now} for e in enterprises])
        snap = TemplateSnapshot(sha256="b" * 64, template_id="bench.check", version="1.0.0", kind="checklist",
                                plugin="bench", title="安全生产自查", body={"sections": []})
        s.add(snap)
        s.flush()
        s.execute(insert(ChecklistRun), [{"tenant_id": e, "snapshot_id": snap.id, "template_id": "bench.check",
                                          "template_version": "1.0.0", "title": "安全生产自查", "created_by": None}
                                         for e in enterprises])
        s.execute(insert(Notification), [{"user_id": u.id, "tenant_id": u.tenant_id, "title": f"消息{n}",
                                          "created_at": now - timedelta(minutes=n)}
                                         for u in (admin, reviewer) for n in range(300)])
        s.execute(insert(Job), [{"tenant_id": 1, "kind": "audit.verify", "title": f"校验审计链{n}", "params": {},
                                 "status": "done", "requested_by": admin.id} for n in range(100)])
        for n in range(2000):
            audit.record(system, "tenant.update", "tenant", enterprises[n], f"修改企业信息：企业{enterprises[n]}",
                         payload={"n": n}, tenant_id=enterprises[n])
        s.commit()
        tokens = {}
        for username in (CITY_ADMIN, COUNTY_REVIEWER):
            user = s.scalar(select(User).where(User.username == username))
            tokens[username] = auth.create_token(ServiceContext.for_user(s, user), user.id, {"name": "bench"})[1]
        s.commit()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    db.dispose()
    return tokens


# ---------------------------------------------------------------------------- load

def have_wrk() -> bool:
    if shutil.which("wrk"):
        return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, capture_output=True)
    return shutil.which("wrk") is not None


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * _UNITS[unit]


def wrk(url: str, token: str | None, seconds: int) -> tuple[float, float, float, int]:
    """(req/s, p50 ms, p99 ms, non-2xx answers) from wrk's own figures."""
    # A timeout past any answer, so that a slow endpoint is measured rather than dropped.
    cmd = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--timeout", "30s", "--latency", url]
    if token:
        cmd[1:1] = ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rate, p50, p99, int(bad.group(1)) if bad else 0


def python_client(url: str, token: str | None, seconds: int) -> tuple[float, float, float, int]:
    """The same figures from 16 threads of http.client, for a machine without wrk."""
    host, port, path = re.fullmatch(r"http://([^:/]+):(\d+)(.*)", url).groups()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    latencies: list[float] = []
    bad = [0]
    end = time.perf_counter() + seconds

    def drive() -> None:
        while time.perf_counter() < end:
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            t = time.perf_counter()
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            resp.read()
            latencies.append((time.perf_counter() - t) * 1000)
            bad[0] += resp.status >= 300
            conn.close()

    threads = [threading.Thread(target=drive) for _ in range(CONNECTIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ordered = sorted(latencies)
    return len(ordered) / seconds, statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1], bad[0]


def load(url: str, tokens: dict[str, str], seconds: int, only: list[str]) -> None:
    drive = wrk if have_wrk() else python_client
    port = 19300 + os.getpid() % 500
    with tempfile.TemporaryDirectory() as tmp:
        env = {"ANJIAN_DATABASE_URL": url, "ANJIAN_SECRET_KEY": SECRET, "ANJIAN_FILES_DIR": f"{tmp}/files",
               "ANJIAN_INSTANCE_PATH": f"{tmp}/instance", "ANJIAN_DB_POOL_SIZE": "2", "ANJIAN_SWEEP_MINUTES": "0"}
        proc = gunicorn("bench_api:floor", port, {}, workers=2)
        try:
            drive(f"http://127.0.0.1:{port}/items", None, 2)
            floor_rate, floor_p50, floor_p99, _ = drive(f"http://127.0.0.1:{port}/items", None, seconds)
        finally:
            stop(proc)
        print(f"load: {drive.__name__}, {CONNECTIONS} connections, {seconds} s each; gunicorn 2 sync workers")
        print(f"  {'bare Flask, 20 items (floor)':<36} {floor_rate:8.0f} req/s  p50 {floor_p50:7.1f} ms  "
              f"p99 {floor_p99:7.1f} ms")
        proc = gunicorn("core.app:create_app()", port, env, workers=2)
        try:
            for name, who, path in ENDPOINTS:
                if only and not any(o in name for o in only):
                    continue
                target = f"http://127.0.0.1:{port}{path}"
                drive(target, tokens[who], 2)  # warm: first requests, prepared statements
                rate, p50, p99, bad = drive(target, tokens[who], seconds)
                share = rate / floor_rate
                ok = "ok" if share >= TARGET_SHARE and p99 <= TARGET_P99_MS else "below target"
                print(f"  {name:<36} {rate:8.0f} req/s  p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  "
                      f"{share:6.1%} of floor  {ok}" + (f"  ({bad} non-2xx)" if bad else ""))
        finally:
            stop(proc)


# ---------------------------------------------------------------------------- profile

def profile(url: str, tokens: dict[str, str], only: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "FILES_DIR": f"{tmp}/files", "REDIS_URL": None,
                          "SWEEP_MINUTES": 0})
        statements: list[str] = []
        event.listen(app.extensions["anjian.db"].engine, "before_cursor_execute",
                     lambda *args: statements.append(args[2]))
        client = app.test_client()
        print(f"floor in-process: {_mean_ms(floor.test_client(), '/items', {}):.2f} ms a request")
        for name, who, path in ENDPOINTS:
            if only and not any(o in name for o in only):
                continue
            headers = {"Authorization": f"Bearer {tokens[who]}"}
            for _ in range(3):
                client.get(path, headers=headers)
            mean = _mean_ms(client, path, headers)
            statements.clear()
            prof = cProfile.Profile()
            t = time.perf_counter()
            prof.enable()
            resp = client.get(path, headers=headers)
            prof.disable()
            ms = (time.perf_counter() - t) * 1000
            print(f"\n{name}: {resp.status_code}, {len(resp.data):,} bytes, {mean:.2f} ms a request "
                  f"({ms:.1f} ms profiled), {len(statements)} statements")
            stats = pstats.Stats(prof, stream=(out := io.StringIO()))
            stats.sort_stats("cumulative").print_stats(r"/(core|tenants)/", 12)
            print("\n".join(line for line in out.getvalue().splitlines() if re.match(r"\s+\d", line)))
        app.extensions["anjian.db"].dispose()


def _mean_ms(client, path: str, headers: dict, n: int = 30) -> float:  # noqa: ANN001
    t = time.perf_counter()
    for _ in range(n):
        client.get(path, headers=headers)
    return (time.perf_counter() - t) * 1000 / n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--only", nargs="*", default=[])
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    name = f"anjian_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = args.pg.rsplit("/", 1)[0] + f"/{name}"
    try:
        build(url).dispose()
        tokens = populate(url)
        engine = create_engine(url)
        with engine.connect() as c:
            counts = {t: c.execute(select(func.count()).select_from(text(t))).scalar()
                      for t in ("tenants", "users", "filings", "drills", "files", "audit_events")}
        engine.dispose()
        print(f"PostgreSQL city of {TODAY.isoformat()}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
        (profile if args.profile else lambda u, t, o: load(u, t, args.seconds, o))(url, tokens, args.only)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
