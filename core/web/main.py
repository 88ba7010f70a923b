"""The landing dashboard: one shell per tenant kind."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from core.auth import service as auth
from core.calendar import service as calendar
from core.campaigns import tasks as campaign_tasks
from core.filings.overview import service as overview
from core.jobs import service as jobs
from core.notifications import service as notifications
from core.web import request as req
from tenants import service as tenants
from tenants.models import INDUSTRIES, STATUSES

bp = Blueprint("main", __name__)


@bp.get("/")
def index():  # noqa: ANN201
    return redirect(url_for("main.dashboard"))


@bp.get("/dashboard")
def dashboard():  # noqa: ANN201
    ctx = req.ctx()
    me = tenants.get_tenant(ctx, ctx.actor.tenant_id)
    common = {"me": me, "inbox": notifications.inbox(ctx, unread_only=True, limit=5),
              "jobs": jobs.list_jobs(ctx, limit=5)}
    today = calendar.beijing_today()
    if me.is_bureau:
        return render_template("dashboard_bureau.html", summary=tenants.jurisdiction_summary(ctx),
                               calendar_year=calendar.reminder_for(ctx, today),
                               filings=overview.summary(ctx),
                               industries=INDUSTRIES, statuses=STATUSES,
                               users=len(auth.list_users(ctx)) if ctx.actor.role in ("admin", "reviewer") else None,
                               campaigns=campaign_tasks.dashboard(ctx), today=today, **common)
    return render_template("dashboard_enterprise.html", parent_name=tenants.parent_name(ctx, me),
                           filing=overview.enterprise_view(ctx), today=today,
                           section=tenants.supervising_section(ctx, me.id),
                           campaigns=campaign_tasks.dashboard(ctx), **common)
