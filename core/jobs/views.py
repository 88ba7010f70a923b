"""Job pages: the tenant's job list, one job with a live progress bar, retry, and the
bureau admin's button that starts an audit-chain check."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.jobs import service
from core.web import request as req
from core.web.paging import page_of, query_of

bp = Blueprint("jobs", __name__, url_prefix="/jobs", template_folder="templates")
PAGE = 50


@bp.get("")
def list_jobs():  # noqa: ANN201
    ctx = req.ctx()
    q, paging = query_of(request.args), page_of(request.args, PAGE)
    rows = service.list_jobs(ctx, q=q, limit=paging.limit, offset=paging.offset)
    return render_template("jobs/list.html", rows=rows, paging=paging, total=service.count_jobs(ctx, q=q), q=q,
                           args=request.args, names=service.requester_names(ctx, rows),
                           can_verify_audit=service.can_enqueue(ctx, "audit.verify"))


@bp.get("/<int:job_id>")
def show_job(job_id: int):  # noqa: ANN201
    ctx = req.ctx()
    job = service.get_job(ctx, job_id)
    return render_template("jobs/detail.html", job=job, names=service.requester_names(ctx, [job]))


@bp.post("/<int:job_id>/retry")
def retry_job(job_id: int):  # noqa: ANN201
    service.retry_job(req.ctx(), job_id)
    flash(_("任务已重新提交"))
    return redirect(url_for("jobs.show_job", job_id=job_id))


@bp.post("/audit-verify")
def start_audit_verify():  # noqa: ANN201
    job = service.enqueue(req.ctx(), "audit.verify", {})
    flash(_("已开始校验审计链"))
    return redirect(url_for("jobs.show_job", job_id=job.id))
