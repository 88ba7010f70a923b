"""Checklist self-checks over JSON. Another tenant's run answers 404 on every id route,
before its body is looked at."""
from __future__ import annotations

from flask_smorest import Blueprint

from core.api.auth import api_ctx, body, json_body
from core.checklists import service
from core.checklists.models import ChecklistRun
from core.checklists.schemas import (
    ChecklistAnswersIn,
    ChecklistQuery,
    ChecklistRunDetailOut,
    ChecklistRunOut,
    ChecklistStartIn,
    ChecklistTemplateOut,
    ChecklistTransitionIn,
)
from core.context import ServiceContext
from core.schema import PageQuery, page, page_list, page_of

blp = Blueprint("api_checklists", __name__, url_prefix="/checklists",
                description="检查表自查：企业按插件提供的检查表模板自查并提交，应急管理局审核通过或退回")

NAME_FIELDS = ("created_by_name", "reviewed_by_name")
RUN_FIELDS = tuple(f for f in ChecklistRunOut._declared_fields if f not in NAME_FIELDS)


def _out(ctx: ServiceContext, run: ChecklistRun, names: dict[int, str] | None = None, **extra) -> dict:
    names = service.people(ctx, [run]) if names is None else names
    return {**{f: getattr(run, f) for f in RUN_FIELDS},
            "created_by_name": names.get(run.created_by, ""), "reviewed_by_name": names.get(run.reviewed_by, ""),
            **extra}


def _detail(ctx: ServiceContext, run: ChecklistRun) -> dict:
    return _out(ctx, run, body=service.checklist_body(ctx, run), actions=service.actions(ctx, run))


@blp.get("/templates")
@blp.arguments(PageQuery, location="query")
@blp.response(200, page_of(ChecklistTemplateOut))
def templates(args: dict):  # noqa: ANN201
    """本单位可用的检查表模板（各模板的最新版本；插件须对本单位或上级启用，且适用于本企业行业）"""
    return page_list(service.offered(api_ctx()), args)


@blp.get("")
@blp.arguments(ChecklistQuery, location="query")
@blp.response(200, page_of(ChecklistRunOut))
def list_runs(args: dict):  # noqa: ANN201
    """可见的自查记录，新的在前：企业看本企业的，应急管理局看辖区内的。查询参数 status、tenant_id、limit、offset。"""
    ctx = api_ctx()
    runs = service.list_checklists(ctx, args["status"], tenant_id=args["tenant_id"], limit=args["limit"],
                                   offset=args["offset"])
    names = service.people(ctx, runs)
    return page([_out(ctx, r, names) for r in runs],
                service.count_checklists(ctx, args["status"], tenant_id=args["tenant_id"]), args)


@blp.post("")
@blp.arguments(ChecklistStartIn)
@blp.response(201, ChecklistRunDetailOut)
def start(args: dict):  # noqa: ANN201
    """开始自查：按模板的最新版本创建草稿，并保存该版本的模板快照"""
    ctx = api_ctx()
    run = service.start_checklist(ctx, args["template_id"])
    return _detail(ctx, run)


@blp.get("/<int:run_id>")
@blp.response(200, ChecklistRunDetailOut)
def get_run(run_id: int):  # noqa: ANN201
    """自查记录、作答及开始时的模板快照"""
    ctx = api_ctx()
    return _detail(ctx, service.get_checklist(ctx, run_id))


@blp.put("/<int:run_id>/answers")
@blp.doc(**body(ChecklistAnswersIn))
@blp.response(200, ChecklistRunDetailOut)
def save_answers(run_id: int):  # noqa: ANN201
    """保存作答（草稿或已退回时）。作答不合要求返回 422 并指明检查项；version 已过期返回 409。"""
    ctx = api_ctx()
    data = json_body()
    run = service.save_answers(ctx, run_id, data.get("answers"), data.get("version"))
    return _detail(ctx, run)


@blp.post("/<int:run_id>/transitions")
@blp.doc(**body(ChecklistTransitionIn))
@blp.response(200, ChecklistRunDetailOut)
def transition(run_id: int):  # noqa: ANN201
    """提交（企业，须答完全部是否题与评分题，否则 409 列出未答项）、通过或退回（应急管理局，退回须填意见）"""
    ctx = api_ctx()
    data = json_body()
    run = service.transition(ctx, run_id, data.get("action"), data.get("version"), data.get("comment"))
    return _detail(ctx, run)
