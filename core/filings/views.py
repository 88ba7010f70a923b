"""Pages of emergency-plan filing (应急预案备案): the enterprise's filings and the bureau's
inbox, one filing with its materials checklist, upload form, returns and workflow buttons."""
from __future__ import annotations

import io

from flask import (
    Blueprint,
    current_app,
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
from core.filings import rules, service
from core.filings.models import STATUSES
from core.web import request as req
from tenants import service as tenants

bp = Blueprint("filings", __name__, url_prefix="/filings")


def _store() -> files.FileStore:
    return current_app.extensions["anjian.files"]


def _index(status: int = 200, error: DomainError | None = None, posted: dict | None = None):
    ctx = req.ctx()
    args = request.args
    is_bureau = ctx.actor.is_bureau
    state = args.get("status") if args.get("status") in STATUSES else None
    overdue = {"1": True, "0": False}.get(args.get("overdue", ""))
    enterprise_id = args.get("enterprise", type=int) if is_bureau else None
    today = service.beijing_today()
    filings = service.list_filings(ctx, state, overdue, enterprise_id, today=today)
    return render_template(
        "filings/index.html", filings=filings, statuses=STATUSES, status=state, overdue=overdue,
        enterprise_id=enterprise_id, is_bureau=is_bureau, today=today,
        enterprises=[(t.id, t.name) for t in tenants.list_tenants(ctx, kind="enterprise")] if is_bureau else [],
        form=posted or {}, error=error, errors=error.errors if error else {},
    ), status


@bp.get("")
def index():
    return _index()[0]


@bp.post("")
def create():
    ctx = req.ctx()
    form = {"title": request.form.get("title", ""), "published_on": request.form.get("published_on", "")}
    try:
        filing = service.create_filing(ctx, form)
        req.commit()
    except DomainError as e:
        req.db().rollback()
        return _index(e.status, e, posted=form)
    flash(_("已创建备案草稿，请按清单上传备案材料"))
    return redirect(url_for("filings.detail", filing_id=filing.id), 303)


def _detail(filing_id: int, status: int = 200, error: DomainError | None = None,
            posted: dict | None = None):
    ctx = req.ctx()
    filing = service.get_filing(ctx, filing_id)
    today = service.beijing_today()
    returns = service.returns_of(ctx, filing)
    materials = service.materials_of(ctx, filing)
    by_key: dict[str, list] = {}
    for m in materials:
        by_key.setdefault(m.material, []).append(m)
    return render_template(
        "filings/detail.html", filing=filing, today=today, bureau_name=service.bureau_name(ctx, filing),
        returns=returns, by_key=by_key,
        completeness=service.completeness(ctx, filing), missing=service.missing_materials(ctx, filing),
        labels=rules.MATERIALS, actions=service.actions(ctx, filing),
        names=service.people(ctx, {r.returned_by for r in returns} | {filing.accepted_by, filing.created_by}),
        editable=service.can_edit(ctx, filing), filing_deadline=service.filing_deadline_of(ctx, filing),
        days_left=service.review_days_left(ctx, filing, today), overdue=filing.overdue(today),
        posted=MultiDict(posted or {}), error=error, errors=error.errors if error else {},
    ), status


@bp.get("/<int:filing_id>")
def detail(filing_id: int):
    return _detail(filing_id)[0]


@bp.post("/<int:filing_id>/materials")
def upload(filing_id: int):
    ctx = req.ctx()
    service.get_filing(ctx, filing_id)  # another tenant's filing: 404 before the body is looked at
    posted = {"material": request.form.get("material", ""), "name": request.form.get("name", "")}
    try:
        sent = request.files.get("file")
        if sent is None or not sent.filename:
            stream, filename = io.BytesIO(), ""
        else:
            stream, filename = sent.stream, sent.filename
        service.add_material(ctx, _store(), filing_id, posted["material"] or None, stream, filename,
                             posted["name"] or None)
        req.commit()
    except DomainError as e:
        req.db().rollback()
        return _detail(filing_id, e.status, e, posted=posted)
    flash(_("已上传：%(label)s", label=rules.MATERIALS[posted["material"]]))
    return redirect(url_for("filings.detail", filing_id=filing_id) + "#materials", 303)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_e):
    """The whole request exceeded MAX_CONTENT_LENGTH (refused before the body was read)."""
    message = _("文件过大：不得超过 %(size)s", size=files.human_size(_store().max_bytes))
    filing_id = (request.view_args or {}).get("filing_id")
    if req.ctx() is None or filing_id is None:
        return message, 413
    return _detail(filing_id, 413, TooLarge(message, {"file": [message]}))


@bp.post("/<int:filing_id>/materials/<int:material_id>/remove")
def remove(filing_id: int, material_id: int):
    ctx = req.ctx()
    service.get_filing(ctx, filing_id)
    try:
        service.remove_material(ctx, filing_id, material_id)
        req.commit()
    except DomainError as e:
        req.db().rollback()
        return _detail(filing_id, e.status, e)
    flash(_("已删除该份材料"))
    return redirect(url_for("filings.detail", filing_id=filing_id) + "#materials", 303)


def _posted_items() -> list[dict]:
    """Ticked checkboxes "item" (material keys) with their notes "note:<material>"."""
    return [{"material": key, "note": request.form.get(f"note:{key}", "")}
            for key in request.form.getlist("item")]


@bp.post("/<int:filing_id>/transitions")
def transition(filing_id: int):
    ctx = req.ctx()
    service.get_filing(ctx, filing_id)
    action = request.form.get("action", "")
    items = _posted_items() if action == "return" else None
    try:
        filing = service.transition(ctx, filing_id, action, request.form.get("version", type=int),
                                    request.form.get("comment"), items)
        req.commit()
    except DomainError as e:
        req.db().rollback()
        return _detail(filing_id, e.status, e, posted=request.form)
    done = {"submit": _("备案材料已提交，等待应急管理局审查"), "resubmit": _("补正材料已重新提交"),
            "withdraw": _("备案已撤回"), "return": _("已退回企业补正（一次性告知）"),
            "accept": _("已准予备案，备案编号 %(no)s", no=filing.filing_no or "")}
    flash(done.get(action, _("已办理")))
    return redirect(url_for("filings.detail", filing_id=filing_id), 303)
