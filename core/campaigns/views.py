"""Pages of 专项整治: the list, launching (or adopting the city's), the draft's dates and
sections, publishing; the campaign page with the progress matrix (bureau) or the caller's
tasks (enterprise); a task with its form, files, problem ledger and review; the section's
phone inspection; the printable summary and the xlsx export."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.auth.service import display_names
from core.calendar.service import beijing_today
from core.campaigns import inspections, progress, rules, service, tasks
from core.campaigns.models import CAMPAIGN_STATUSES, TASK_STATUSES
from core.errors import DomainError, refuse
from core.jobs.models import Job
from core.ledgers import service as ledgers
from core.text import words_of
from core.web import request as req
from core.web.paging import id_of, page_of, query_of, whole_number
from core.web.request import send_export, uploaded_file
from tenants import service as tenants
from tenants.models import INDUSTRIES

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns", template_folder="templates")
PAGE = 50


@bp.get("")
def index():  # noqa: ANN201
    ctx = req.ctx()
    args = request.args
    status = args.get("status") if args.get("status") in CAMPAIGN_STATUSES else None
    q, paging = query_of(args), page_of(args, PAGE)
    found = service.list_campaigns(ctx, status=status, q=q, limit=paging.limit, offset=paging.offset)
    mine = [] if ctx.actor.is_bureau else tasks.list_tasks(ctx, tasks.TaskFilter(party="enterprise"), limit=200)
    return render_template("campaigns/index.html", campaigns=found, total=service.count_campaigns(ctx, status=status, q=q),
                           paging=paging, status=status, statuses=CAMPAIGN_STATUSES, q=q, args=args,
                           can_launch=service.launch_refusal(ctx) is None, mine=mine,
                           titles=service.item_titles(ctx, {t.campaign for t in mine}), today=beijing_today())


def _launch_page(status: int = 200, error: DomainError | None = None):  # noqa: ANN202
    ctx = req.ctx()
    parent = service.get_campaign(ctx, id_of(request.values, "adopt")) if id_of(request.values, "adopt") else None
    return render_template("campaigns/new.html", templates=service.offered(ctx), parent=parent,
                           parent_body=service.body_of(ctx, parent) if parent else None, industries=INDUSTRIES,
                           enterprises=tenants.list_tenants(ctx, "enterprise", status="active") if ctx.actor.is_bureau else [],
                           form=request.form, error=error, errors=error.errors if error else {}), status


@bp.get("/new")
def new():  # noqa: ANN201
    refuse(service.launch_refusal(req.ctx()))
    return _launch_page()


def _targets(form) -> dict:  # noqa: ANN001
    regions = words_of(form.get("regions", ""))
    tags = words_of(form.get("tags", "")) or form.getlist("tag")
    return {"industries": form.getlist("industry"), "regions": regions or [r for r in form.getlist("region") if r],
            "tags": tags,
            "enterprises": [n for i in form.getlist("enterprise") if (n := whole_number(i)) is not None]}


@bp.post("/new")
def launch():  # noqa: ANN201
    ctx = req.ctx()
    form = request.form
    template_id, _sep, version = form.get("template", "").partition("@")
    data = {"starts_on": form.get("starts_on"), "doc_no": form.get("doc_no"), "targets": _targets(form),
            **({"title": form["title"]} if form.get("title", "").strip() else {})}
    if id_of(form, "adopt"):
        data["adopt_from"] = id_of(form, "adopt")
    else:
        data |= {"template_id": template_id, "version": version or None}
    try:
        campaign = service.launch_campaign(ctx, data)
    except DomainError as e:
        req.doom()
        return _launch_page(e.status, e)
    flash(_("已拟定专项整治“%(title)s”：请核对日期和负责股室后发布", title=campaign.title))
    return redirect(url_for("campaigns.detail", campaign_id=campaign.id), 303)


def _detail(campaign_id: int, status: int = 200, error: DomainError | None = None):  # noqa: ANN202
    ctx = req.ctx()
    campaign = service.get_campaign(ctx, campaign_id)
    args = request.args
    section_id, industry = id_of(args, "section"), args.get("industry") if args.get("industry") in INDUSTRIES else None
    is_bureau = ctx.actor.is_bureau
    own = campaign.tenant_id == ctx.actor.tenant_id
    return render_template(
        "campaigns/detail.html", campaign=campaign, body=service.body_of(ctx, campaign),
        items=service.items(ctx, campaign), own=own, is_bureau=is_bureau,
        matrix=progress.matrix(ctx, campaign.id, section_id=section_id, industry=industry)
        if is_bureau and campaign.status != "draft" else None,
        mine=[] if is_bureau else tasks.list_tasks(ctx, tasks.TaskFilter(campaign_id=campaign.id), limit=200),
        sections=tenants.list_sections(ctx, ctx.actor.tenant_id) if is_bureau else [], section_id=section_id, industry=industry,
        industries=INDUSTRIES, parent=service.parent_of(ctx, campaign),
        adopted=service.adopted_by(ctx, campaign) if is_bureau and not own else None,
        may_adopt=is_bureau and not own and campaign.status == "published"
        and service.launch_refusal(ctx) is None and campaign.tenant_id == _parent_id(ctx),
        may_edit=own and campaign.status == "draft" and service.launch_refusal(ctx) is None,
        form=request.form, error=error, errors=error.errors if error else {}, today=beijing_today(),
        statuses=TASK_STATUSES), status


def _parent_id(ctx) -> int | None:  # noqa: ANN001
    return tenants.get_tenant(ctx, ctx.actor.tenant_id).parent_id if ctx.actor.tenant_id else None


@bp.get("/<int:campaign_id>")
def detail(campaign_id: int):  # noqa: ANN201
    return _detail(campaign_id)[0]


def _schedule(form) -> dict:  # noqa: ANN001
    """Form fields "phase:<id>:start|end" and "item:<id>" as the service's schedule."""
    phases: dict[str, list[str]] = {}
    items: dict[str, str] = {}
    for key, value in form.items():
        kind, _sep, rest = key.partition(":")
        if kind == "phase":
            pid, _sep, end = rest.rpartition(":")
            phases.setdefault(pid, ["", ""])[0 if end == "start" else 1] = value
        elif kind == "item":
            items[rest] = value
    return {"phases": phases, "items": items}


def _on_campaign(campaign_id: int, work, done: str):  # noqa: ANN001, ANN202
    """Run `work(ctx)` on a visible campaign (another jurisdiction's is 404 before the form
    is read): refused, the campaign's page again with the error and its status; done, back
    to it with `done`."""
    ctx = req.ctx()
    service.get_campaign(ctx, campaign_id)
    try:
        work(ctx)
    except DomainError as e:
        req.doom()
        return _detail(campaign_id, e.status, e)
    flash(done)
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id), 303)


def _on_task(task_id: int, work, done):  # noqa: ANN001, ANN202
    """The same for a task: `work(ctx)`'s result goes to `done` when it is a function."""
    ctx = req.ctx()
    tasks.get_task(ctx, task_id)
    try:
        result = work(ctx)
    except DomainError as e:
        req.doom()
        return _task_page(task_id, e.status, e)
    flash(done(result) if callable(done) else done)
    return redirect(url_for("campaigns.task", task_id=task_id), 303)


@bp.post("/<int:campaign_id>")
def update(campaign_id: int):  # noqa: ANN201
    form = request.form
    sections = {k.partition(":")[2]: whole_number(v) for k, v in form.items() if k.startswith("section:")}
    data = {"doc_no": form.get("doc_no"), "title": form.get("title"), "schedule": _schedule(form),
            "sections": sections, "targets": _targets(form), "confirm": form.get("confirm") == "1"}
    return _on_campaign(campaign_id, lambda ctx: service.update_campaign(ctx, campaign_id, data, form.get(
        "version", type=int)), _("已保存"))


@bp.post("/<int:campaign_id>/items")
def add_item(campaign_id: int):  # noqa: ANN201
    form = request.form
    data = ({k: form.get(k) for k in ("title", "phase", "assignee", "due_on", "description")}
            | {"review": form.get("review") == "1", "confirm": form.get("confirm") == "1"})
    return _on_campaign(campaign_id, lambda ctx: service.add_own_item(ctx, campaign_id, data, form.get(
        "version", type=int)), _("已增加本级工作内容"))


@bp.post("/<int:campaign_id>/notice")
def notice(campaign_id: int):  # noqa: ANN201
    return _on_campaign(campaign_id, lambda ctx: service.set_notice(ctx, campaign_id, *uploaded_file()),
                        _("通知文件已上传"))


@bp.post("/<int:campaign_id>/publish")
def publish(campaign_id: int):  # noqa: ANN201
    ctx = req.ctx()
    service.get_campaign(ctx, campaign_id)
    try:
        out = service.publish_campaign(ctx, campaign_id, request.form.get("version", type=int))
    except DomainError as e:
        req.doom()
        return _detail(campaign_id, e.status, e)
    if isinstance(out, Job):
        flash(_("任务较多，正在后台发布，可在任务页面查看进度"))
        return redirect(url_for("jobs.show_job", job_id=out.id), 303)
    flash(_("专项整治已发布"))
    return redirect(url_for("campaigns.detail", campaign_id=campaign_id), 303)


@bp.get("/<int:campaign_id>/summary")
def summary(campaign_id: int):  # noqa: ANN201
    ctx = req.ctx()
    return render_template("campaigns/summary.html", s=progress.summary(ctx, campaign_id), today=beijing_today())


@bp.get("/<int:campaign_id>/export")
def export(campaign_id: int):  # noqa: ANN201
    return send_export(*progress.export_campaign(req.ctx(), campaign_id, request.args.get("format", "xlsx")))


# ---------------------------------------------------------------------------- tasks

def _task_page(task_id: int, status: int = 200, error: DomainError | None = None):  # noqa: ANN202
    ctx = req.ctx()
    v = tasks.view(ctx, task_id)
    return render_template("campaigns/task.html", v=v, task=v.task, item=v.item, data=v.task.data or {},
                           form=request.form if error else None, error=error, errors=error.errors if error else {},
                           inspections=inspections.inspections_of(ctx, v.task) if v.task.party == "section" else [],
                           answers=rules.ANSWERS,
                           names=display_names(ctx, [v.task.submitted_by, v.task.reviewed_by])), status


@bp.get("/tasks/<int:task_id>")
def task(task_id: int):  # noqa: ANN201
    return _task_page(task_id)[0]


def _values(fields: list[dict], form) -> dict:  # noqa: ANN001
    """The task form ("f:<field>", "f:<field>:start", "f:<field>:<n>:<key>") as values per field."""
    out: dict = {}
    for f in fields:
        fid, kind = f["id"], f["type"]
        if kind in rules.FILE_TYPES + rules.COMPUTED_TYPES:
            continue
        if kind == "period":
            if f"f:{fid}:start" in form or f"f:{fid}:end" in form:
                out[fid] = {"start": form.get(f"f:{fid}:start", ""), "end": form.get(f"f:{fid}:end", "")}
        elif kind in ("checklist", "problems"):
            rows: dict[str, dict] = {}
            for key, value in form.items():
                parts = key.split(":")
                if len(parts) == 4 and parts[1] == fid:
                    rows.setdefault(parts[2], {})[parts[3]] = value
            if rows or f"f:{fid}" in form:
                numbered = sorted((n, k) for k in rows if (n := whole_number(k, lowest=0)) is not None)
                out[fid] = rows if kind == "checklist" else [rows[k] for _n, k in numbered]
        elif f"f:{fid}" in form:
            out[fid] = form.get(f"f:{fid}")
    return out


@bp.post("/tasks/<int:task_id>")
def save(task_id: int):  # noqa: ANN201
    form = request.form

    def work(ctx):  # noqa: ANN001, ANN202
        fields = tasks.view(ctx, task_id).item.fields
        tasks.save_task(ctx, task_id, _values(fields, form), form.get("version", type=int))
        if form.get("then"):
            tasks.transition(ctx, task_id, form["then"], tasks.get_task(ctx, task_id).version)
    return _on_task(task_id, work, _("已提交") if form.get("then") else _("已保存"))


@bp.post("/tasks/<int:task_id>/files")
def add_files(task_id: int):  # noqa: ANN201
    """Several files at once, or a .zip of them (剖析材料 one per employee): all kept, or none."""
    sent = [f for f in request.files.getlist("file") if f.filename] or [None]

    def work(ctx):  # noqa: ANN001, ANN202
        return sum(len(tasks.add_file(ctx, task_id, request.form.get("field", ""),
                                      *((f.stream, f.filename) if f else uploaded_file()))) for f in sent)
    return _on_task(task_id, work, lambda kept: _("已上传 %(n)s 个文件", n=kept))


@bp.post("/tasks/<int:task_id>/files/<int:file_id>/remove")
def remove_file(task_id: int, file_id: int):  # noqa: ANN201
    return _on_task(task_id, lambda ctx: tasks.remove_file(ctx, task_id, request.form.get("field", ""), file_id),
                    _("已移除"))


@bp.post("/tasks/<int:task_id>/ledger")
def import_ledger(task_id: int):  # noqa: ANN201
    """The problem ledger of a task uploaded with the ledger's own import (the hazard ledger,
    or the ledger type its field names), its new rows the campaign's; the import's page
    tells the result."""
    ctx = req.ctx()
    task = tasks.get_task(ctx, task_id)
    try:
        refuse(tasks.edit_refusal(ctx, task))
        type_id = tasks.ledger_of(ctx, task, request.form.get("field"))
        stream, name = uploaded_file()
        result = ledgers.import_ledger(ctx, type_id, stream.read(ctx.house.files.max_bytes + 1), name,
                                       campaign_id=task.campaign_id)
    except DomainError as e:
        req.doom()
        return _task_page(task_id, e.status, e)
    return redirect(url_for("ledgers.import_page", import_id=result.record.id), 303)


@bp.post("/tasks/<int:task_id>/transitions")
def transition(task_id: int):  # noqa: ANN201
    form = request.form
    done = {"submit": _("已提交，等待应急管理局审核"), "complete": _("已办结"), "accept": _("已审核通过"),
            "return": _("已退回企业修改")}
    return _on_task(task_id, lambda ctx: tasks.transition(ctx, task_id, form.get("action", ""), form.get(
        "version", type=int), form.get("comment")), done.get(form.get("action", ""), _("已完成")))


# ---------------------------------------------------------------------------- inspections

@bp.post("/tasks/<int:task_id>/inspect")
def inspect(task_id: int):  # noqa: ANN201
    ctx = req.ctx()
    tasks.get_task(ctx, task_id)
    try:
        found = inspections.start_inspection(ctx, task_id)
    except DomainError as e:
        req.doom()
        return _task_page(task_id, e.status, e)
    return redirect(url_for("campaigns.inspection", inspection_id=found.id), 303)


def _inspection_page(inspection_id: int, status: int = 200, error: DomainError | None = None):  # noqa: ANN202
    ctx = req.ctx()
    found = inspections.get_inspection(ctx, inspection_id)
    blank = 3 if found.status == "draft" else 0
    return render_template("campaigns/inspection.html", i=found, enterprise=inspections.enterprise_name(ctx, found),
                           findings=[*found.findings, *({} for _ in range(blank))], answers=rules.ANSWERS,
                           campaign=service.get_campaign(ctx, found.campaign_id), error=error,
                           errors=error.errors if error else {}), status


@bp.get("/inspections/<int:inspection_id>")
def inspection(inspection_id: int):  # noqa: ANN201
    return _inspection_page(inspection_id)[0]


def _inspection_data(form) -> dict:  # noqa: ANN001
    answers: dict[str, dict] = {}
    findings: dict[str, dict] = {}
    for key, value in form.items():
        parts = key.split(":")
        if len(parts) == 3 and parts[0] == "a":
            answers.setdefault(parts[1], {})[parts[2]] = value
        elif len(parts) == 3 and parts[0] == "finding":
            findings.setdefault(parts[1], {})[parts[2]] = value
    kept = {n: v for k, v in findings.items() if (n := whole_number(k, lowest=0)) is not None}
    return {"inspected_on": form.get("inspected_on"), "inspectors": form.get("inspectors"), "answers": answers,
            "findings": [kept[k] for k in sorted(kept)]}


@bp.post("/inspections/<int:inspection_id>")
def save_inspection(inspection_id: int):  # noqa: ANN201
    ctx = req.ctx()
    found = inspections.get_inspection(ctx, inspection_id)
    try:
        found = inspections.save_inspection(ctx, inspection_id, _inspection_data(request.form),
                                            request.form.get("version", type=int))
        if request.form.get("complete") == "1":
            inspections.complete_inspection(ctx, inspection_id, found.version)
    except DomainError as e:
        req.doom()
        return _inspection_page(inspection_id, e.status, e)
    if request.form.get("complete") == "1":
        flash(_("检查已完成，发现的问题已记入企业的问题台账"))
        return redirect(url_for("campaigns.task", task_id=found.task_id), 303)
    flash(_("检查记录已保存"))
    return redirect(url_for("campaigns.inspection", inspection_id=inspection_id), 303)


@bp.post("/inspections/<int:inspection_id>/photos")
def inspection_photo(inspection_id: int):  # noqa: ANN201
    ctx = req.ctx()
    inspections.get_inspection(ctx, inspection_id)
    finding = request.form.get("finding", type=int)
    try:
        inspections.add_photo(ctx, inspection_id, *uploaded_file(), finding=finding)
    except DomainError as e:
        req.doom()
        return _inspection_page(inspection_id, e.status, e)
    flash(_("照片已上传"))
    return redirect(url_for("campaigns.inspection", inspection_id=inspection_id), 303)

