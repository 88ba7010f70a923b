"""Pages for enterprises, bureaus and sections."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.audit import service as audit
from core.checklists import service as checklists
from core.errors import DomainError, NotFound, ValidationFailed
from core.exports import export, formats_for
from core.files import service as files
from core.filings.aftercare import service as aftercare
from core.filings.review import service as filings
from core.ledgers import stats as ledger_stats
from core.ledgers.service import HazardFilter
from core.web import request as req
from core.web.forms import form_data, rerender
from core.web.paging import id_of, page_of
from tenants import codes
from tenants import service as tenants
from tenants.models import INDUSTRIES, SIZE_CLASSES, STATUSES

bp = Blueprint("tenants", __name__, template_folder="templates")


def _bureau_options(ctx):  # noqa: ANN001, ANN202
    return [(b.id, b.name) for b in tenants.list_bureaus(ctx)]


def _enterprise_form_context(ctx):  # noqa: ANN001, ANN202
    return {"bureau_options": _bureau_options(ctx), "industries": list(INDUSTRIES.items()),
            "statuses": list(STATUSES.items()), "sizes": list(SIZE_CLASSES.items()),
            "section_options": [(s.id, s.name) for s in tenants.list_sections(ctx)]}


def _enterprise_filters(args) -> dict:  # noqa: ANN001
    """The list page's query string as service filters (the export uses the same)."""
    return {"under": id_of(args, "bureau"), "q": args.get("q", "").strip() or None,
            "status": args.get("status") or None, "industry": args.get("industry") or None}


@bp.get("/enterprises")
def enterprises():  # noqa: ANN201
    ctx = req.ctx()
    if not ctx.actor.is_bureau:
        return redirect(url_for("tenants.profile"))
    args = request.args
    filters = _enterprise_filters(args)
    paging = page_of(args, 50)
    rows = tenants.list_tenants(ctx, kind="enterprise", **filters, limit=paging.limit, offset=paging.offset)
    return render_template("tenants/enterprises.html", rows=rows, args=args, paging=paging,
                           total=tenants.count_tenants(ctx, kind="enterprise", **filters),
                           filters={k: v for k, v in args.items() if k not in ("format", "page") and v},
                           bureaus=tenants.list_bureaus(ctx), industries=INDUSTRIES, statuses=STATUSES,
                           formats=formats_for(ctx))


@bp.get("/enterprises/export")
def export_enterprises():  # noqa: ANN201
    ctx = req.ctx()
    ctx.require("admin", "reviewer", "viewer", bureau=True)
    args = request.args
    headers, rows = tenants.enterprise_table(ctx, **_enterprise_filters(args))
    content, name, ctype = export(ctx, args.get("format", "xlsx"),
                                  "企业名录", headers, rows)
    return req.send_export(content, name, ctype)


@bp.route("/enterprises/new", methods=["GET", "POST"])
def new_enterprise():  # noqa: ANN201
    ctx = req.ctx()
    ctx.require("admin", bureau=True)
    if request.method == "GET":
        return render_template("tenants/enterprise_form.html", tenant=None, errors={},
                               form={"parent_id": ctx.actor.tenant_id}, **_enterprise_form_context(ctx))
    try:
        ent = tenants.create_enterprise(ctx, form_data(ints=("parent_id", "section_id"), bools=("hazchem_quantity",)))
    except ValidationFailed as e:
        return rerender("tenants/enterprise_form.html", e, tenant=None, **_enterprise_form_context(ctx))
    flash(_("已新建企业“%(name)s”", name=ent.name))
    return redirect(url_for("tenants.detail", tenant_id=ent.id))


def _enterprise_file(ctx, tenant) -> dict:  # noqa: ANN001
    """一企一档, as its bureau sees it: the enterprise's latest filings, drills, self-checks,
    its hazard ledger's figures, files and recorded history, each linking to the full list."""
    return {"filings": filings.list_filings(ctx, enterprise_id=tenant.id, limit=10),
            "drills": aftercare.list_drills(ctx, tenant.id, limit=5),
            "checklists": checklists.list_checklists(ctx, tenant_id=tenant.id, limit=5),
            "files": files.list_files(ctx, tenant_id=tenant.id, limit=5),
            "hazards": ledger_stats.figures(ctx, HazardFilter(enterprise_id=tenant.id)),
            "history": audit.tenant_history(ctx, tenant.id, limit=15)}


def _detail(tenant_id: int, status: int = 200, error=None):  # noqa: ANN001, ANN202
    ctx = req.ctx()
    tenant = tenants.get_tenant(ctx, tenant_id)
    on_file = not tenant.is_bureau and ctx.actor.is_bureau
    return render_template("tenants/detail.html", tenant=tenant,
                           parent_name=tenants.parent_name(ctx, tenant),
                           section=tenants.supervising_section(ctx, tenant.id) if not tenant.is_bureau else None,
                           children=tenants.list_tenants(ctx, parent_id=tenant.id) if tenant.is_bureau else [],
                           sections=tenants.list_sections(ctx, tenant.id) if tenant.is_bureau else [],
                           file=_enterprise_file(ctx, tenant) if on_file else None,
                           can_mark=on_file and ctx.actor.role in ("admin", "reviewer"),
                           # A code registered before the structural check, or a county merged since.
                           code_problems=[p for p in (codes.uscc_problem(tenant.uscc) if tenant.uscc else None,
                                                      codes.region_problem(tenant.region_code)) if p],
                           error=error, errors=error.errors if error else {}), status


@bp.get("/tenants/<int:tenant_id>")
def detail(tenant_id: int):  # noqa: ANN201
    return _detail(tenant_id)


@bp.post("/tenants/<int:tenant_id>/single-low-risk")
def single_low_risk(tenant_id: int):  # noqa: ANN201
    """第十五条: the bureau finds (or stops finding) the enterprise's risk single and low."""
    ctx = req.ctx()
    tenants.get_tenant(ctx, tenant_id)
    try:
        tenants.set_single_low_risk(ctx, tenant_id, request.form.get("single") == "1", request.form.get("reason"),
                                    request.form.get("version", type=int))
    except DomainError as e:
        req.doom()
        return _detail(tenant_id, e.status, e)
    flash(_("已保存认定"))
    return redirect(url_for("tenants.detail", tenant_id=tenant_id))


@bp.route("/tenants/<int:tenant_id>/edit", methods=["GET", "POST"])
def edit(tenant_id: int):  # noqa: ANN201
    ctx = req.ctx()
    tenant = tenants.get_tenant(ctx, tenant_id)
    if tenant.is_bureau:
        raise NotFound()
    context = _enterprise_form_context(ctx)
    if request.method == "GET":
        tenants.require_can_edit(ctx, tenant)
        section = tenants.supervising_section(ctx, tenant.id)
        form = {f: getattr(tenant, f) or "" for f in tenants.TENANT_FIELDS}
        form["tags"] = "、".join(tenant.tags or [])
        form.update(version=tenant.version, section_id=section.id if section else "", parent_id=tenant.parent_id)
        return render_template("tenants/enterprise_form.html", tenant=tenant, form=form, errors={}, **context)
    try:
        tenants.update_enterprise(ctx, tenant_id, form_data(ints=("section_id", "version"), bools=("hazchem_quantity",)))
    except ValidationFailed as e:
        return rerender("tenants/enterprise_form.html", e, tenant=tenant, **context)
    flash(_("已保存"))
    return redirect(url_for("tenants.detail", tenant_id=tenant_id))


@bp.get("/profile")
def profile():  # noqa: ANN201
    return redirect(url_for("tenants.detail", tenant_id=req.ctx().actor.tenant_id))


@bp.get("/units")
def bureaus():  # noqa: ANN201
    ctx = req.ctx()
    ctx.require("admin", bureau=True)
    return render_template("tenants/bureaus.html", bureaus=tenants.list_bureaus(ctx),
                           sections=tenants.list_sections(ctx), errors={}, form={},
                           bureau_options=_bureau_options(ctx))


@bp.post("/units/bureaus")
def new_bureau():  # noqa: ANN201
    ctx = req.ctx()
    try:
        b = tenants.create_bureau(ctx, form_data(ints=("parent_id",)))
    except ValidationFailed as e:
        return rerender("tenants/bureaus.html", e, bureaus=tenants.list_bureaus(ctx),
                        sections=tenants.list_sections(ctx), bureau_options=_bureau_options(ctx))
    flash(_("已新建“%(name)s”", name=b.name))
    return redirect(url_for("tenants.bureaus"))


@bp.post("/units/sections")
def new_section():  # noqa: ANN201
    ctx = req.ctx()
    data = form_data(ints=("bureau_id",))
    bureau_id = data.pop("bureau_id", None)
    try:
        s = tenants.create_section(ctx, data, bureau_id=bureau_id)
    except ValidationFailed as e:
        return rerender("tenants/bureaus.html", e, bureaus=tenants.list_bureaus(ctx),
                        sections=tenants.list_sections(ctx), bureau_options=_bureau_options(ctx))
    flash(_("已新建股室“%(name)s”", name=s.name))
    return redirect(url_for("tenants.bureaus"))
