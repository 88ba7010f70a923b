"""Pages of the working-day calendar: loaded years, one year's exceptions, loading a
holiday notice (top bureau only) and a small working-day calculator."""
from __future__ import annotations

import marshmallow as ma
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.calendar import service as calendar
from core.errors import NotFound, ValidationFailed
from core.schema import Date, Schema, load_or_fail
from core.web import request as req

bp = Blueprint("calendar", __name__, template_folder="templates")

# The calculator is a convenience; the bound keeps the walk short and inside date's range.
MAX_CALC_DAYS = 1000


class CalculatorQuery(Schema):
    start = Date(required=True, metadata={"label": "起算日期"})
    n = ma.fields.Integer(required=True, strict=False, metadata={"label": "工作日数"},
                          validate=ma.validate.Range(-MAX_CALC_DAYS, MAX_CALC_DAYS,
                                                     error=f"工作日数应在±{MAX_CALC_DAYS}以内"))


def _ctx():  # noqa: ANN202
    ctx = req.ctx()
    if ctx is None:
        raise NotFound("页面或对象不存在")
    return ctx


def _int_or_none(raw: str) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 4 else None


def _render(ctx, year: int | None, form: dict | None = None, form_errors: dict | None = None,  # noqa: ANN001
            status: int = 200):  # noqa: ANN202
    view = calendar.overview(ctx, year)
    calc = calc_errors = None
    calc_n = 0
    args = {k: request.args.get(k, "") for k in ("start", "n")}
    if args["start"] or args["n"]:
        try:
            q = load_or_fail(CalculatorQuery(), args)
            calc_n = q["n"]
            calc = calendar.add_working_days(ctx.session, q["start"], calc_n)
        except ValidationFailed as e:
            calc_errors = e.errors
    return render_template("calendar/index.html", view=view, form=form or {"year": "", "text": "", "source": ""},
                           form_errors=form_errors or {}, calc=calc, calc_args=args, calc_n=calc_n,
                           calc_errors=calc_errors or {}), status


@bp.get("/calendar")
def index():  # noqa: ANN201
    """Loaded years and the exceptions of ?year=; bureau administrators only (404 otherwise)."""
    return _render(_ctx(), _int_or_none(request.args.get("year", "")))


@bp.post("/calendar/load")
def load():  # noqa: ANN201
    ctx = _ctx()
    form = {k: request.form.get(k, "") for k in ("year", "text", "source")}
    year = _int_or_none(form["year"])
    try:
        # The service checks permission first, then the year (None → 年份 error) and text.
        loaded = calendar.load_year(ctx, year, form["text"], form["source"])
    except ValidationFailed as e:
        req.doom()
        return _render(ctx, year, form, e.errors, 422)
    flash(_("已导入%(year)s年节假日安排：工作日放假%(off)s天，调休上班%(on)s天",
            year=loaded.year, off=loaded.days_off, on=loaded.make_up_days), "success")
    for message, params in loaded.followups:
        flash(_(message, **params), "success")
    return redirect(url_for("calendar.index", year=loaded.year))
