"""What kinds of background job exist, and which periodic sweeps run.

An area declares its jobs and sweeps in its manifest (core/<area>/manifest.py), a plugin
returns them from its `anjian_job_kinds` / `anjian_sweeps` hooks; `create_app` gathers
both into one JobRegistry per app (`ctx.house.jobs`). Nothing is registered at import
time, so two apps in one process (tests, a CLI) never see each other's kinds.

    JobKind("ledgers.import", "core.ledgers.jobs:import_ledger", "导入台账",
            roles=("admin", "officer"))
    Sweep("filings.deadlines", "core.filings.review.service:sweep_deadlines")

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
  `result["summary"]` (a Chinese sentence), `result["details"]` (a list of Chinese lines)
  and a button to `result["link"]` (a path of this site, labelled `result["link_label"]`)
  when present; other keys are for API clients.
- Raise a `core.errors.DomainError` to fail with its Chinese message (not retryable); any
  other exception fails the job as "任务执行出错" and lets the user retry it.
- It must be safe to run twice (the runner skips a job that is no longer queued, but a
  retry runs the function again after a failure).

A sweep function has the signature `def sweep(ctx: ServiceContext) -> str | None` and runs
from `anjian sweep` (cron) in its own transaction; it returns a one-line summary for the
operator. A core sweep acts as the system; a plugin's sweep runs once for each
jurisdiction that enabled the plugin, scoped to it. It must be idempotent: cron may run it
at any interval.
"""
from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

DEFAULT_TIMEOUT = 3600


def _check_path(func: str) -> None:
    module, _, attr = func.partition(":")
    if not isinstance(func, str) or not module or not attr:
        raise ValueError(f"function path must look like 'package.module:function', got {func!r}")


@dataclass(frozen=True)
class JobKind:
    """A job kind.

    kind: stable identifier stored on the row, e.g. "ledgers.import".
    func: dotted path "package.module:function" of the job function (imported when run).
    title: default Chinese title shown in the job list.
    roles: roles allowed to start it (checked by `service.enqueue` and again on retry).
    bureau: True for bureau users only, False for enterprise users only, None for both.
    timeout: seconds before rq stops the job (the inline executor has no limit).
    check: an extra permission check `check(ctx)` raising PermissionDenied, for rules the
        roles cannot express (e.g. top-level bureau only).
    plugin: the plugin that contributed it (set by the registry; None for the core's).
    """

    kind: str
    func: str
    title: str
    roles: tuple[str, ...] = ("admin",)
    bureau: bool | None = None
    timeout: int = DEFAULT_TIMEOUT
    check: Callable | None = None
    plugin: str | None = None

    def __post_init__(self) -> None:
        _check_path(self.func)
        object.__setattr__(self, "roles", tuple(self.roles))


@dataclass(frozen=True)
class Sweep:
    """A periodic check run by `anjian sweep`; `func` is "package.module:function" taking a
    ServiceContext. `plugin` is set by the registry for a plugin's sweep."""

    name: str
    func: str
    plugin: str | None = None

    def __post_init__(self) -> None:
        _check_path(self.func)


class JobRegistry:
    """One app's job kinds and sweeps, filled by create_app and read-only afterwards."""

    def __init__(self) -> None:
        self._kinds: dict[str, JobKind] = {}
        self._sweeps: dict[str, Sweep] = {}

    def add(self, jobs: Iterable[JobKind] = (), sweeps: Iterable[Sweep] = (), plugin: str | None = None) -> None:
        """All or nothing: a kind or sweep already known (from the core or another plugin),
        or anything that is not a JobKind / Sweep, is refused with ValueError (in Chinese,
        shown as a plugin's failure) and nothing is kept."""
        kinds = _checked(jobs, JobKind, "kind", self._kinds, "anjian_job_kinds", "任务类型", plugin)
        checks = _checked(sweeps, Sweep, "name", self._sweeps, "anjian_sweeps", "定期检查", plugin)
        self._kinds.update(kinds)
        self._sweeps.update(checks)

    def remove_plugin(self, plugin: str) -> None:
        """A plugin that failed after loading takes its kinds and sweeps with it."""
        self._kinds = {k: v for k, v in self._kinds.items() if v.plugin != plugin}
        self._sweeps = {k: v for k, v in self._sweeps.items() if v.plugin != plugin}

    def job_kind(self, kind: str) -> JobKind | None:
        return self._kinds.get(kind)

    def job_kinds(self) -> list[JobKind]:
        return sorted(self._kinds.values(), key=lambda k: k.kind)

    def sweeps(self) -> list[Sweep]:
        """In registration order: the core's first, then the plugins'."""
        return list(self._sweeps.values())


def _checked(items: Iterable, cls: type, key: str, known: dict, hook: str, what: str, plugin: str | None) -> dict:
    out: dict = {}
    for item in items:
        if not isinstance(item, cls):
            raise ValueError(f"{hook} 应返回 {cls.__name__} 列表，其中有 {type(item).__name__}")
        name = getattr(item, key)
        if name in known or name in out:
            raise ValueError(f"{what}“{name}”已存在")
        out[name] = replace(item, plugin=plugin)
    return out


def resolve(func: str) -> Callable:
    """Import "package.module:function"."""
    module, _, attr = func.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj
