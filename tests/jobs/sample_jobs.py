"""Job kinds used by the job tests, declared in a manifest the way an area declares its own
(the tests' apps load it through MANIFESTS_EXTRA), plus helpers shared by the test modules
(reading rows, running a real rq worker)."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from core.context import ServiceContext
from core.errors import Conflict
from core.house import Manifest
from core.jobs.models import Job
from core.jobs.registry import JobKind, Sweep
from tenants.models import Section

ROOT = Path(__file__).resolve().parents[2]
ANY_ROLE = ("admin", "reviewer", "officer", "viewer")

MANIFEST = Manifest("tests.jobs", jobs=(
    JobKind("tests.progress", "tests.jobs.sample_jobs:report_progress", "测试：进度", roles=ANY_ROLE),
    JobKind("tests.sections", "tests.jobs.sample_jobs:write_sections", "测试：写入股室", roles=ANY_ROLE),
    JobKind("tests.refuse", "tests.jobs.sample_jobs:refuse", "测试：业务拒绝", roles=ANY_ROLE),
    JobKind("tests.report", "tests.jobs.sample_jobs:write_report", "测试：生成报表", roles=ANY_ROLE),
    JobKind("tests.crash", "tests.jobs.sample_jobs:crash_halfway", "测试：进程中途退出", roles=("admin",)),
))
SAMPLE = "tests.jobs.sample_jobs:MANIFEST"
# Apart, so only the test of failing sweeps runs them.
SWEEPS = Manifest("tests.sweeps", sweeps=(Sweep("tests.broken", "tests.jobs.sample_jobs:broken_sweep"),
                                           Sweep("tests.writing", "tests.jobs.sample_jobs:writing_sweep")))


def section_prefix(job_id: int) -> str:
    return f"任务{job_id}写入"


def _write(ctx: ServiceContext, job: Job, count: int) -> None:
    for i in range(count):
        ctx.session.add(Section(tenant_id=job.tenant_id, name=f"{section_prefix(job.id)}{i}"))
    ctx.session.flush()


def _observe(job_id: int) -> list:
    """The job row as another session (the job page) sees it."""
    with current_app.extensions["anjian.db"].session() as s:
        ServiceContext.system(s)
        row = s.get(Job, job_id)
        return [row.status, row.progress, row.message]


def report_progress(ctx: ServiceContext, job: Job, progress) -> dict:  # noqa: ANN001
    progress(1, 4, "第一步")
    first = _observe(job.id)
    progress(2, 4, "第二步")  # within the throttle interval: not written
    second = _observe(job.id)
    return {"first": first, "second": second, "actor": ctx.actor.username, "summary": "进度测试完成"}


def write_sections(ctx: ServiceContext, job: Job, progress) -> dict:  # noqa: ANN001
    """Writes params["count"] sections, then fails while attempts <= params["fail_attempts"]."""
    count = job.params.get("count", 3)
    _write(ctx, job, count)
    progress(count, count * 2, "已写入")
    if job.attempts <= job.params.get("fail_attempts", 0):
        raise RuntimeError("模拟的程序故障")
    return {"written": count, "summary": f"写入 {count} 个股室"}


def write_report(ctx: ServiceContext, job: Job, progress) -> dict:  # noqa: ANN001
    """Produces an xlsx through the files service and attaches it as the job's result file."""
    import io

    import xlsxwriter
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    book.add_worksheet("统计").write_row(0, 0, ["企业", "隐患数"])
    book.close()
    buf.seek(0)
    stored = current_app.extensions["anjian.files"].store_upload(ctx, buf, "统计报表.xlsx")
    job.result_file_id = stored.id
    return {"summary": "报表已生成"}


def refuse(ctx: ServiceContext, job: Job, progress) -> None:  # noqa: ANN001
    raise Conflict("当前状态不允许执行该操作")


def crash_halfway(ctx: ServiceContext, job: Job, progress) -> dict:  # noqa: ANN001
    """Writes rows, then the process dies (like an OOM kill) while attempts <= params["crash_attempts"]."""
    from rq import get_current_job
    if get_current_job() is None:
        raise RuntimeError("只能在 rq 工作进程中运行")  # never kill the test process itself
    _write(ctx, job, 3)
    progress(1, 2, "写入一半")
    if job.attempts <= job.params.get("crash_attempts", 1):
        os._exit(1)
    return {"summary": "第二次执行完成"}


# --- sweeps (registered per test with monkeypatch, so other areas' sweep runs stay clean) ---

SWEEP_SECTION = "巡检写入"


def _bureau_id(ctx: ServiceContext) -> int:
    from tenants.models import Tenant
    return ctx.session.scalar(select(Tenant.id).where(Tenant.region_code == "150626", Tenant.kind == "bureau"))


def writing_sweep(ctx: ServiceContext) -> str:
    ctx.session.add(Section(tenant_id=_bureau_id(ctx), name=SWEEP_SECTION))
    return "已写入 1 条"


def broken_sweep(ctx: ServiceContext) -> str:
    ctx.session.add(Section(tenant_id=_bureau_id(ctx), name=SWEEP_SECTION + "（不应保存）"))
    ctx.session.flush()
    raise RuntimeError("sweep bug")


# --- helpers ---

def find_job(app, job_id: int) -> Job | None:  # noqa: ANN001
    with app.extensions["anjian.db"].session() as s:
        ServiceContext.system(s)
        return s.get(Job, job_id)


def load_job(app, job_id: int) -> Job:  # noqa: ANN001
    job = find_job(app, job_id)
    assert job is not None, f"job {job_id} missing"
    return job


def count_sections(app, job_id: int) -> int:  # noqa: ANN001
    with app.extensions["anjian.db"].session() as s:
        ServiceContext.system(s)
        return s.scalar(select(func.count()).select_from(Section)
                        .where(Section.name.like(section_prefix(job_id) + "%")))


def use_rq(app, redis_url: str) -> str:  # noqa: ANN001
    """Switch the app to the rq executor on a queue of its own."""
    from core.jobs.runner import init_executor
    app.config["REDIS_URL"] = redis_url
    app.config["RQ_QUEUE"] = f"anjian-test-{uuid.uuid4().hex[:10]}"
    init_executor(app)
    return app.config["RQ_QUEUE"]


def drop_queue(app) -> None:  # noqa: ANN001
    """Leave nothing of the test's queue in Redis: queued, finished and failed rq jobs."""
    from rq.job import Job as RqJob
    executor = app.extensions["anjian.executor"]
    queue = executor.queue()
    ids = set(queue.finished_job_registry.get_job_ids()) | set(queue.failed_job_registry.get_job_ids())
    for rq_job in RqJob.fetch_many(list(ids), connection=executor.redis):
        if rq_job is not None:
            rq_job.delete()
    queue.delete(delete_jobs=True)
    executor.redis.close()


WORKER = """
from core.app import create_app
from core.jobs.runner import run_worker
app = create_app()
with app.app_context():
    run_worker(app, burst=True)
"""

# A bare rq worker without Anjian's work-horse hook: only the sweep can notice a death.
BARE_RQ_WORKER = """
from redis import Redis
from rq import Worker
from core.app import create_app
app = create_app()
with app.app_context():
    Worker([app.config["RQ_QUEUE"]], connection=Redis.from_url(app.config["REDIS_URL"])).work(burst=True)
"""


def run_worker_process(app, tmp_path, script: str = WORKER) -> subprocess.CompletedProcess:  # noqa: ANN001
    """A real rq worker in another process, on the test's database, Redis and queue."""
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "ANJIAN_DATABASE_URL": app.config["DATABASE_URL"], "ANJIAN_REDIS_URL": app.config["REDIS_URL"],
           "ANJIAN_RQ_QUEUE": app.config["RQ_QUEUE"], "ANJIAN_FILES_DIR": app.config["FILES_DIR"],
           "ANJIAN_INSTANCE_PATH": str(tmp_path / "worker-instance"), "ANJIAN_SECRET_KEY": "test",
           "ANJIAN_MANIFESTS_EXTRA": ";".join(app.config.get("MANIFESTS_EXTRA") or ())}
    proc = subprocess.run([sys.executable, "-c", script], env=env, cwd=str(ROOT), capture_output=True,
                          text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return proc
