"""Where jobs run: in-process (default) or on rq workers.

- No REDIS_URL: the inline executor runs the job in the process that enqueued it, right
  after the enqueuing transaction commits (first run, single host, tests).
- REDIS_URL set: the job id (and nothing else) is pushed to the rq queue RQ_QUEUE; `anjian
  worker` processes run it in a forked work horse through `core.worker.run_job`.

Dispatch is tied to the session's commit: `dispatch_after_commit` finds the app's executor
in the House the session carries, so services need no Flask import and a session of any
app (a request, the CLI, a job, a test) dispatches to its own app. The executors are
handed the runner's functions by `core.jobs.runner.init_executor`, so this module never
imports the runner (which imports it).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable

from redis import Redis
from redis.backoff import ExponentialBackoff, NoBackoff
from redis.retry import Retry
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job as RqJob
from rq.job import JobStatus
from sqlalchemy import event
from sqlalchemy.orm import Session

from core.db import house_of
from core.jobs.registry import DEFAULT_TIMEOUT, JobRegistry

log = logging.getLogger("anjian.jobs")

TASKS = "anjian.jobs.tasks"
PENDING = "anjian.jobs.pending"
HOOKED = "anjian.jobs.hooked"
RESULT_TTL = 600                  # seconds; the result lives in the jobs table, rq's copy is not needed
FAILURE_TTL = 7 * 24 * 3600       # keep rq's failure record a week for `rq info` / debugging
RUN_JOB = "core.worker.run_job"    # rq calls these by dotted path in a work horse
RUN_TASK = "core.worker.run_task"
QUEUE_UNAVAILABLE = "任务队列暂不可用，任务未能提交，请稍后重试"


def rq_job_id(queue_name: str, job_id: int) -> str:
    """One rq job per job row, so the sweep can look it up without storing anything extra.
    rq ids are global in Redis: the queue name keeps two deployments (or test runs) that
    share a Redis from taking each other's job 12."""
    return f"{re.sub(r'[^A-Za-z0-9_-]', '_', queue_name)}-job-{job_id}"


def job_id_from_rq(rq_job) -> int | None:  # noqa: ANN001
    """Our job id from an rq job that runs `run_job(job_id)`; None for anything else."""
    try:
        if rq_job.func_name == RUN_JOB and len(rq_job.args) == 1:
            return int(rq_job.args[0])
    except Exception:  # noqa: BLE001 - an undecodable foreign job is not ours
        return None
    return None


class InlineExecutor:
    """execute(app, job_id) and fail(app, job_id, message, retryable=) are the runner's."""

    name = "inline"

    def __init__(self, app, execute: Callable, fail: Callable, run_task: Callable):  # noqa: ANN001
        self.app, self.execute, self.fail, self.run_task = app, execute, fail, run_task

    def dispatch(self, job_id: int, kind: str) -> None:
        self.execute(self.app, job_id)

    def task(self, func: str) -> None:
        self.run_task(self.app, func)

    def states(self, job_ids: list[int]) -> dict[int, str]:
        """Inline runs leave no trace outside the row: the sweep goes by the heartbeat."""
        return {}


class RqExecutor:
    name = "rq"

    def __init__(self, app, jobs: JobRegistry, fail: Callable):  # noqa: ANN001
        self.app, self.jobs, self.fail = app, jobs, fail
        self.url = app.config["REDIS_URL"]
        self.queue_name = app.config["RQ_QUEUE"]
        self._redis = None

    @property
    def redis(self):  # noqa: ANN201
        if self._redis is None:
            # Bounded waits (one quick retry): an unreachable Redis must not hang a web request.
            self._redis = Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=10,
                                         retry=Retry(ExponentialBackoff(cap=0.5, base=0.1), 1))
        return self._redis

    def queue(self):  # noqa: ANN201
        return Queue(self.queue_name, connection=self.redis)

    def task(self, func: str) -> None:
        self.queue().enqueue(RUN_TASK, func, result_ttl=0, failure_ttl=FAILURE_TTL, description=func)

    def dispatch(self, job_id: int, kind: str) -> None:
        spec = self.jobs.job_kind(kind)
        rq_id = rq_job_id(self.queue_name, job_id)
        try:
            # A retry reuses the rq id; drop the failed run's record and registry entries.
            RqJob.fetch(rq_id, connection=self.redis).delete()
        except NoSuchJobError:
            pass
        self.queue().enqueue(RUN_JOB, job_id, job_id=rq_id,
                             job_timeout=spec.timeout if spec else DEFAULT_TIMEOUT,
                             result_ttl=RESULT_TTL, failure_ttl=FAILURE_TTL, description=f"{kind} #{job_id}")

    def states(self, job_ids: list[int]) -> dict[int, str]:
        """job id → "alive" (queued, or started by a live work horse) or "dead" (absent,
        failed, stopped, or started but gone from the started registry)."""
        queue = self.queue()
        registry_ = queue.started_job_registry
        # Moves jobs of workers that died outright (no heartbeat) to failed first.
        registry_.cleanup()
        started = set(registry_.get_job_ids(cleanup=False))
        out: dict[int, str] = {}
        for job_id in job_ids:
            rq_id = rq_job_id(self.queue_name, job_id)
            try:
                status = RqJob.fetch(rq_id, connection=self.redis).get_status(refresh=False)
            except NoSuchJobError:
                out[job_id] = "dead"
                continue
            if status in (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED):
                out[job_id] = "alive"
            elif status == JobStatus.STARTED and rq_id in started:
                out[job_id] = "alive"
            else:
                out[job_id] = "dead"
        return out


def queue_status(app) -> str:  # noqa: ANN001
    """For /healthz: "inline", or "redis: ok" / "redis: error <type>" within about a second."""
    url = app.config.get("REDIS_URL")
    if not url:
        return "inline"
    client = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1, retry=Retry(NoBackoff(), 0))
    try:
        client.ping()
        return "redis: ok"
    except Exception as e:  # noqa: BLE001 - any failure is "not usable" to a probe
        return f"redis: error {type(e).__name__}"
    finally:
        client.close()


# --- dispatch after commit ---

def dispatch_after_commit(session: Session, job_id: int, kind: str) -> None:
    """Hand the job to its app's executor once `session`'s outermost transaction commits;
    forget it if that transaction ends otherwise (rollback, close)."""
    executor = _executor(session)
    _hook(session)
    session.info.setdefault(PENDING, []).append((executor, job_id, kind))


def run_task_after_commit(session: Session, func: str) -> None:
    """Run `func` (dotted path of a function taking no arguments) once after `session`'s
    outermost commit: in-process with the inline executor, on a worker with rq. For work
    whose durable state is its own table (e.g. the plugin event outbox), so it needs no
    Job row; a task that fails or is lost is picked up by `anjian sweep`."""
    executor = _executor(session)
    _hook(session)
    session.info.setdefault(TASKS, {})[func] = executor


def _executor(session: Session):  # noqa: ANN202
    house = house_of(session)
    if house is None or house.executor is None:
        raise RuntimeError("jobs and tasks can only be queued on a session of an app's database "
                           "(create the app with core.app.create_app first)")
    return house.executor


def _hook(session: Session) -> None:
    if not session.info.get(HOOKED):
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_transaction_end", _after_transaction_end)
        session.info[HOOKED] = True


COMMITTED = "anjian.jobs.committed"


def _after_commit(session: Session) -> None:
    # Also fires when a savepoint is released; only the outermost commit makes rows visible.
    if session.get_nested_transaction() is not None:
        return
    # The transaction still holds its connection here: note what committed and run it once
    # the connection is back in the pool (_after_transaction_end), so a request never holds
    # one connection while its follow-up work (jobs, event delivery) opens another.
    session.info[COMMITTED] = (session.info.pop(PENDING, []), session.info.pop(TASKS, {}))


def _run_task(executor, func: str) -> None:  # noqa: ANN001
    """Never raises, like _dispatch: the caller's data is committed already."""
    try:
        executor.task(func)
    except Exception:  # noqa: BLE001
        log.exception("task %s failed or could not be queued; the sweep will retry it", func)


def _after_transaction_end(session: Session, transaction) -> None:  # noqa: ANN001
    if transaction.parent is not None:
        return
    # Whatever is still pending was rolled back.
    session.info.pop(PENDING, None)
    session.info.pop(TASKS, None)
    committed = session.info.pop(COMMITTED, None)
    if committed:
        pending, tasks = committed
        for executor, job_id, kind in pending:
            _dispatch(executor, job_id, kind)
        for func, executor in tasks.items():
            _run_task(executor, func)


def _dispatch(executor, job_id: int, kind: str) -> None:  # noqa: ANN001
    """Never raises: the caller's transaction has committed already, an error here must
    not turn a saved request into an error page. A job that could not be queued is failed
    (retryable) so the user sees it instead of a job queued forever."""
    try:
        executor.dispatch(job_id, kind)
    except Exception:  # noqa: BLE001
        log.exception("dispatching job %s (%s) to %s failed", job_id, kind, executor.name)
        try:
            executor.fail(executor.app, job_id, QUEUE_UNAVAILABLE, retryable=True)
        except Exception:  # noqa: BLE001
            log.exception("could not mark job %s failed", job_id)
