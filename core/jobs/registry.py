"""What kinds of background job exist, and which periodic sweeps run.

An area (or a plugin) registers its jobs once, at import time of its own module:

    from core.jobs.registry import register_job, register_sweep

    register_job("ledgers.import", "core.ledgers.jobs:import_ledger", "导入台账",
                 roles=("admin", "officer"))
    register_sweep("filings.deemed_filed", "core.filings.jobs:mark_deemed_filed")

A job function has the signature

    def import_ledger(ctx: ServiceContext, job: Job,
                      progress: Callable[[int, int, str | None], None]) -> dict | None

- `ctx` acts for the user who requested the job (`ServiceContext.for_user`), or the system
  when nobody did; its session is the job's own and is committed by the runner on success
  and rolled back on any exception, so the job never commits.
- `job` is a detached snapshot of the row: read inputs from `job.params` (ids and plain
  values only, never ORM objects), `job.tenant_id`, `job.id`. Set `job.result_file_id` to
  attach a produced file; other changes to it are ignored.
- `progress(done, total, message)` shows progress on the job's page; call it as often as
  convenient (writes are throttled to about two a second). Each write is also the job's
  heartbeat: a job silent for JOB_STALE_MINUTES is taken for dead by `anjian sweep`
  unless rq still reports it running, so long jobs should report at least every minute.
- Return a JSON-serialisable dict stored as `job.result`, or None. The job page shows
  `result["summary"]` (a Chinese sentence) and `result["details"]` (a list of Chinese
  lines) when present; other keys are for API clients.
- Raise a `core.errors.DomainError` to fail with its Chinese message (not retryable); any
  other exception fails the job as "任务执行出错" and lets the user retry it.
- It must be safe to run twice (the runner skips a job that is no longer queued, but a
  retry runs the function again after a failure).

A sweep function has the signature `def sweep(ctx: ServiceContext) -> str | None` and runs
as the system from `anjian sweep` (cron) in its own transaction; it returns a one-line
summary for the operator. It must be idempotent: cron may run it at any interval.

The registry is process-wide on purpose: web processes, the CLI and rq work horses each
import the same registering modules (core.jobs.builtin from `init_executor`, plugins from
their own import), so a job enqueued in one process is found in another by its kind.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

DEFAULT_TIMEOUT = 3600


@dataclass(frozen=True)
class JobKind:
    kind: str
    func: str
    title: str
    roles: tuple[str, ...]
    bureau: bool | None
    timeout: int
    check: Callable | None = None


_kinds: dict[str, JobKind] = {}
_sweeps: dict[str, str] = {}


def _check_path(func: str) -> None:
    module, _, attr = func.partition(":")
    if not module or not attr:
        raise ValueError(f"function path must look like 'package.module:function', got {func!r}")


def register_job(kind: str, func: str, title: str, roles: tuple[str, ...] = ("admin",), *,
                 bureau: bool | None = None, timeout: int = DEFAULT_TIMEOUT,
                 check: Callable | None = None) -> JobKind:
    """Declare a job kind.

    kind: stable identifier stored on the row, e.g. "ledgers.import".
    func: dotted path "package.module:function" of the job function (imported when run).
    title: default Chinese title shown in the job list.
    roles: roles allowed to start it (checked by `service.enqueue` and again on retry).
    bureau: True for bureau users only, False for enterprise users only, None for both.
    timeout: seconds before rq stops the job (the inline executor has no limit).
    check: an extra permission check `check(ctx)` raising PermissionDenied, for rules the
        roles cannot express (e.g. top-level bureau only).

    Registering the same kind again with the same function is a no-op (modules may be
    imported under two names); a different function for a known kind is an error.
    """
    _check_path(func)
    spec = JobKind(kind, func, title, tuple(roles), bureau, timeout, check)
    known = _kinds.get(kind)
    if known is not None and known.func != func:
        raise ValueError(f"job kind {kind!r} is already registered to {known.func}")
    _kinds[kind] = spec
    return spec


def register_sweep(name: str, func: str) -> None:
    """Declare a periodic check run by `anjian sweep`, e.g. deadline reminders.
    `func` is "package.module:function" taking a system ServiceContext."""
    _check_path(func)
    known = _sweeps.get(name)
    if known is not None and known != func:
        raise ValueError(f"sweep {name!r} is already registered to {known}")
    _sweeps[name] = func


def job_kind(kind: str) -> JobKind | None:
    return _kinds.get(kind)


def job_kinds() -> list[JobKind]:
    return sorted(_kinds.values(), key=lambda k: k.kind)


def sweeps() -> list[tuple[str, str]]:
    """(name, function path) in registration order."""
    return list(_sweeps.items())


def resolve(func: str) -> Callable:
    """Import "package.module:function"."""
    module, _, attr = func.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj
