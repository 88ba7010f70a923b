"""Fifty acceptances at once over HTTP, on a real threaded server with jobs run inline: every
request succeeds, each holds one database connection at a time (notifications are
delivered after it has given its connection back), and the 备案编号 come out without gaps."""
from __future__ import annotations

import json
import threading
import traceback
import urllib.error
import urllib.request

import pytest
from sqlalchemy import event, func, select
from werkzeug.serving import make_server

from core.auth import service as auth
from core.auth.models import User
from core.context import ServiceContext
from core.filings.models import Filing
from core.filings.review import service
from core.notifications.models import Notification
from tests.conftest import Api
from tests.filings.conftest import YJHL_ENT_USCC, complete_draft, tenant_id
from tests.filings.test_concurrency import run_together

# 乌审旗's two enterprises file 40 plans, 伊金霍洛旗's one files 10: two bureaus' counters at once.
PER_OFFICER = {"ent1_officer": 20, "ent2_officer": 20, "yjhl_ent_officer": 10}
REVIEWER_OF = {"ent1_officer": "wsq_reviewer", "ent2_officer": "wsq_admin", "yjhl_ent_officer": "yjhl_reviewer"}


@pytest.fixture
def server(app):  # noqa: ANN001, ANN201
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    srv.url = f"http://127.0.0.1:{srv.server_port}"
    yield srv
    srv.shutdown()


@pytest.fixture
def held_per_thread(app):  # noqa: ANN001, ANN201
    """The most connections any one thread held at the same moment, and where the first
    second one was taken (for the failure message)."""
    engine, local, peak = app.extensions["anjian.db"].engine, threading.local(), {"max": 0}
    lock = threading.Lock()

    def out(*_):  # noqa: ANN002, ANN202
        local.n = getattr(local, "n", 0) + 1
        with lock:
            peak["max"] = max(peak["max"], local.n)
            if local.n > 1 and "stack" not in peak:
                peak["stack"] = "".join(traceback.format_stack(limit=25))

    def back(*_):  # noqa: ANN002, ANN202
        local.n = getattr(local, "n", 1) - 1

    event.listen(engine, "checkout", out)
    event.listen(engine, "checkin", back)
    yield peak
    event.remove(engine, "checkout", out)
    event.remove(engine, "checkin", back)


def submitted_filings(ctx_for, store) -> list[tuple[int, int, str]]:  # noqa: ANN001
    """(filing id, version, reviewer) of every filing submitted for the run."""
    system = ctx_for()
    auth.create_user(system, {"username": "yjhl_ent_officer", "display_name": "札萨克安全员",
                              "password": "anjian-demo-1", "role": "officer",
                              "tenant_id": tenant_id(system.session, YJHL_ENT_USCC)})
    system.session.commit()
    today = service.beijing_today()
    out = []
    for officer, n in PER_OFFICER.items():
        ctx = ctx_for(officer)
        for i in range(n):
            filing = complete_draft(ctx, store, title=f"生产安全事故应急预案（第{i + 1}版）")
            service.transition(ctx, filing.id, "submit", filing.version, today=today)
            ctx.session.commit()
            out.append((filing.id, filing.version, REVIEWER_OF[officer]))
    return out


def post(url: str, token: str, body: dict) -> tuple[int, str]:
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()[:200]


def test_fifty_acceptances_at_once(app, server, held_per_thread, ctx_for, db, store):  # noqa: ANN001
    filings = submitted_filings(ctx_for, store)
    tokens = {}
    for reviewer in set(REVIEWER_OF.values()):
        ctx = ctx_for(reviewer)
        tokens[reviewer] = auth.create_token(ctx, ctx.actor.user_id, {"name": "负载"})[1]
        ctx.session.commit()
    held_per_thread["max"] = 0

    def accept(fid, version, reviewer):  # noqa: ANN001, ANN202
        return lambda: post(f"{server.url}/api/v1/filings/{fid}/transitions", tokens[reviewer],
                            {"action": "accept", "version": version})

    results = run_together(*(accept(*f) for f in filings))

    failed = [(f[0], r) for f, r in zip(filings, results) if not (isinstance(r, tuple) and r[0] == 200)]
    assert not failed, failed[:5]
    assert held_per_thread["max"] == 1, held_per_thread.get("stack")
    db.expire_all()
    numbers = db.scalars(select(Filing.filing_no).where(Filing.status == "accepted")).all()
    year = service.beijing_today().year
    assert sorted(n for n in numbers if n.startswith("乌")) == [f"乌应急备〔{year}〕第{i:03d}号" for i in range(1, 41)]
    assert sorted(n for n in numbers if n.startswith("伊")) == [f"伊应急备〔{year}〕第{i:03d}号" for i in range(1, 11)]
    # Every acceptance told its enterprise (delivered inline, after each request's commit).
    told = db.scalar(select(func.count()).select_from(Notification).where(Notification.title.startswith("预案备案已准予备案")))
    assert told >= 50, told


def test_a_process_out_of_connections_answers_busy(backend, make_app):  # noqa: ANN001
    """With every connection taken for longer than ANJIAN_DB_POOL_TIMEOUT, a request is told
    to try again (503, Retry-After) instead of failing with a server error."""
    if backend != "postgresql":
        pytest.skip("SQLite opens a connection per use; the pool bound is PostgreSQL's")
    app = make_app(DB_POOL_SIZE=1, DB_MAX_OVERFLOW=0, DB_POOL_TIMEOUT=1)
    client = Api(app.test_client(), _token(app, "wsq_reviewer"))
    with app.extensions["anjian.db"].engine.connect():
        r = client.get("/api/v1/filings")
    assert r.status_code == 503 and r.headers["Retry-After"] == "5"
    assert r.json["code"] == "busy" and "繁忙" in r.json["message"]
    assert client.get("/api/v1/filings").status_code == 200   # the connection is back


def _token(app, username: str) -> str:  # noqa: ANN001
    with app.extensions["anjian.db"].session() as s:
        ServiceContext.system(s)
        ctx = ServiceContext.for_user(s, s.scalar(select(User).where(User.username == username)))
        secret = auth.create_token(ctx, ctx.actor.user_id, {"name": "忙"})[1]
        s.commit()
    return secret
