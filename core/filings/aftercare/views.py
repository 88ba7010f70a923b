"""Pages of emergency drills (应急演练, 第三十三、三十四条): an enterprise's drill obligations
under its filing in force, its drills and the form to record one; a bureau's view of its
jurisdiction's drills and of the enterprises with drills overdue (read-only)."""
from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from core.errors import DomainError, TooLarge
from core.files import service as files
from core.filings.aftercare import service as aftercare
from core.filings.models import DRILL_KINDS
from core.filings.review import service
from core.web import request as req
from core.web.paging import id_of, page_of, query_of
from tenants import service as tenants

bp = Blueprint("drills", __name__, url_prefix="/drills", template_folder="../templates")

FIELDS = ("kind", "held_on", "plan_name", "scenario", "participants", "participant_units")
PAGE = 50


def _index(status: int = 200, error: DomainError | None = None, posted: MultiDict | None = None):
    ctx = req.ctx()
    today = service.beijing_today()
    is_bureau = ctx.actor.is_bureau
    q = query_of(request.args)
    paging = page_of(request.args, PAGE)
    enterprise_id = id_of(request.args, "enterprise") if is_bureau else None
    page = {"is_bureau": is_bureau, "today": today, "kinds": DRILL_KINDS, "posted": posted or MultiDict(),
            "error": error, "errors": error.errors if error else {}, "q": q or "", "paging": paging,
            "drills": aftercare.list_drills(ctx, enterprise_id, paging.limit, offset=paging.offset, q=q),
            "total": aftercare.count_drills(ctx, enterprise_id, q=q),
            "args": {k: v for k, v in request.args.items() if k in ("enterprise", "q")}}
    if is_bureau:
        enterprises = {t.id: t.name for t in tenants.list_tenants(ctx, kind="enterprise")}
        page.update(enterprise_id=enterprise_id, enterprises=enterprises, overdue=aftercare.overdue_drills(ctx, today))
    else:
        in_force = aftercare.filing_in_force(ctx, ctx.actor.tenant_id)
        page.update(in_force=in_force,
                    status=aftercare.drill_status(ctx, in_force, today) if in_force else None,
                    onsite=aftercare.onsite_plans(ctx, in_force) if in_force else [],
                    recordable=ctx.actor.has_role(*service.ENTERPRISE_ROLES))
    return render_template("filings/drills.html", **page), status


@bp.get("")
def index():
    return _index()[0]


@bp.post("")
def record():
    """第三十三、三十四条: the enterprise records a drill with its evaluation report."""
    ctx = req.ctx()
    posted = MultiDict({k: request.form.get(k, "") for k in FIELDS})
    data = {k: (posted[k] or None) for k in FIELDS}
    try:
        aftercare.record_drill(ctx, data, *req.uploaded_file())
    except DomainError as e:
        req.doom()
        return _index(e.status, e, posted)
    flash(_("已登记演练"))
    return redirect(url_for("drills.index"), 303)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_e):
    """The whole request exceeded MAX_CONTENT_LENGTH (refused before the body was read)."""
    message = _("文件过大：不得超过 %(size)s", size=files.human_size(req.ctx().house.files.max_bytes))
    if req.ctx() is None:
        return message, 413
    return _index(413, TooLarge(message, {"file": [message]}))
