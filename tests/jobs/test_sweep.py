"""`anjian sweep`: interrupted jobs become failed and retryable; registered sweeps run each
in its own transaction."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from core.db import utcnow
from core.jobs import service
from core.jobs.cli import sweep, worker
from core.jobs.models import Job
from core.jobs.registry import Sweep
from tenants.models import Section
from tests.jobs.sample_jobs import SAMPLE, SWEEP_SECTION, count_sections, load_job


def _finished_job(ctx_for, kind: str = "tests.progress", params: dict | None = None) -> int:
    ctx = ctx_for("city_admin")
    job = service.enqueue(ctx, kind, params or {})
    ctx.session.commit()
    return job.id


def _set(db, job_id: int, **values) -> None:
    db.execute(update(Job).where(Job.id == job_id).values(**values))
    db.commit()


def test_sweep_fails_jobs_whose_heartbeat_stopped(app, ctx_for, db, runner):
    old = utcnow() - timedelta(minutes=app.config["JOB_STALE_MINUTES"] + 5)
    dead_running = _finished_job(ctx_for)
    alive_running = _finished_job(ctx_for)
    lost_queued = _finished_job(ctx_for)
    finished = _finished_job(ctx_for)
    # Arranged as a killed inline run would leave them: still "running", no heartbeat since.
    _set(db, dead_running, status="running", heartbeat_at=old, finished_at=None)
    _set(db, alive_running, status="running", heartbeat_at=utcnow(), finished_at=None)
    _set(db, lost_queued, status="queued", heartbeat_at=None, started_at=None, created_at=old)
    _set(db, finished, heartbeat_at=old)

    result = runner.invoke(sweep)
    assert result.exit_code == 0, result.output
    assert "2 个中断的任务已标记为失败" in result.output

    for job_id in (dead_running, lost_queued):
        job = load_job(app, job_id)
        assert job.status == "failed" and job.retryable
        assert job.error == job.message == "任务执行中断（进程退出或超时），可重试"
    assert load_job(app, alive_running).status == "running"
    assert load_job(app, finished).status == "done"

    again = runner.invoke(sweep)
    assert "0 个中断的任务" in again.output


def test_interrupted_job_can_be_retried(app, ctx_for, db, runner):
    job_id = _finished_job(ctx_for, "tests.sections", {"count": 2})
    _set(db, job_id, status="running", heartbeat_at=utcnow() - timedelta(days=1))
    runner.invoke(sweep)
    assert load_job(app, job_id).status == "failed"
    ctx = ctx_for("city_admin")
    service.retry_job(ctx, job_id)
    ctx.session.commit()
    job = load_job(app, job_id)
    assert job.status == "done" and job.attempts == 2
    assert count_sections(app, job_id) == 2 * 2  # the first run had committed its two rows


def test_declared_sweeps_run_in_their_own_transactions(make_app, db):
    app = make_app(MANIFESTS_EXTRA=(SAMPLE, "tests.jobs.sample_jobs:SWEEPS"))
    result = app.test_cli_runner().invoke(sweep)
    assert result.exit_code == 1
    assert "tests.writing：已写入 1 条" in result.output
    assert "tests.broken：出错：RuntimeError" in result.output and "1 项检查失败" in result.output
    names = db.scalars(select(Section.name).where(Section.name.like(SWEEP_SECTION + "%"))).all()
    assert names == [SWEEP_SECTION]  # the broken sweep's write was rolled back


def test_a_sweep_names_its_function_by_path(app):
    with pytest.raises(ValueError):
        Sweep("tests.bad", "no_colon_here")
    with pytest.raises(ValueError, match="已存在"):
        app.extensions["anjian"].jobs.add(sweeps=[Sweep("filings.deadlines", "tests.jobs.sample_jobs:writing_sweep")])


def test_worker_needs_redis(app, runner):
    result = runner.invoke(worker, ["--burst"])
    assert result.exit_code != 0 and "ANJIAN_REDIS_URL" in result.output


def test_healthz_reports_inline(client):
    assert client.get("/healthz").get_json()["jobs"] == "inline"


def test_job_count_unchanged_by_sweep_without_jobs(app, db, runner):
    assert runner.invoke(sweep).exit_code == 0
    assert db.scalar(select(func.count()).select_from(Job)) == 0
