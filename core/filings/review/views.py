"""Pages of emergency-plan filing (应急预案备案): the enterprise's filings and the bureau's
inbox, one filing with its materials checklist, upload form, returns and workflow buttons."""
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
from core.exports import formats_for
from core.files import service as files
from core.filings import rules
from core.filings.aftercare import service as aftercare
from core.filings.models import EVALUATION_CONCLUSIONS, FILED_STATES, STATUSES
from core.filings.review import certificate as certificates
from core.filings.review import notice as notices
from core.filings.review import service
from core.pdf import cn_date
from core.web import request as req
from core.web.paging import id_of, page_of, query_of
from tenants import service as tenants

bp = Blueprint("filings", __name__, url_prefix="/filings", template_folder="../templates")


PAGE = 50


def list_filters(default_status: str | None = None) -> dict:
    """The filings list's query string as service filters (the page, the overview list and
    its export read it the same way). `default_status` applies while no status is chosen
    at all ("all" chooses every status)."""
    args = request.args
    status = args.get("status") or default_status
    return {"status": status if status in STATUSES else None,
            "overdue": {"1": True, "0": False}.get(args.get("overdue", "")),
            "enterprise_id": id_of(args, "enterprise"), "q": query_of(args)}


def _index(status: int = 200, error: DomainError | None = None, posted: dict | None = None):
    ctx = req.ctx()
    args = request.args
    is_bureau = ctx.actor.is_bureau
    # A bureau opens the list to what awaits its review; the status filter shows the rest.
    filters = list_filters("submitted" if is_bureau else None)
    if not is_bureau:
        filters["enterprise_id"] = None
    today = service.beijing_today()
    paging = page_of(args, PAGE)
    filings = service.list_filings(ctx, **filters, today=today, limit=paging.limit, offset=paging.offset)
    total = service.count_filings(ctx, **filters, today=today)
    return render_template(
        "filings/index.html", filings=filings, statuses=STATUSES, status=filters["status"],
        overdue=filters["overdue"], enterprise_id=filters["enterprise_id"], q=filters["q"] or "",
        is_bureau=is_bureau, today=today, is_admin=ctx.actor.role == "admin", paging=paging, total=total,
        formats=formats_for(ctx) if is_bureau else [],
        # Links (pages, export) carry the status shown, also when it is the inbox's default.
        filters={k: v for k, v in {**args, "status": args.get("status") or filters["status"] or "all"}.items()
                 if k in ("status", "overdue", "enterprise", "q") and v},
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
    except DomainError as e:
        req.doom()
        return _index(e.status, e, posted=form)
    flash(_("已创建备案草稿，请按清单上传备案材料"))
    return redirect(url_for("filings.detail", filing_id=filing.id), 303)


def _aftercare(ctx, filing, today) -> dict:  # noqa: ANN001
    """What the page shows of a filed (or superseded) plan set: evaluations, revision
    triggers and the versions it belongs to."""
    if filing.status not in (*FILED_STATES, "superseded"):
        return {"aftercare": False}
    versions = aftercare.versions_of(ctx, filing)
    here = next((i for i, v in enumerate(versions) if v.id == filing.id), None)
    following = versions[here + 1] if here is not None and here + 1 < len(versions) else None
    due = filing.evaluation_due
    return {
        "aftercare": True, "evaluations": aftercare.evaluations_of(ctx, filing),
        "triggers": aftercare.triggers_of(ctx, filing), "versions": versions,
        "by_id": {v.id: v for v in versions},
        # A revision already under way (draft, submitted or returned), or the version that replaced this one.
        "pending_revision": following if following and following.status in aftercare.OPEN_REVISION_STATES else None,
        "replaced_by": following if filing.status == "superseded" else None,
        "recordable": aftercare.record_refusal(ctx, filing) is None,
        "evaluation_soon": due is not None and (due - today).days <= rules.EVALUATION_REMINDER_DAYS[0],
        "conclusions": EVALUATION_CONCLUSIONS, "revision_triggers": rules.REVISION_TRIGGERS,
        "refiling_changes": rules.REFILING_CHANGES,
    }


def _detail(filing_id: int, status: int = 200, error: DomainError | None = None,
            posted: dict | None = None, which: str = ""):
    """The filing page; `which` names the form whose values and field errors are shown
    again (evaluation, trigger, settle:<id>, revision; empty: the materials and actions)."""
    ctx = req.ctx()
    today = service.beijing_today()
    filing = service.read_filing(ctx, filing_id, today)
    returns = service.returns_of(ctx, filing)
    materials = service.materials_of(ctx, filing)
    by_key: dict[str, list] = {}
    for m in materials:
        by_key.setdefault(m.material, []).append(m)
    latest = returns[-1] if returns and filing.status == "returned" else None
    return render_template(
        "filings/detail.html", filing=filing, today=today, bureau_name=service.bureau_name(ctx, filing),
        returns=returns, by_key=by_key, next_step=service.next_step(ctx, filing, today),
        uncorrected=service.uncorrected(ctx, filing), returnable=service.returnable(ctx, filing),
        correction_notes={i["material"]: i["note"] for i in latest.items} if latest else {},
        history=service.history(ctx, filing),
        completeness=service.completeness(ctx, filing), missing=service.missing_materials(ctx, filing),
        labels=rules.MATERIALS, actions=service.actions(ctx, filing),
        names=service.people(ctx, {r.returned_by for r in returns} | {filing.accepted_by, filing.created_by}),
        editable=service.edit_refusal(ctx, filing) is None, filing_deadline=service.filing_deadline_of(ctx, filing),
        clock=service.review_clock(ctx, filing, today), late=service.late_now(ctx, filing),
        posted=MultiDict(posted or {}), error=error, errors=error.errors if error else {}, which=which,
        **_aftercare(ctx, filing, today),
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
        service.add_material(ctx, filing_id, posted["material"] or None, *req.uploaded_file(),
                             posted["name"] or None)
    except DomainError as e:
        req.doom()
        return _detail(filing_id, e.status, e, posted=posted)
    flash(_("已上传：%(label)s", label=rules.MATERIALS[posted["material"]]))
    return redirect(url_for("filings.detail", filing_id=filing_id) + "#materials", 303)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_e):
    """The whole request exceeded MAX_CONTENT_LENGTH (refused before the body was read)."""
    message = _("文件过大：不得超过 %(size)s", size=files.human_size(req.ctx().house.files.max_bytes))
    filing_id = (request.view_args or {}).get("filing_id")
    if req.ctx() is None or filing_id is None:
        return message, 413
    which = "evaluation" if request.endpoint == "filings.evaluate" else ""
    return _detail(filing_id, 413, TooLarge(message, {"file": [message]}), which=which)


@bp.post("/<int:filing_id>/materials/<int:material_id>/remove")
def remove(filing_id: int, material_id: int):
    ctx = req.ctx()
    service.get_filing(ctx, filing_id)
    try:
        service.remove_material(ctx, filing_id, material_id)
    except DomainError as e:
        req.doom()
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
    except DomainError as e:
        req.doom()
        return _detail(filing_id, e.status, e, posted=request.form)
    done = {"submit": _("备案材料已提交，等待应急管理局审查"), "resubmit": _("补正材料已重新提交"),
            "withdraw": _("备案已撤回"), "return": _("已退回企业补正（一次性告知）"),
            "accept": _("已准予备案，备案编号 %(no)s", no=filing.filing_no or "")}
    flash(done.get(action, _("已办理")))
    return redirect(url_for("filings.detail", filing_id=filing_id), 303)


@bp.post("/<int:filing_id>/evaluations")
def evaluate(filing_id: int):
    """第三十五条: the enterprise records an evaluation with its report."""
    ctx = req.ctx()
    service.get_filing(ctx, filing_id)
    form = request.form
    data = {"evaluated_on": form.get("evaluated_on", ""), "conclusion": form.get("conclusion") or None,
            "summary": form.get("summary", ""), "trigger": form.get("trigger") or None,
            "changes": form.getlist("changes")}
    try:
        aftercare.record_evaluation(ctx, filing_id, data, *req.uploaded_file())
    except DomainError as e:
        req.doom()
        return _detail(filing_id, e.status, e, posted=form, which="evaluation")
    flash(_("已登记预案评估") if data["conclusion"] != "revise"
          else _("已登记预案评估，并按评估结论登记了修订情形"))
    return redirect(url_for("filings.detail", filing_id=filing_id) + "#evaluations", 303)


@bp.post("/<int:filing_id>/triggers")
def add_trigger(filing_id: int):
    """第三十六条: the enterprise records a circumstance that requires revising the plan."""
    ctx = req.ctx()
    service.get_filing(ctx, filing_id)
    form = request.form
    data = {"trigger": form.get("trigger") or None, "occurred_on": form.get("occurred_on", ""),
            "description": form.get("description", ""), "changes": form.getlist("changes")}
    try:
        row = aftercare.record_trigger(ctx, filing_id, data)
    except DomainError as e:
        req.doom()
        return _detail(filing_id, e.status, e, posted=form, which="trigger")
    flash(_("已登记修订情形：修订涉及的内容须重新备案，请创建修订版本备案") if row.requires_refiling
          else _("已登记修订情形：修订完成后请登记修订情况"))
    return redirect(url_for("filings.detail", filing_id=filing_id) + "#triggers", 303)


@bp.post("/<int:filing_id>/triggers/<int:trigger_id>/settle")
def settle_trigger(filing_id: int, trigger_id: int):
    """A revision made without changes that need re-filing."""
    ctx = req.ctx()
    service.get_filing(ctx, filing_id)
    try:
        aftercare.settle_trigger(ctx, trigger_id, request.form.get("note", ""), filing_id=filing_id)
    except DomainError as e:
        req.doom()
        return _detail(filing_id, e.status, e, posted=request.form, which=f"settle:{trigger_id}")
    flash(_("已登记修订完成"))
    return redirect(url_for("filings.detail", filing_id=filing_id) + "#triggers", 303)


@bp.post("/<int:filing_id>/revisions")
def revise(filing_id: int):
    """第三十七条: a draft of the revised plan set, to be filed again as a new version."""
    ctx = req.ctx()
    service.get_filing(ctx, filing_id)
    data = {"published_on": request.form.get("published_on", ""), "title": request.form.get("title", "").strip()}
    try:
        new = aftercare.start_revision(ctx, filing_id, data)
    except DomainError as e:
        req.doom()
        return _detail(filing_id, e.status, e, posted=request.form, which="revision")
    flash(_("已创建修订版本备案草稿：原备案材料已复制，请替换修订过的文件后提交"))
    return redirect(url_for("filings.detail", filing_id=new.id), 303)


@bp.get("/<int:filing_id>/certificate")
def certificate(filing_id: int):
    """The 备案登记表 as a printable page (409 while the filing has no number)."""
    cert = certificates.certificate(req.ctx(), filing_id)
    return render_template("filings/certificate.html", cert=cert, cn_date=cn_date)


@bp.get("/<int:filing_id>/certificate.pdf")
def certificate_pdf(filing_id: int):
    cert, stored = certificates.stored_pdf(req.ctx(), filing_id)
    return req.send_kept_document(stored, cert.download_name)


@bp.get("/<int:filing_id>/returns/<int:round>/notice")
def notice(filing_id: int, round: int):  # noqa: A002 - the URL's name for the return's number
    """The 补正告知书 of a return as a printable page."""
    return render_template("filings/notice.html", notice=notices.notice(req.ctx(), filing_id, round), cn_date=cn_date)


@bp.get("/<int:filing_id>/returns/<int:round>/notice.pdf")
def notice_pdf(filing_id: int, round: int):  # noqa: A002
    n, stored = notices.stored_pdf(req.ctx(), filing_id, round)
    return req.send_kept_document(stored, n.download_name)
