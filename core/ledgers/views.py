"""Pages of the hazard ledger (隐患排查治理台账): the list with its filters, template, upload
(all or nothing, with the errors on the page and as an annotated copy) and export; a hazard
entered by hand on a phone; one hazard with its loop steps, 治理方案, 挂牌督办, extension
requests and history; and the statistics with their charts."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from core.audit import service as audit
from core.errors import DomainError, NotFound, TooLarge, ValidationFailed
from core.exports import formats_for
from core.files import service as files
from core.files.download import send_stored, store
from core.ledgers import criteria, evidence, loop, service, supervision, xlsx
from core.ledgers import stats as ledger_stats
from core.ledgers.models import EXTENSION_STATES, HAZARD_STATES
from core.ledgers.service import FILTER_CHOICES, HAZARDS, HazardFilter
from core.ledgers.standard import RISK_LEVELS
from core.web import request as req
from core.web.paging import id_of, page_of, query_of
from tenants import service as tenants

bp = Blueprint("ledgers", __name__, url_prefix="/ledgers", template_folder="templates")

PAGE = 50
# The columns a hazard is registered with (the rest are filled as it is rectified).
REGISTER = ("code", "source", "found_on", "found_by", "department", "location", "description", "category", "level",
            "basis", "measures", "owner", "due_on", "funds", "interim")
LISTED = ("code", "location", "description", "level", "owner", "due_on")


def _filter() -> HazardFilter:
    """The page's query string as the service's filter: values outside the declared
    choices are dropped, as a tampered link must not fail the page."""
    args = request.args

    def choice(name: str, allowed) -> str | None:  # noqa: ANN001
        value = args.get(name) or None
        return value if value in allowed else None

    def flag(name: str) -> bool | None:
        return {"1": True, "0": False}.get(args.get(name, ""))

    return HazardFilter(status=choice("status", HAZARD_STATES), level=choice("level", FILTER_CHOICES["level"]),
                        source=choice("source", FILTER_CHOICES["source"]),
                        category=choice("category", FILTER_CHOICES["category"]), overdue=flag("overdue"),
                        supervised=flag("supervised"), reopened=flag("reopened"),
                        enterprise_id=id_of(args, "enterprise"), risk_point=query_of(args, "risk_point"),
                        campaign_id=id_of(args, "campaign"), q=query_of(args))


def _index(status: int = 200, error: DomainError | None = None):
    ctx = req.ctx()
    where = _filter()
    paging = page_of(request.args, PAGE)
    is_bureau = ctx.actor.is_bureau
    return render_template(
        "ledgers/index.html", hazards=service.list_hazards(ctx, where, limit=paging.limit, offset=paging.offset),
        total=service.count_hazards(ctx, where), where=where, filters=where.params(), paging=paging,
        states=HAZARD_STATES, choices=FILTER_CHOICES, columns={c: HAZARDS.column(c) for c in LISTED},
        is_bureau=is_bureau, can_import=service.import_refusal(ctx) is None, lt=HAZARDS,
        other_types=[t for t in service.ledger_types(ctx) if t is not HAZARDS],
        names=_enterprise_names(ctx) if is_bureau else {}, formats=formats_for(ctx), error=error,
        bulk={a: loop.FLOW.transition(a).label for a in loop.BULK} if service.import_refusal(ctx) is None else {},
        posted=request.form if error else {},
    ), status


def _enterprise_names(ctx) -> dict[int, str]:  # noqa: ANN001
    return {t.id: t.name for t in tenants.list_tenants(ctx, kind="enterprise")}


@bp.get("/hazards")
def index():
    return _index()[0]


@bp.post("/hazards/bulk")
def bulk():
    """One step on the ticked hazards (`h` = "<id>:<version>"), all or nothing."""
    ctx = req.ctx()
    versions = {}
    for ticked in request.form.getlist("h"):
        hazard_id, _sep, version = ticked.partition(":")
        if hazard_id.isdigit() and version.isdigit():
            versions[int(hazard_id)] = int(version)
    action = request.form.get("action", "")
    try:
        done = loop.transition_many(ctx, versions, action, request.form.to_dict())
    except DomainError as e:
        req.doom()
        return _index(e.status, e)
    flash(_("已批量办理 %(n)s 项：%(step)s", n=len(done), step=loop.FLOW.transition(action).label))
    return redirect(url_for("ledgers.index", **_filter().params()), 303)


@bp.get("/template")
@bp.get("/types/<type_id>/template")
def template(type_id: str = HAZARDS.id):
    content, filename = service.template_file(req.ctx(), type_id)
    return req.send_export(content, filename, xlsx.XLSX_TYPE)


@bp.get("/hazards/export")
def export():
    ctx = req.ctx()
    return req.send_export(*service.export_hazards(ctx, request.args.get("format", "xlsx"), _filter()))


def _list_page(type_id: str, status: int, error: DomainError):
    """The page an upload came from, again, with the error."""
    return _index(status, error) if type_id == HAZARDS.id else _rows_page(type_id, status, error)


@bp.post("/imports")
def upload():
    """An upload (form field `type`, the hazard ledger by default), all or nothing. A
    refused file answers 422 with its errors on the page (kept, with the annotated copy, at
    the import's own address); a stored or previewed one redirects there."""
    ctx = req.ctx()
    type_id = service.ledger_type(ctx, request.form.get("type") or HAZARDS.id).id
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        message = _("请选择要导入的 .xlsx 文件")
        return _list_page(type_id, 422, ValidationFailed({"file": [message]}))
    with sent.stream:
        data = sent.stream.read(ctx.house.files.max_bytes + 1)
    dry_run = bool(request.form.get("dry_run"))
    if service.runs_as_job(ctx, len(data)):
        try:
            job = service.start_import(ctx, type_id, data, sent.filename, dry_run=dry_run)
        except DomainError as e:
            req.doom()
            return _list_page(type_id, e.status, e)
        flash(_("文件较大，已转为后台导入：完成后可查看导入结果"))
        return redirect(url_for("jobs.show_job", job_id=job.id), 303)
    try:
        result = service.import_ledger(ctx, type_id, data, sent.filename, dry_run=dry_run)
    except DomainError as e:
        req.doom()
        return _list_page(type_id, e.status, e)
    if result.status == "rejected":
        return _import_page(result.record, 422)
    flash(_("预检完成：未保存任何数据") if result.status == "preview"
          else _("已导入：新增 %(c)s 条，更新 %(u)s 条，未变 %(n)s 条", c=result.record.created,
                 u=result.record.updated, n=result.record.unchanged))
    return redirect(url_for("ledgers.import_page", import_id=result.record.id), 303)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_e):
    """The whole request exceeded MAX_CONTENT_LENGTH (refused before the body was read)."""
    message = _("文件过大：不得超过 %(size)s", size=files.human_size(req.ctx().house.files.max_bytes))
    if req.ctx() is None:
        return message, 413
    error = TooLarge(message, {"file": [message]})
    hazard_id = (request.view_args or {}).get("hazard_id")
    return _detail(hazard_id, 413, error, which="evidence") if hazard_id else _index(413, error)


def _import_page(record, status: int = 200):  # noqa: ANN001
    ctx = req.ctx()
    return render_template("ledgers/import.html", record=record, lt=service.ledger_type(ctx, record.ledger_type),
                           hazards=HAZARDS, can_import=service.import_refusal(ctx) is None), status


@bp.get("/imports/<int:import_id>")
def import_page(import_id: int):
    return _import_page(service.get_import(req.ctx(), import_id))[0]


@bp.get("/imports/<int:import_id>/errors.xlsx")
def import_errors(import_id: int):
    ctx = req.ctx()
    record = service.get_import(ctx, import_id)
    if record.error_file_id is None:
        raise NotFound(_("该导入没有错误文件"))
    return send_stored(*store().open_blob(ctx, record.error_file_id))


# --------------------------------------------------------------------------- other ledger types

def _rows_page(type_id: str, status: int = 200, error: DomainError | None = None):
    ctx = req.ctx()
    lt = service.ledger_type(ctx, type_id)
    if lt is HAZARDS:
        raise NotFound()
    paging = page_of(request.args, PAGE)
    where = {"enterprise_id": id_of(request.args, "enterprise"), "q": query_of(request.args)}
    return render_template(
        "ledgers/rows.html", lt=lt, rows=service.list_rows(ctx, lt, **where, limit=paging.limit, offset=paging.offset),
        total=service.count_rows(ctx, lt, **where), paging=paging, where=where,
        filters={k: v for k, v in {"enterprise": where["enterprise_id"], "q": where["q"]}.items() if v},
        shown=lt.columns[:SHOWN_COLUMNS], risk_colours=RISK_LEVELS if lt is service.RISKS else {},
        is_bureau=ctx.actor.is_bureau, names=_enterprise_names(ctx) if ctx.actor.is_bureau else {},
        can_import=service.import_refusal(ctx) is None, error=error), status


SHOWN_COLUMNS = 9   # a type's first columns on its page; the export has them all


@bp.get("/types/<type_id>")
def rows(type_id: str):
    return _rows_page(type_id)[0]


@bp.get("/types/<type_id>/export")
def export_rows(type_id: str):
    ctx = req.ctx()
    if type_id == HAZARDS.id:
        return export()
    lt = service.ledger_type(ctx, type_id)
    return req.send_export(*service.export_rows(ctx, lt, request.args.get("format", "xlsx"),
                                                enterprise_id=id_of(request.args, "enterprise")))


# --------------------------------------------------------------------------- one hazard

def _new_page(status: int = 200, error: DomainError | None = None):
    ctx = req.ctx()
    posted = MultiDict(request.form) if error else MultiDict({"code": service.next_code(ctx)})
    return render_template("ledgers/new.html", columns=[HAZARDS.column(c) for c in REGISTER], form=posted,
                           criteria=criteria.criteria_for(ctx), error=error, errors=error.errors if error else {}), status


@bp.get("/hazards/new")
def new():
    return _new_page()[0]


@bp.post("/hazards/new")
def register():
    ctx = req.ctx()
    try:
        hazard = service.register_hazard(ctx, {c: request.form.get(c) for c in REGISTER})
    except DomainError as e:
        req.doom()
        return _new_page(e.status, e)
    flash(_("已登记隐患 %(code)s", code=hazard.code) + (_("；已即时报告应急管理局，请制定治理方案")
                                                     if hazard.level == "重大" else ""))
    return redirect(url_for("ledgers.detail", hazard_id=hazard.id), 303)


# What each step asks for on the page: (field, label, input type).
STEP_FIELDS = {
    "complete": [("completed_on", HAZARDS.column("completed_on").header, "date")],
    "verify": [("verified_by", HAZARDS.column("verified_by").header, "text"),
               ("verified_on", HAZARDS.column("verified_on").header, "date"),
               ("verdict", HAZARDS.column("verdict").header, "textarea")],
    "report": [("verified_by", HAZARDS.column("verified_by").header, "text"),
               ("verified_on", HAZARDS.column("verified_on").header, "date"),
               ("verdict", HAZARDS.column("verdict").header, "textarea")],
    "reject": [("comment", _l("不通过的原因"), "textarea")],
    "bureau_verify": [("comment", _l("核查意见"), "textarea")],
    "reopen": [("comment", _l("回头看发现的问题"), "textarea")],
    "supervise": [("doc_no", _l("督办文号"), "text"), ("due_on", _l("督办期限"), "date"),
                  ("section_id", _l("督办股室"), "section")],
    "extend": [("due_on", _l("延期后的整改期限"), "date"), ("reason", _l("延期理由"), "textarea")],
}


def _detail(hazard_id: int, status: int = 200, error: DomainError | None = None, which: str = ""):
    ctx = req.ctx()
    hazard = loop.get_hazard(ctx, hazard_id)
    events = audit.history(ctx, "hazard", hazard.id, hazard.tenant_id)
    imported = service.get_import(ctx, hazard.import_id) if hazard.import_id else None
    return render_template(
        "ledgers/detail.html", hazard=hazard, lt=HAZARDS, actions=supervision.actions(ctx, hazard),
        step_fields=STEP_FIELDS, plan_parts=loop.PLAN_PARTS,
        plan_editable=hazard.level == "重大" and hazard.status in ("registered", "rectifying")
        and service.import_refusal(ctx) is None and ctx.actor.tenant_id == hazard.tenant_id,
        extensions=supervision.extensions_of(ctx, hazard), extension_states=EXTENSION_STATES,
        evidence=evidence.evidence_of(ctx, hazard), can_add_evidence=evidence.evidence_refusal(ctx, hazard) is None,
        evidence_stages=evidence.stages_for(ctx),
        needs_evidence=hazard.level == "重大" and hazard.status == "rectifying"
        and not loop.has_evidence(ctx, hazard, "rectified"),
        can_decide=supervision.decide_refusal(ctx, hazard) is None,
        section_name=supervision.section_name(ctx, hazard),
        criterion=criteria.named_item(hazard.basis, criteria.criteria_for(ctx)) if hazard.level == "重大" else None,
        sections=[(s.id, s.name) for s in tenants.list_sections(ctx, ctx.actor.tenant_id)] if ctx.actor.is_bureau else [],
        enterprise=_enterprise_names(ctx).get(hazard.tenant_id) if ctx.actor.is_bureau else None,
        history=[{"at": e.created_at, "actor": e.actor_name or _("系统"), "action": e.action, "summary": e.summary,
                  "comment": (e.payload or {}).get("comment")} for e in events], imported=imported,
        posted=MultiDict(request.form) if error else MultiDict(), error=error,
        errors=error.errors if error else {}, which=which,
    ), status


@bp.get("/hazards/<int:hazard_id>")
def detail(hazard_id: int):
    return _detail(hazard_id)[0]


DONE = {"start": _l("已开始整改"), "complete": _l("已登记整改完成，等待验收"), "verify": _l("已验收销号"),
        "report": _l("已验收并报请应急管理局核查"),
        "reject": _l("已退回重新整改"), "bureau_verify": _l("已核查销号"), "reopen": _l("回头看：已要求重新整改")}


def _act(hazard_id: int, which: str, do, done: str):  # noqa: ANN001
    """Run one posted step; a refusal shows the page again with the form's values."""
    ctx = req.ctx()
    loop.get_hazard(ctx, hazard_id)   # another tenant's hazard: 404 before the body is looked at
    try:
        do(ctx)
    except DomainError as e:
        req.doom()
        return _detail(hazard_id, e.status, e, which=which)
    flash(done)
    return redirect(url_for("ledgers.detail", hazard_id=hazard_id), 303)


@bp.post("/hazards/<int:hazard_id>/transitions")
def transition(hazard_id: int):
    form = request.form
    action = form.get("action", "")
    return _act(hazard_id, action, lambda ctx: loop.transition(ctx, hazard_id, action, form.get("version", type=int),
                                                               form.to_dict()), str(DONE.get(action) or _("已办理")))


@bp.post("/hazards/<int:hazard_id>/plan")
def plan(hazard_id: int):
    form = request.form
    return _act(hazard_id, "plan", lambda ctx: loop.set_plan(ctx, hazard_id, form.get("version", type=int),
                                                             {k: form.get(k, "") for k in loop.PLAN_PARTS}),
                _("已保存治理方案"))


@bp.post("/hazards/<int:hazard_id>/supervision")
def supervise(hazard_id: int):
    form = request.form
    return _act(hazard_id, "supervise",
                lambda ctx: supervision.supervise(ctx, hazard_id, form.get("version", type=int), form.to_dict()),
                _("已挂牌督办，企业已收到通知"))


@bp.post("/hazards/<int:hazard_id>/evidence")
def add_evidence(hazard_id: int):
    form = request.form
    return _act(hazard_id, "evidence", lambda ctx: evidence.add_evidence(ctx, hazard_id, form.get("stage", ""),
                                                                        *req.uploaded_file(), form.get("note")),
                _("已上传"))


@bp.post("/hazards/<int:hazard_id>/extensions")
def extend(hazard_id: int):
    return _act(hazard_id, "extend", lambda ctx: supervision.request_extension(ctx, hazard_id, request.form.to_dict()),
                _("已提交延期申请，等待应急管理局审批"))


@bp.post("/hazards/<int:hazard_id>/extensions/<int:extension_id>")
def decide(hazard_id: int, extension_id: int):
    form = request.form
    approve = {"1": True, "0": False}.get(form.get("approve", ""))
    return _act(hazard_id, f"decide:{extension_id}",
                lambda ctx: supervision.decide_extension(ctx, extension_id, approve, form.to_dict()),
                _("已同意延期") if approve else _("已答复：不同意延期"))


# --------------------------------------------------------------------------- statistics

@bp.get("/stats")
def stats():
    ctx = req.ctx()
    if ctx.actor.is_bureau:
        # A city reads its counties first; a county its enterprises.
        counties = any(t.parent_id == ctx.actor.tenant_id for t in tenants.list_bureaus(ctx))
        groups = ("child", "enterprise", "section") if counties else ("enterprise", "section")
    else:
        groups = ("enterprise",)
    group = request.args.get("group") if request.args.get("group") in groups else groups[0]
    where = _filter()
    return render_template("ledgers/stats.html", stats=ledger_stats.hazard_stats(ctx, group, where), group=group,
                           groups={g: ledger_stats.GROUPS[g] for g in groups}, where=where, choices=FILTER_CHOICES,
                           filters=where.params())
