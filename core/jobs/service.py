"""Background jobs as users see them: start, list, show, retry; plus the bookkeeping the
runner and the stale-job sweep do on the job row (system only).

A job row is added in the caller's transaction and handed to the executor only after that
transaction commits, so a rolled-back request never starts a job and a worker always finds
the row it was given.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update

from core.audit import service as audit
from core.auth.service import display_names
from core.context import ServiceContext
from core.db import utcnow
from core.errors import Conflict, NotFound, PermissionDenied, field_error
from core.jobs.executor import dispatch_after_commit
from core.jobs.models import JOB_STATUSES, Job
from core.jobs.registry import JobKind
from core.plugins.service import enabled_plugins
from tenants.models import Tenant

# Shown when a worker process died or was killed in the middle of a job.
INTERRUPTED = "任务执行中断（进程退出或超时），可重试"
UNFINISHED = ("queued", "running")
MESSAGE_MAX = 500


def _spec(ctx: ServiceContext, kind: str) -> JobKind:
    spec = ctx.house.jobs.job_kind(kind)
    if spec is None:
        raise field_error("任务类型", f"未知的任务类型：{kind}")
    return spec


def _require_kind(ctx: ServiceContext, spec: JobKind, message: str) -> None:
    ctx.require(*spec.roles, bureau=spec.bureau, message=message)
    # A plugin's job only where the plugin is enabled, like its pages.
    if (spec.plugin and not ctx.actor.is_system
            and spec.plugin not in enabled_plugins(ctx.session, ctx.actor.tenant_id, ctx.house.plugins)):
        raise PermissionDenied(f"插件“{spec.plugin}”未对本单位启用，不能发起此任务")
    if spec.check is not None:
        spec.check(ctx)


def _require_system(ctx: ServiceContext) -> None:
    if not ctx.actor.is_system:
        raise PermissionDenied("只有系统可以更新任务的执行状态")


def can_enqueue(ctx: ServiceContext, kind: str) -> bool:
    """Whether the caller may start a job of this kind (to show or hide its button)."""
    spec = ctx.house.jobs.job_kind(kind)
    if spec is None:
        return False
    try:
        _require_kind(ctx, spec, "")
    except PermissionDenied:
        return False
    return True


def enqueue(ctx: ServiceContext, kind: str, params: dict | None = None, title: str | None = None, *,
            tenant_id: int | None = None) -> Job:
    """Add a queued job for the caller's tenant (or `tenant_id`, which must be visible to
    the caller; required for the system actor) and dispatch it once the caller's
    transaction commits. `params` holds ids and plain values only."""
    spec = _spec(ctx, kind)
    _require_kind(ctx, spec, "当前角色无权发起此任务")
    params = dict(params or {})
    # Fail here, in the caller, rather than in a worker that cannot decode the row.
    json.dumps(params)
    if tenant_id is None:
        tenant_id = ctx.actor.tenant_id
    elif not ctx.actor.is_system and ctx.session.scalar(select(Tenant.id).where(Tenant.id == tenant_id)) is None:
        raise NotFound()
    if tenant_id is None:
        raise ValueError("a job started by the system must name its tenant_id")
    job = Job(tenant_id=tenant_id, kind=kind, title=(title or spec.title)[:200], requested_by=ctx.actor.user_id,
              params=params, status="queued", progress=0, attempts=0, retryable=False)
    ctx.session.add(job)
    ctx.session.flush()
    audit.record(ctx, "job.enqueue", "job", job.id, f"发起任务：{job.title}",
                 payload={"kind": kind, "params": params}, tenant_id=tenant_id)
    dispatch_after_commit(ctx.session, job.id, kind)
    return job


def get_job(ctx: ServiceContext, job_id: int) -> Job:
    """A job of the caller's visible tenants, read fresh from the database (a page or API
    call made right after an inline run must see its final state)."""
    ctx.require()
    job = ctx.session.scalar(select(Job).where(Job.id == job_id).execution_options(populate_existing=True))
    if job is None:
        raise NotFound("任务不存在或无权访问")
    return job


def list_jobs(ctx: ServiceContext, *, status: str | None = None, limit: int = 50, offset: int = 0,
              q: str | None = None) -> list[Job]:
    """The caller's own tenant's jobs, newest first; `q` within the title. Jobs of tenants
    below a bureau stay reachable by id (scoping allows it) but are not the bureau's list to
    work through."""
    ctx.require()
    stmt = _jobs(ctx, select(Job), status, q)
    return list(ctx.session.scalars(stmt.order_by(Job.id.desc()).limit(limit).offset(offset)))


def count_jobs(ctx: ServiceContext, *, status: str | None = None, q: str | None = None) -> int:
    ctx.require()
    return ctx.session.scalar(_jobs(ctx, select(func.count(Job.id)), status, q)) or 0


def _jobs(ctx: ServiceContext, stmt, status: str | None, q: str | None):  # noqa: ANN001, ANN202
    if not ctx.actor.is_system:
        stmt = stmt.where(Job.tenant_id == ctx.actor.tenant_id)
    if status:
        if status not in JOB_STATUSES:
            raise field_error("状态", "状态不在可选范围内")
        stmt = stmt.where(Job.status == status)
    if q:
        stmt = stmt.where(Job.title.contains(q, autoescape=True))
    return stmt


def requester_names(ctx: ServiceContext, jobs: Iterable[Job]) -> dict[int, str]:
    """user id → display name for the jobs' requesters."""
    return display_names(ctx, (j.requested_by for j in jobs))


def retry_job(ctx: ServiceContext, job_id: int) -> Job:
    """Queue a failed, retryable job again (same row, same params). The requester or an
    admin may retry, provided the role may still start this kind of job."""
    job = get_job(ctx, job_id)
    spec = _spec(ctx, job.kind)
    _require_kind(ctx, spec, "当前角色无权重试此任务")
    if not (ctx.actor.is_system or ctx.actor.role == "admin" or job.requested_by == ctx.actor.user_id):
        raise PermissionDenied("只有任务发起人或管理员可以重试此任务")
    now = utcnow()
    # Conditional update: of two simultaneous retries only one re-queues the job.
    res = ctx.session.execute(
        update(Job).where(Job.id == job.id, Job.status == "failed", Job.retryable.is_(True))
        # heartbeat_at marks the re-queue time: the stale sweep's grace period counts from it.
        .values(status="queued", progress=0, message=None, error=None, result=None, result_file_id=None,
                retryable=False, started_at=None, finished_at=None, heartbeat_at=now)
        .execution_options(synchronize_session=False))
    if res.rowcount != 1:
        raise Conflict("只有失败且可重试的任务才能重试")
    ctx.session.refresh(job)
    audit.record(ctx, "job.retry", "job", job.id, f"重试任务：{job.title}（第{job.attempts + 1}次执行）",
                 payload={"kind": job.kind}, tenant_id=job.tenant_id)
    dispatch_after_commit(ctx.session, job.id, job.kind)
    return job


# --- bookkeeping for the runner and the sweep (system only) ---

def claim_job(ctx: ServiceContext, job_id: int) -> Job | None:
    """Move a queued job to running (attempts + 1) and return it; None when it is not
    queued (already done, running elsewhere, failed or gone). Atomic, so two workers
    handed the same id run it once."""
    _require_system(ctx)
    now = utcnow()
    res = ctx.session.execute(
        update(Job).where(Job.id == job_id, Job.status == "queued")
        .values(status="running", attempts=Job.attempts + 1, progress=0, message=None, error=None,
                started_at=now, heartbeat_at=now, finished_at=None)
        .execution_options(synchronize_session=False))
    if res.rowcount != 1:
        return None
    return ctx.session.scalar(select(Job).where(Job.id == job_id).execution_options(populate_existing=True))


def progress_percent(done: int, total: int) -> int:
    """0–99 while running: 100 is reserved for a finished job."""
    if total <= 0:
        return 0
    return max(0, min(99, done * 100 // total))


def mark_done(ctx: ServiceContext, job_id: int, result: dict | None, result_file_id: int | None) -> None:
    """Unconditional: the job's data is committed, so "done" is the truth even if a sweep
    meanwhile took the job for dead."""
    _require_system(ctx)
    now = utcnow()
    ctx.session.execute(
        update(Job).where(Job.id == job_id)
        .values(status="done", progress=100, result=result, result_file_id=result_file_id, error=None,
                retryable=False, finished_at=now, heartbeat_at=now)
        .execution_options(synchronize_session=False))


def mark_failed(ctx: ServiceContext, job_id: int, error: str, *, retryable: bool) -> None:
    _require_system(ctx)
    now = utcnow()
    ctx.session.execute(
        update(Job).where(Job.id == job_id)
        .values(status="failed", error=error, message=error[:MESSAGE_MAX], retryable=retryable,
                finished_at=now, heartbeat_at=now)
        .execution_options(synchronize_session=False))


def unfinished_jobs(ctx: ServiceContext) -> list[Job]:
    _require_system(ctx)
    return list(ctx.session.scalars(select(Job).where(Job.status.in_(UNFINISHED)).order_by(Job.id)))


def mark_interrupted(ctx: ServiceContext, job_ids: Iterable[int]) -> list[int]:
    """Fail jobs whose process died (still queued or running), retryable. Returns the ids
    actually changed: a job that finished in the meantime is left alone."""
    _require_system(ctx)
    ids = sorted(set(job_ids))
    if not ids:
        return []
    changed = list(ctx.session.scalars(
        select(Job.id).where(Job.id.in_(ids), Job.status.in_(UNFINISHED))))
    if changed:
        now = utcnow()
        ctx.session.execute(
            update(Job).where(Job.id.in_(changed), Job.status.in_(UNFINISHED))
            .values(status="failed", error=INTERRUPTED, message=INTERRUPTED, retryable=True, finished_at=now)
            .execution_options(synchronize_session=False))
    return changed


def last_sign_of_life(job: Job) -> datetime:
    return job.heartbeat_at or job.started_at or job.created_at
