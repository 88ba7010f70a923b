"""Background jobs over JSON. The job page polls GET /api/v1/jobs/<id> with the browser
session; scripts use a Bearer token. Another tenant's job answers 404."""
from __future__ import annotations

from flask_smorest import Blueprint

from core.api.auth import api_ctx
from core.jobs import service
from core.jobs.schemas import JobOut, JobQuery
from core.schema import page, page_of

blp = Blueprint("api_jobs", __name__, url_prefix="/jobs", description="后台任务：进度、结果与重试")


@blp.get("")
@blp.arguments(JobQuery, location="query")
@blp.response(200, page_of(JobOut))
def list_jobs(args: dict):  # noqa: ANN201
    """本单位的任务，新的在前。查询参数：status（queued/running/done/failed）、limit、offset。"""
    ctx = api_ctx()
    return page(service.list_jobs(ctx, status=args["status"], limit=args["limit"], offset=args["offset"]),
                service.count_jobs(ctx, status=args["status"]), args)


@blp.get("/<int:job_id>")
@blp.response(200, JobOut)
def get_job(job_id: int):  # noqa: ANN201
    """任务的状态、进度（0–100）、当前步骤、结果或错误。"""
    return service.get_job(api_ctx(), job_id)


@blp.post("/<int:job_id>/retry")
@blp.response(200, JobOut)
def retry_job(job_id: int):  # noqa: ANN201
    """重新执行失败且可重试的任务；其他状态返回 409。"""
    ctx = api_ctx()
    service.retry_job(ctx, job_id)
    # Inline execution has run the job during the commit: answer with its current state.
    return service.get_job(ctx, job_id)
