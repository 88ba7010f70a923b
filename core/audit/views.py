from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from core.audit import labels
from core.audit import service as audit
from core.audit.web import parse_filter
from core.web import request as req
from core.web.paging import page_of
from tenants import service as tenants

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")
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
