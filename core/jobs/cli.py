"""Background-job commands.

    anjian worker [--burst]
        Run an rq worker on ANJIAN_REDIS_URL, queue ANJIAN_RQ_QUEUE (default "anjian").
        Needs the same ANJIAN_* environment as the web processes (database, files).
        Run one or more per host under a process supervisor (systemd); --burst exits once
        the queue is empty. Without ANJIAN_REDIS_URL jobs run inside the web process and
        no worker is needed.

    anjian sweep
        Mark jobs whose process died as failed (retryable), then run every registered
        periodic sweep (deadline reminders, deemed filings ...), printing one line each;
        exit status 1 if any sweep failed. Run it from cron every ten minutes, as the
        service user with the service's environment:

            */10 * * * * anjian sweep

        A running job counts as interrupted when its heartbeat (written with each progress
        report) is older than ANJIAN_JOB_STALE_MINUTES (default 30) or, with rq, as soon as
        rq reports its work horse gone. Workers also mark a job failed the moment its work
        horse dies, so the sweep is the safety net.
"""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from core.jobs.runner import WorkerNotConfigured, run_sweeps, run_worker


@click.command("worker")
@click.option("--burst", is_flag=True, help="处理完队列中已有的任务后退出")
@with_appcontext
def worker(burst: bool) -> None:
    """Run an rq worker for background jobs (needs ANJIAN_REDIS_URL)."""
    app = current_app._get_current_object()
    try:
        run_worker(app, burst=burst)
    except WorkerNotConfigured as e:
        raise click.ClickException(str(e)) from None


@click.command("sweep")
@with_appcontext
def sweep() -> None:
    """Fail interrupted jobs and run every registered periodic sweep once (cron: */10 * * * *)."""
    outcomes = run_sweeps(current_app._get_current_object())
    for o in outcomes:
        click.echo(f"{'✓' if o.ok else '✗'} {o.name}：{o.summary}", err=not o.ok)
    failed = [o for o in outcomes if not o.ok]
    if failed:
        click.echo(f"{len(failed)} 项检查失败", err=True)
        sys.exit(1)
