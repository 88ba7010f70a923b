"""Pages: the checklist list (templates to start, runs), one run rendered from its template
snapshot with the answer form and the workflow buttons."""
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

from core.checklists import service
from core.checklists.models import STATUSES
from core.errors import DomainError
from core.web import request as req
from core.web.paging import id_of, page_of, query_of

bp = Blueprint("checklists", __name__, url_prefix="/checklists", template_folder="templates")
PAGE = 50


@bp.get("")
def index():  # noqa: ANN201
    ctx = req.ctx()
    args = request.args
    status = args.get("status") if args.get("status") in STATUSES else None
    tenant_id = id_of(args, "enterprise") if ctx.actor.is_bureau else None
    q, paging = query_of(args), page_of(args, PAGE)
    runs = service.list_checklists(ctx, status, tenant_id=tenant_id, q=q, limit=paging.limit, offset=paging.offset)
    total = service.count_checklists(ctx, status, tenant_id=tenant_id, q=q)
    return render_template(
        "checklists/index.html", runs=runs, names=service.people(ctx, runs), status=status, paging=paging,
        total=total, q=q, args=args,
        tenant_id=tenant_id, statuses=STATUSES, is_bureau=ctx.actor.is_bureau,
        templates=[] if ctx.actor.is_bureau else service.offered(ctx),
        can_start=service.start_refusal(ctx) is None,
        enterprises=service.enterprise_choices(ctx) if ctx.actor.is_bureau else [],
    )


@bp.post("/start")
def start():  # noqa: ANN201
    run = service.start_checklist(req.ctx(), request.form.get("template_id", ""))
    flash(_("已开始自查“%(title)s”（模板版本 %(version)s）", title=run.title, version=run.template_version))
    return redirect(url_for("checklists.detail", run_id=run.id), 303)


def _detail(run_id: int, status: int = 200, error: DomainError | None = None, posted: dict | None = None):  # noqa: ANN202
    ctx = req.ctx()
    run = service.get_checklist(ctx, run_id)
    body = service.checklist_body(ctx, run)
    return render_template(
        "checklists/detail.html", run=run, body=body,
        answers=run.answers or {}, posted=posted, error=error, errors=error.errors if error else {},
        editable=service.answer_refusal(ctx, run) is None, actions=service.actions(ctx, run),
        names=service.people(ctx, [run]), yes_no=service.YES_NO, answer_kinds=service.ANSWER_KINDS,
        missing=set(service.missing_items(body, run.answers or {})),
    ), status


@bp.get("/<int:run_id>")
def detail(run_id: int):  # noqa: ANN201
    return _detail(run_id)[0]


def _posted_answers() -> dict:
    """Form fields "value:<item id>" and "note:<item id>" as {item id: {value, note}}."""
    answers: dict[str, dict] = {}
    for key, value in request.form.items():
        field, sep, item_id = key.partition(":")
        if sep and field in ("value", "note"):
            answers.setdefault(item_id, {})[field] = value
    return answers


@bp.post("/<int:run_id>/answers")
def save_answers(run_id: int):  # noqa: ANN201
    ctx = req.ctx()
    service.get_checklist(ctx, run_id)  # another tenant's run: 404 before the form is looked at
    try:
        service.save_answers(ctx, run_id, _posted_answers(), request.form.get("version", type=int))
    except DomainError as e:
        req.doom()
        return _detail(run_id, e.status, e, posted=request.form)
    flash(_("作答已保存"))
    return redirect(url_for("checklists.detail", run_id=run_id), 303)


@bp.post("/<int:run_id>/transitions")
def transition(run_id: int):  # noqa: ANN201
    ctx = req.ctx()
    service.get_checklist(ctx, run_id)
    try:
        service.transition(ctx, run_id, request.form.get("action", ""), request.form.get("version", type=int),
                                 request.form.get("comment"))
    except DomainError as e:
        req.doom()
        return _detail(run_id, e.status, e)
    done = {"submit": _("自查已提交，等待应急管理局审核"), "accept": _("自查已审核通过"),
            "return": _("自查已退回企业修改")}
    flash(done[request.form["action"]])
    return redirect(url_for("checklists.detail", run_id=run_id), 303)
