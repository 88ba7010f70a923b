"""What rq work horses run, by dotted path (core.jobs.executor.RUN_JOB / RUN_TASK).

A work horse forked by `anjian worker` inherits that command's app and its context; a bare
`rq worker` has neither, so the app is built once per process from the environment, as
`anjian` builds it. This module sits above the app factory, so the runner below never
needs to import it."""
from __future__ import annotations

from flask import Flask, current_app, has_app_context

from core.app import create_app
from core.jobs import runner

_process_app: Flask | None = None


def process_app() -> Flask:
    global _process_app
    if has_app_context():
        return current_app._get_current_object()
    if _process_app is None:
        _process_app = create_app()
    return _process_app


def run_job(job_id: int) -> str:
    """One job row; returns "done", "failed" or "skipped"."""
    return runner.execute(process_app(), int(job_id))


def run_task(func: str) -> None:
    """A task queued after commit ("package.module:function" taking the app)."""
    runner.run_task(process_app(), func)
