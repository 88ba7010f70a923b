from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, render_template, request

from core.audit import service as audit
from core.errors import ValidationFailed
from core.web import request as req
from tenants import service as tenants

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE = 50


def parse_filter(args) -> audit.AuditFilter:  # noqa: ANN001
    """Query-string filter shared by the page and the API. Dates are Beijing dates."""
    def day(name: str) -> datetime | None:
        raw = args.get(name)
        if not raw:
            return None
        try:
            return datetime.strptime(raw, "%Y-%m-%d") - timedelta(hours=8)
        except ValueError:
            raise ValidationFailed({name: ["日期格式应为 YYYY-MM-DD"]}) from None
    until = day("until")
    return audit.AuditFilter(action=args.get("action") or None, object_type=args.get("object_type") or None,
                             actor=args.get("actor") or None, tenant_id=args.get("tenant_id", type=int),
                             since=day("since"), until=until + timedelta(days=1) if until else None)


@bp.get("")
def events():  # noqa: ANN201
    ctx = req.ctx()
    page = max(request.args.get("page", 1, type=int), 1)
    rows = audit.list_events(ctx, parse_filter(request.args), limit=PAGE + 1, offset=(page - 1) * PAGE)
    return render_template("audit/events.html", rows=rows[:PAGE], has_next=len(rows) > PAGE, page=page,
                           args=request.args, units=tenants.list_tenants(ctx))
