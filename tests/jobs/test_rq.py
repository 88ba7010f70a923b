"""The rq path on a real Redis: jobs enqueued by requests, run by a real rq worker in
another process, and work horses that die mid-job."""
from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import update

from core.db import utcnow
from core.jobs import service
from core.jobs.cli import sweep
from core.jobs.executor import QUEUE_UNAVAILABLE, queue_status, rq_job_id
from core.jobs.models import Job
from core.jobs.runner import init_executor
from tests.jobs.sample_jobs import (
    BARE_RQ_WORKER,
    count_sections,
    drop_queue,
    load_job,
    run_worker_process,
    use_rq,
)

pytestmark = pytest.mark.redis
INTERRUPTED = "任务执行中断（进程退出或超时），可重试"


@pytest.fixture
def rq_app(app, redis_url):  # noqa: ANN001, ANN201
    use_rq(app, redis_url)
    yield app
    drop_queue(app)


def test_jobs_run_in_a_real_rq_worker(rq_app, as_user, ctx_for, client, tmp_path):
    app = rq_app
    assert client.get("/healthz").get_json()["jobs"] == "redis: ok"
    c = as_user("city_admin")
    resp = c.post("/jobs/audit-verify", data={"csrf_token": c.csrf})
    verify_id = int(re.search(r"/jobs/(\d+)$", resp.headers["Location"]).group(1))
    ctx = ctx_for("wsq_reviewer")
    progress_id = service.enqueue(ctx, "tests.progress", {}).id
    ctx.session.commit()

    # Nothing ran in this process: the jobs wait in Redis, holding only their ids.
    assert load_job(app, verify_id).status == "queued" and load_job(app, progress_id).status == "queued"
    queue = app.extensions["anjian.executor"].queue()
    ids = [rq_job_id(queue.name, verify_id), rq_job_id(queue.name, progress_id)]
    assert sorted(queue.job_ids) == sorted(ids)
    assert queue.fetch_job(ids[0]).args == (verify_id,)
    assert "排队中" in c.get(f"/jobs/{verify_id}").text

    run_worker_process(app, tmp_path)

    verified = load_job(app, verify_id)
    assert verified.status == "done" and verified.attempts == 1 and verified.result["ok"] is True
    progressed = load_job(app, progress_id)
    assert progressed.status == "done" and progressed.result["actor"] == "wsq_reviewer"
    assert progressed.result["first"] == ["running", 25, "第一步"]
    body = c.get(f"/api/v1/jobs/{verify_id}").get_json()
    assert body["status"] == "done" and body["progress"] == 100


def test_killed_work_horse_fails_the_job_at_once_and_retry_succeeds(rq_app, api, ctx_for, runner, tmp_path):
    app = rq_app
    ctx = ctx_for("city_admin")
    job_id = service.enqueue(ctx, "tests.crash", {}).id
    # Runs in the same worker after the crash, in a horse forked from a parent that has
    # meanwhile used the database (to record the crash).
    after_id = service.enqueue(ctx, "tests.sections", {"count": 1}).id
    ctx.session.commit()

    proc = run_worker_process(app, tmp_path)
    assert f"jobs [{job_id}] interrupted (work horse died)" in proc.stdout + proc.stderr

    job = load_job(app, job_id)
    assert job.status == "failed" and job.retryable and job.error == INTERRUPTED
    assert count_sections(app, job_id) == 0  # its uncommitted rows died with the process
    assert "0 个中断的任务" in runner.invoke(sweep).output  # the worker already did it
    assert load_job(app, after_id).status == "done" and count_sections(app, after_id) == 1

    resp = api("city_admin").post(f"/api/v1/jobs/{job_id}/retry")
    assert resp.status_code == 200 and resp.get_json()["status"] == "queued"
    run_worker_process(app, tmp_path)
    job = load_job(app, job_id)
    assert job.status == "done" and job.attempts == 2 and job.result["summary"] == "第二次执行完成"
    assert count_sections(app, job_id) == 3


def test_sweep_fails_a_job_whose_work_horse_died_under_a_bare_worker(rq_app, ctx_for, runner, tmp_path):
    """Without Anjian's hook (a plain `rq worker`), rq still records the death; the sweep
    reads it and fails the job long before its heartbeat would go stale."""
    app = rq_app
    ctx = ctx_for("city_admin")
    job_id = service.enqueue(ctx, "tests.crash", {}).id
    ctx.session.commit()
    run_worker_process(app, tmp_path, BARE_RQ_WORKER)

    job = load_job(app, job_id)
    assert job.status == "running" and job.heartbeat_at > utcnow() - timedelta(minutes=5)
    assert count_sections(app, job_id) == 0

    result = runner.invoke(sweep)
    assert result.exit_code == 0 and f"1 个中断的任务已标记为失败（#{job_id}）" in result.output
    job = load_job(app, job_id)
    assert job.status == "failed" and job.retryable and job.message == INTERRUPTED


def test_queued_job_lost_from_redis_fails_after_a_grace_period(rq_app, ctx_for, db, runner):
    app = rq_app
    ctx = ctx_for("city_admin")
    job_id = service.enqueue(ctx, "tests.progress", {}).id
    ctx.session.commit()
    assert "0 个中断的任务" in runner.invoke(sweep).output  # still in the queue: alive

    app.extensions["anjian.executor"].queue().empty()  # e.g. Redis restarted without persistence
    assert "0 个中断的任务" in runner.invoke(sweep).output  # dispatch may be a moment behind
    db.execute(update(Job).where(Job.id == job_id).values(created_at=utcnow() - timedelta(minutes=2)))
    db.commit()
    assert "1 个中断的任务" in runner.invoke(sweep).output
    assert load_job(app, job_id).status == "failed"


def test_unreachable_redis_fails_the_job_instead_of_leaving_it_queued(app, ctx_for, client):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    init_executor(app)
    started = time.monotonic()
    assert queue_status(app) == "redis: error ConnectionError"
    assert time.monotonic() - started < 2
    assert client.get("/healthz").get_json()["jobs"] == "redis: error ConnectionError"

    ctx = ctx_for("city_admin")
    job_id = service.enqueue(ctx, "tests.progress", {}).id
    ctx.session.commit()  # must not raise: the enqueuing work is saved
    job = load_job(app, job_id)
    assert job.status == "failed" and job.retryable and job.error == QUEUE_UNAVAILABLE
    app.extensions["anjian.executor"].redis.close()
