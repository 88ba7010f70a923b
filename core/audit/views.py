from __future__ import annotations

from datetime import datetime, timedelta

from flask import Blueprint, render_template, request, url_for

from core.audit import labels, service as audit
from core.errors import ValidationFailed
from core.web import request as req
from core.web.paging import id_of, page_of, query_of
from tenants import service as tenants

bp = Blueprint("audit", __name__, url_prefix="/audit")
PAGE = 50

# Where an event's object opens: endpoint and how its id is passed (None: a list page).
OBJECT_PAGES = {
    "filing": ("filings.detail", "filing_id"), "tenant": ("tenants.detail", "tenant_id"),
    "file": ("files.download", "file_id"), "drill": ("drills.index", None),
    "checklist": ("checklists.detail", "run_id"), "user": ("users.edit_user", "user_id"),
    "job": ("jobs.show_job", "job_id"),
}


def object_url(object_type: str, object_id: str) -> str | None:
    endpoint, arg = OBJECT_PAGES.get(object_type, (None, None))
    if endpoint is None:
        return None
    if arg is None:
        return url_for(endpoint)
    extra = {"inline": 1} if object_type == "file" else {}
    return url_for(endpoint, **{arg: int(object_id)}, **extra)


def parse_filter(args) -> audit.AuditFilter:  # noqa: ANN001
    """Query-string filter shared by the page and the API. Dates are Beijing dates."""
    def day(name: str) -> datetime | None:
        raw = args.get(name)
        if not raw:
            return None
        try:
            return datetime.strptime(raw, "%Y-%m-%d") - timedelta(hours=8)
        except (ValueError, OverflowError):  # 0001-01-01 minus eight hours is before datetime.min
            raise ValidationFailed({name: ["日期格式应为 YYYY-MM-DD"]}) from None
    until = day("until")
    return audit.AuditFilter(action=args.get("action") or None, object_type=args.get("object_type") or None,
                             actor=(args.get("actor") or "").strip() or None, tenant_id=_id(args, "tenant_id"),
                             since=day("since"), until=until + timedelta(days=1) if until else None,
                             q=query_of(args))


def _id(args, name: str) -> int | None:  # noqa: ANN001
    """An id filter; a value that is no id is refused (the API's callers learn of it)."""
    value = id_of(args, name)
    if value is None and args.get(name):
        raise ValidationFailed({name: ["编号无效"]})
    return value


@bp.get("")
def events():  # noqa: ANN201
    ctx = req.ctx()
    flt = parse_filter(request.args)
    paging = page_of(request.args, PAGE)
    rows = audit.list_events(ctx, flt, limit=paging.limit, offset=paging.offset)
    units = tenants.list_tenants(ctx)
    return render_template("audit/events.html", rows=rows, paging=paging, total=audit.count_events(ctx, flt),
                           args=request.args, flt=flt, units=units, unit_names={u.id: u.name for u in units},
                           names=audit.event_names(ctx, rows), object_url=object_url,
                           action_groups=labels.action_groups(), known_actions=labels.ACTIONS,
                           object_types=labels.OBJECT_TYPES)
