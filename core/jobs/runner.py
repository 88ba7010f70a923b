"""Running one job, and the periodic sweeps: the boundary that owns sessions and commits.

Three sessions per run, so each write is seen when it should be:
- the job row is claimed (running, attempts + 1) and committed before any work starts;
- the job's own data goes through a separate session, committed only when the job function
  returns and rolled back on any exception (a failed job leaves no half-written data);
- progress and heartbeat are written through short connections committed at once, so the
  job page sees them while the data session is still open.

rq calls `run_job(job_id)` by dotted path in a forked work horse; the inline executor calls
`execute(app, job_id)`.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from core.context import ServiceContext
from core.db import Database, utcnow
from core.errors import DomainError, PermissionDenied
from core.jobs import registry, service
from core.jobs.models import Job
from tenants.scoping import Scope, bind

log = logging.getLogger("anjian.jobs")

PROGRESS_INTERVAL = 0.5           # seconds: at most ~2 progress writes per second
# While the job's data session holds SQLite's single write lock, a progress write cannot
# succeed until the job commits; wait briefly, then skip it rather than stall the job.
SQLITE_PROGRESS_WAIT_MS = 250
SQLITE_BUSY_MS = 30000            # the engine's normal busy timeout (core.db.make_engine)
QUEUE_GRACE = timedelta(seconds=60)

_databases: "weakref.WeakSet[Database]" = weakref.WeakSet()
_sweeper_lock = threading.Lock()
_process_app = None


def track_database(db: Database) -> None:
    _databases.add(db)


def _after_fork_in_child() -> None:
    # A forked work horse inherits the parent's pooled connections; using (or closing) them
    # would corrupt the parent's. Drop them without closing and open fresh ones.
    for db in list(_databases):
        db.engine.dispose(close=False)


os.register_at_fork(after_in_child=_after_fork_in_child)


def _app():  # noqa: ANN202
    """The current app, or one created once per process (an rq worker started without
    `anjian worker`)."""
    global _process_app
    if has_app_context():
        return current_app._get_current_object()
    if _process_app is None:
        from core.app import create_app
        _process_app = create_app()
    return _process_app


@contextlib.contextmanager
def _app_context(app):  # noqa: ANN001, ANN202
    if has_app_context() and current_app._get_current_object() is app:
        yield
    else:
        with app.app_context():
            yield


@contextlib.contextmanager
def _system(app, name: str = "jobs"):  # noqa: ANN001, ANN202
    with app.extensions["anjian.db"].session() as s:
        yield ServiceContext.system(s, name)


# For tasks other areas queue with executor.run_task_after_commit.
task_app = _app
task_app_context = _app_context


def run_job(job_id: int) -> str:
    """rq's entry point. Returns the outcome: "done", "failed" or "skipped"."""
    return execute(_app(), int(job_id))


def execute(app, job_id: int) -> str:  # noqa: ANN001
    with _app_context(app):
        return _execute(app, job_id)


class Progress:
    """The `progress(done, total, message)` callable handed to a job function."""

    def __init__(self, db: Database, job_id: int, interval: float = PROGRESS_INTERVAL):
        self.db, self.job_id, self.interval = db, job_id, interval
        self._last: float | None = None

    def __call__(self, done: int, total: int, message: str | None = None) -> None:
        now = time.monotonic()
        if self._last is not None and now - self._last < self.interval:
            return
        self._last = now
        self._write(service.progress_percent(done, total), (message or None) and message[:service.MESSAGE_MAX])

    def _write(self, percent: int, message: str | None) -> None:
        stmt = (update(Job).where(Job.id == self.job_id, Job.status == "running")
                .values(progress=percent, message=message, heartbeat_at=utcnow()))
        sqlite = self.db.is_sqlite
        with self.db.engine.connect() as conn:
            try:
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_PROGRESS_WAIT_MS}")
                conn.execute(stmt)
                conn.commit()
            except OperationalError:
                conn.rollback()
                log.debug("progress of job %s not written (database busy)", self.job_id)
            finally:
                if sqlite:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
                    conn.commit()


def _context_for(session, job: Job) -> ServiceContext:  # noqa: ANN001
    from core.auth.models import User
    bind(session, Scope.system())  # to read the requester; rebound to their scope below
    if job.requested_by is None:
        return ServiceContext.system(session, f"job:{job.kind}")
    user = session.get(User, job.requested_by)
    if user is None or not user.active:
        raise PermissionDenied("发起任务的用户已停用，任务未执行")
    return ServiceContext.for_user(session, user)


def _failure_text(e: BaseException) -> tuple[str, bool]:
    """(message for the user, retryable)."""
    from rq.timeouts import BaseTimeoutException
    if isinstance(e, DomainError):
        return e.message, False
    if isinstance(e, BaseTimeoutException):
        return "任务执行超时，可重试", True
    return f"任务执行出错：{type(e).__name__}", True


def _execute(app, job_id: int) -> str:  # noqa: ANN001
    db: Database = app.extensions["anjian.db"]
    with _system(app) as ctx:
        job = service.claim_job(ctx, job_id)
        ctx.session.commit()
    if job is None:
        log.info("job %s is not queued (already run, running elsewhere or gone); skipped", job_id)
        return "skipped"
    spec = registry.job_kind(job.kind)
    if spec is None:
        # Retryable: usually a worker started without the plugin that registers this kind.
        fail_job(app, job_id, f"未知的任务类型：{job.kind}", retryable=True)
        return "failed"

    data = db.session()
    try:
        ctx = _context_for(data, job)
        result = registry.resolve(spec.func)(ctx, job, Progress(db, job_id))
        if result is not None:
            json.dumps(result)  # a result that cannot be stored must not commit the data
        data.commit()
    except Exception as e:  # noqa: BLE001 - every failure is recorded on the job
        data.rollback()
        message, retryable = _failure_text(e)
        if not isinstance(e, DomainError):
            log.exception("job %s (%s) failed", job_id, job.kind)
        fail_job(app, job_id, message, retryable=retryable)
        return "failed"
    except BaseException:
        # SystemExit / KeyboardInterrupt: record the interruption, then let it propagate.
        data.rollback()
        fail_job(app, job_id, service.INTERRUPTED, retryable=True)
        raise
    finally:
        data.close()
    with _system(app) as ctx:
        service.mark_done(ctx, job_id, result, job.result_file_id)
        ctx.session.commit()
    return "done"


def fail_job(app, job_id: int, error: str, *, retryable: bool) -> None:  # noqa: ANN001
    with _system(app) as ctx:
        service.mark_failed(ctx, job_id, error, retryable=retryable)
        ctx.session.commit()


def interrupt_jobs(app, job_ids: list[int]) -> list[int]:  # noqa: ANN001
    with _system(app, "worker") as ctx:
        changed = service.mark_interrupted(ctx, job_ids)
        ctx.session.commit()
    if changed:
        log.warning("jobs %s interrupted (work horse died)", changed)
    return changed


# --- sweeps ---

@dataclass(frozen=True)
class SweepOutcome:
    name: str
    ok: bool
    summary: str


def sweep_stale_jobs(app) -> list[int]:  # noqa: ANN001
    """Fail jobs whose process is gone. With rq, a job whose rq job is absent, failed or no
    longer in the started registry is dead at once (queued ones after a minute's grace, as
    dispatch follows the commit); otherwise a job is dead when its heartbeat is older than
    JOB_STALE_MINUTES and rq (if used) does not vouch for it."""
    from core.jobs.executor import executor_for
    now = utcnow()
    stale_before = now - timedelta(minutes=app.config["JOB_STALE_MINUTES"])
    with _system(app, "sweep") as ctx:
        jobs = service.unfinished_jobs(ctx)
        states: dict[int, str] = {}
        if jobs:
            try:
                states = executor_for(app).states([j.id for j in jobs])
            except Exception:  # noqa: BLE001 - Redis down: fall back to heartbeats
                log.exception("could not read rq job states; judging by heartbeat only")
        dead = []
        for job in jobs:
            state, last = states.get(job.id), service.last_sign_of_life(job)
            if state == "alive":
                continue
            if state == "dead" and (job.status == "running" or last < now - QUEUE_GRACE):
                dead.append(job.id)
            elif last < stale_before:
                dead.append(job.id)
        changed = service.mark_interrupted(ctx, dead)
        ctx.session.commit()
    return changed


def run_sweeps(app) -> list[SweepOutcome]:  # noqa: ANN001
    """The stale-job check, then every registered sweep, each in its own transaction; one
    failing sweep does not stop the others."""
    outcomes = []
    with _app_context(app):
        try:
            changed = sweep_stale_jobs(app)
            text = f"{len(changed)} 个中断的任务已标记为失败" + (f"（#{'、#'.join(map(str, changed))}）" if changed else "")
            outcomes.append(SweepOutcome("jobs.stale", True, text))
        except Exception as e:  # noqa: BLE001
            log.exception("stale-job sweep failed")
            outcomes.append(SweepOutcome("jobs.stale", False, f"出错：{type(e).__name__}"))
        for name, func in registry.sweeps():
            s = app.extensions["anjian.db"].session()
            try:
                summary = registry.resolve(func)(ServiceContext.system(s, f"sweep:{name}"))
                s.commit()
                outcomes.append(SweepOutcome(name, True, summary or "完成"))
            except DomainError as e:
                s.rollback()
                outcomes.append(SweepOutcome(name, False, e.message))
            except Exception as e:  # noqa: BLE001
                s.rollback()
                log.exception("sweep %s failed", name)
                outcomes.append(SweepOutcome(name, False, f"出错：{type(e).__name__}"))
            finally:
                s.close()
    return outcomes


# --- periodic sweeps in the web process (inline mode) ---

def start_periodic_sweeps(app) -> threading.Thread | None:  # noqa: ANN001
    """Without Redis there is no rq cron: the web process itself runs the sweeps (deemed
    filings, reminders, stale jobs) at once and then every SWEEP_MINUTES, so statutory
    steps happen without a cron entry. Once per app; off with SWEEP_MINUTES = 0, under
    TESTING and when Redis is configured (then cron or rq runs `anjian sweep`)."""
    minutes = app.config.get("SWEEP_MINUTES") or 0
    with _sweeper_lock:
        if "anjian.sweeper" in app.extensions:
            return app.extensions["anjian.sweeper"]
        if minutes <= 0 or app.config.get("TESTING") or app.config.get("REDIS_URL"):
            app.extensions["anjian.sweeper"] = None
            return None
        stop = threading.Event()

        def loop() -> None:
            while not stop.is_set():
                try:
                    for outcome in run_sweeps(app):
                        log.info("sweep %s: %s", outcome.name, outcome.summary)
                except Exception:  # noqa: BLE001 - keep sweeping; the next round may succeed
                    log.exception("periodic sweep failed")
                stop.wait(minutes * 60)

        thread = threading.Thread(target=loop, name="anjian-sweeps", daemon=True)
        thread.stop = stop  # type: ignore[attr-defined]
        app.extensions["anjian.sweeper"] = thread
        thread.start()
        return thread
