"""Running one job, and the periodic sweeps: the boundary that owns sessions and commits.

Three sessions per run, so each write is seen when it should be:
- the job row is claimed (running, attempts + 1) and committed before any work starts;
- the job's own data goes through a separate session, committed only when the job function
  returns and rolled back on any exception (a failed job leaves no half-written data);
- progress and heartbeat are written through short connections committed at once, so the
  job page sees them while the data session is still open.

rq calls `core.worker.run_job(job_id)` by dotted path in a forked work horse, which builds
the app and calls `execute(app, job_id)`, as the inline executor does.
"""
from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import threading
import time
import weakref
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, has_app_context
from redis import Redis
from rq import Worker
from rq.timeouts import BaseTimeoutException
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from core.auth.models import User
from core.context import Actor, ServiceContext
from core.db import Database, utcnow
from core.errors import DomainError, PermissionDenied
from core.jobs import service
from core.jobs.executor import InlineExecutor, RqExecutor, job_id_from_rq
from core.jobs.models import Job
from core.jobs.registry import resolve
from core.plugins.service import enabling_jurisdictions
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


def track_database(db: Database) -> None:
    _databases.add(db)


def _after_fork_in_child() -> None:
    # A forked work horse inherits the parent's pooled connections; using (or closing) them
    # would corrupt the parent's. Drop them without closing and open fresh ones.
    for db in list(_databases):
        db.engine.dispose(close=False)


os.register_at_fork(after_in_child=_after_fork_in_child)


@contextlib.contextmanager
def app_context(app):  # noqa: ANN001, ANN202
    """The app's context, unless the caller is inside it already (a request, a work horse)."""
    if has_app_context() and current_app._get_current_object() is app:
        yield
    else:
        with app.app_context():
            yield


@contextlib.contextmanager
def _system(app, name: str = "jobs"):  # noqa: ANN001, ANN202
    with app.extensions["anjian.db"].session() as s:
        yield ServiceContext.system(s, name)


def init_executor(app) -> None:  # noqa: ANN001
    """Called by the app factory: chooses the executor from REDIS_URL. Calling it again
    (after changing the config) switches."""
    house = app.extensions["anjian"]
    track_database(house.db)
    if app.config.get("REDIS_URL"):
        house.executor = RqExecutor(app, house.jobs, fail_job)
    else:
        house.executor = InlineExecutor(app, execute, fail_job, run_task)
    app.extensions["anjian.executor"] = house.executor


def execute(app, job_id: int) -> str:  # noqa: ANN001
    """Run one queued job. Returns the outcome: "done", "failed" or "skipped"."""
    with app_context(app):
        return _execute(app, job_id)


def run_task(app, func: str) -> None:  # noqa: ANN001
    """A task queued with executor.run_task_after_commit: "package.module:function" called
    with the app."""
    with app_context(app):
        resolve(func)(app)


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
    bind(session, Scope.system())  # to read the requester; rebound to their scope below
    if job.requested_by is None:
        return ServiceContext.system(session, f"job:{job.kind}")
    user = session.get(User, job.requested_by)
    if user is None or not user.active:
        raise PermissionDenied("发起任务的用户已停用，任务未执行")
    return ServiceContext.for_user(session, user)


def _failure_text(e: BaseException) -> tuple[str, bool]:
    """(message for the user, retryable)."""
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
    spec = app.extensions["anjian"].jobs.job_kind(job.kind)
    if spec is None:
        # Retryable: usually a worker started without the plugin that registers this kind.
        fail_job(app, job_id, f"未知的任务类型：{job.kind}", retryable=True)
        return "failed"

    data = db.session()
    try:
        ctx = _context_for(data, job)
        result = resolve(spec.func)(ctx, job, Progress(db, job_id))
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
    now = utcnow()
    stale_before = now - timedelta(minutes=app.config["JOB_STALE_MINUTES"])
    with _system(app, "sweep") as ctx:
        jobs = service.unfinished_jobs(ctx)
        states: dict[int, str] = {}
        if jobs:
            try:
                states = app.extensions["anjian"].executor.states([j.id for j in jobs])
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
    with app_context(app):
        try:
            changed = sweep_stale_jobs(app)
            text = f"{len(changed)} 个中断的任务已标记为失败" + (f"（#{'、#'.join(map(str, changed))}）" if changed else "")
            outcomes.append(SweepOutcome("jobs.stale", True, text))
        except Exception as e:  # noqa: BLE001
            log.exception("stale-job sweep failed")
            outcomes.append(SweepOutcome("jobs.stale", False, f"出错：{type(e).__name__}"))
        for sweep in app.extensions["anjian"].jobs.sweeps():
            outcomes.append(_run_sweep(app, sweep))
    return outcomes


def _run_sweep(app, sweep) -> SweepOutcome:  # noqa: ANN001
    """A core sweep acts as the system; a plugin's runs once in each jurisdiction whose bureau
    enabled the plugin, scoped to that subtree, as its event handlers do."""
    db = app.extensions["anjian.db"]
    if sweep.plugin is None:
        scopes = [(Scope.system(), f"sweep:{sweep.name}")]
    else:
        with db.session(Scope.system()) as s:
            paths = enabling_jurisdictions(s, sweep.plugin)
        scopes = [(Scope(path), f"plugin:{sweep.plugin}") for path in paths]
    summaries = []
    for scope, actor in scopes:
        s = db.session(scope)
        try:
            summary = resolve(sweep.func)(ServiceContext(s, Actor.system(actor)))
            s.commit()
            summaries.append(summary or "完成")
        except DomainError as e:
            s.rollback()
            return SweepOutcome(sweep.name, False, e.message)
        except Exception as e:  # noqa: BLE001
            s.rollback()
            log.exception("sweep %s failed", sweep.name)
            return SweepOutcome(sweep.name, False, f"出错：{type(e).__name__}")
        finally:
            s.close()
    return SweepOutcome(sweep.name, True, "；".join(summaries) or "无启用该插件的单位")


# --- periodic sweeps in the web process (inline mode) ---

def sweeps_on_first_request(app) -> None:  # noqa: ANN001
    """Inline mode under any server (anjian serve, gunicorn without Redis): the first request
    starts the periodic sweeps if nothing did."""
    @app.before_request
    def sweeps_in_process():  # noqa: ANN202
        if "anjian.sweeper" not in app.extensions:
            start_periodic_sweeps(app)


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


# --- rq worker ---

class WorkerNotConfigured(RuntimeError):
    pass


def run_worker(app, *, burst: bool = False) -> bool:  # noqa: ANN001
    """Run an rq worker on RQ_QUEUE until stopped (or, with burst, until the queue is
    empty). Call inside an app context: the forked work horses inherit it."""
    url = app.config.get("REDIS_URL")
    if not url:
        raise WorkerNotConfigured("未配置 Redis（ANJIAN_REDIS_URL）：任务在网页进程内直接执行，无需启动 worker")
    worker = Worker([app.config["RQ_QUEUE"]], connection=Redis.from_url(url),
                    work_horse_killed_handler=functools.partial(_horse_killed, app))
    return worker.work(burst=burst)


def _horse_killed(app, rq_job, retpid, ret_val, rusage) -> None:  # noqa: ANN001
    """rq calls this in the worker when a work horse dies without finishing its job
    (os._exit, OOM kill, SIGKILL, the hard timeout): fail the job now instead of waiting
    for the sweep."""
    job_id = job_id_from_rq(rq_job)
    if job_id is None:
        return
    try:
        interrupt_jobs(app, [job_id])
    except Exception:  # noqa: BLE001 - the worker must keep serving the queue
        log.exception("could not mark job %s interrupted", job_id)
