"""Job pages: the tenant's job list, one job with a live progress bar, retry, and the
bureau admin's button that starts an audit-chain check."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.jobs import service
from core.web import request as req

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
PAGE = 50


@bp.get("")
def list_jobs():  # noqa: ANN201
    ctx = req.ctx()
    page = max(request.args.get("page", 1, type=int), 1)
    rows = service.list_jobs(ctx, limit=PAGE + 1, offset=(page - 1) * PAGE)
    return render_template("jobs/list.html", rows=rows[:PAGE], has_next=len(rows) > PAGE, page=page,
                           names=service.requester_names(ctx, rows),
                           can_verify_audit=service.can_enqueue(ctx, "audit.verify"))


@bp.get("/<int:job_id>")
def show_job(job_id: int):  # noqa: ANN201
    ctx = req.ctx()
    job = service.get_job(ctx, job_id)
    return render_template("jobs/detail.html", job=job, names=service.requester_names(ctx, [job]))


@bp.post("/<int:job_id>/retry")
def retry_job(job_id: int):  # noqa: ANN201
    service.retry_job(req.ctx(), job_id)
    req.commit()
    flash(_("任务已重新提交"))
    return redirect(url_for("jobs.show_job", job_id=job_id))


@bp.post("/audit-verify")
def start_audit_verify():  # noqa: ANN201
    job = service.enqueue(req.ctx(), "audit.verify", {})
    req.commit()
    flash(_("已开始校验审计链"))
    return redirect(url_for("jobs.show_job", job_id=job.id))
