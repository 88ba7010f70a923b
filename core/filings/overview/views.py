"""A bureau's filing supervision pages: the overview (counts by status and by filing
bureau), the lists behind each figure with xlsx export, and the bureau's filing settings."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.errors import DomainError
from core.exports import export, formats_for
from core.filings import rules
from core.filings.models import DEFAULT_NUMBER_FORMAT, STATUSES
from core.filings.overview import service as overview
from core.filings.review import service
from core.filings.review.views import PAGE, list_filters
from core.web import request as req
from core.web.paging import page_of
from tenants import service as tenants
from tenants.models import INDUSTRIES

bp = Blueprint("filing_overview", __name__, url_prefix="/filings", template_folder="../templates")

# Materials a bureau may make required or optional (the statutory core always stays required).
CONFIGURABLE = tuple(k for k in rules.MATERIALS if k not in rules.STATUTORY_MATERIALS)


@bp.get("/overview")
def index():  # noqa: ANN201
    ctx = req.ctx()
    return render_template("filings/overview.html", summary=overview.summary(ctx), lists=overview.LISTS,
                           statuses=STATUSES)


@bp.get("/overview/<name>")
def show(name: str):  # noqa: ANN201
    ctx = req.ctx()
    table = overview.table(ctx, name, **list_filters())
    return render_template("filings/overview_list.html", table=table, lists=overview.LISTS,
                           query={k: v for k, v in request.args.items() if v}, paging=page_of(request.args, PAGE),
                           formats=formats_for(ctx))


@bp.get("/overview/<name>/export")
def export_list(name: str):  # noqa: ANN201
    ctx = req.ctx()
    table = overview.table(ctx, name, **list_filters())
    content, filename, ctype = export(ctx,
                                      request.args.get("format", "xlsx"), table.title, table.headers, table.rows)
    return req.send_export(content, filename, ctype)


def _settings_page(status: int = 200, error: DomainError | None = None):
    ctx = req.ctx()
    ctx.require("admin", bureau=True, message=_("只有应急管理局管理员可以修改备案设置"))
    settings = service.settings_for(ctx, ctx.actor.tenant_id)
    bureau = tenants.get_tenant(ctx, ctx.actor.tenant_id)
    desk = request.form.get("desk_section_id", "") if error else (
        str(settings.desk_section_id) if settings and settings.desk_section_id else "")
    return render_template(
        "filings/settings.html", settings=settings, default_format=DEFAULT_NUMBER_FORMAT,
        number_format=(request.form.get("number_format") if error else None)
        or (settings.number_format if settings else DEFAULT_NUMBER_FORMAT),
        overrides=settings.material_overrides if settings else {},
        years=settings.evaluation_years if settings else {},
        configurable=[(k, rules.MATERIALS[k]) for k in CONFIGURABLE], industries=INDUSTRIES,
        statutory=[rules.MATERIALS[k] for k in rules.MATERIALS if k in rules.STATUTORY_MATERIALS],
        default_years={k: 3 if k in rules.EVALUATION_EVERY_3_YEARS else None for k in INDUSTRIES},
        sample=service.format_number(settings.number_format if settings else DEFAULT_NUMBER_FORMAT,
                                     bureau.short_name or bureau.name, service.beijing_today().year, 12),
        sections=tenants.list_sections(ctx, bureau.id), desk=desk,
        error=error, errors=error.errors if error else {},
    ), status


@bp.get("/settings")
def settings():  # noqa: ANN201
    return _settings_page()[0]


def _posted_settings() -> dict:
    """Form fields "req:<scope>:<material>" (""/"1"/"0") and "years:<industry>" as the
    service's maps; "*" is the row for all industries."""
    overrides: dict[str, dict[str, bool]] = {}
    for scope in ("*", *INDUSTRIES):
        for key in CONFIGURABLE:
            value = request.form.get(f"req:{scope}:{key}", "")
            if value in ("1", "0"):
                overrides.setdefault(scope, {})[key] = value == "1"
    years: dict[str, object] = {}
    for industry in INDUSTRIES:
        raw = request.form.get(f"years:{industry}", "").strip()
        if raw:
            # Anything but a short ASCII number goes to the service as text, which refuses it.
            years[industry] = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else raw
    return {"number_format": request.form.get("number_format", "").strip() or DEFAULT_NUMBER_FORMAT,
            "material_overrides": overrides, "evaluation_years": years,
            "desk_section_id": request.form.get("desk_section_id", type=int)}


@bp.post("/settings")
def save_settings():  # noqa: ANN201
    ctx = req.ctx()
    try:
        service.update_settings(ctx, _posted_settings())
    except DomainError as e:
        req.doom()
        return _settings_page(e.status, e)
    flash(_("备案设置已保存"))
    return redirect(url_for("filing_overview.settings"), 303)
