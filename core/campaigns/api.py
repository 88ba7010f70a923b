"""Campaigns over JSON: templates, launching and adopting, publishing, the progress matrix and
its export, and tasks with their transitions. Another jurisdiction's campaign or task
answers 404 on every id route, before its body is looked at."""
from __future__ import annotations

from flask import jsonify, request
from flask_smorest import Blueprint

from core.api.auth import api_ctx, body, json_body, xlsx_download
from core.campaigns import inspections, progress, service, tasks
from core.campaigns.models import CampaignTask
from core.campaigns.schemas import (
    CampaignDetailOut,
    CampaignIn,
    CampaignOut,
    CampaignQuery,
    InspectionIn,
    InspectionOut,
    MatrixOut,
    MatrixQuery,
    PublishedOut,
    PublishIn,
    TaskDetailOut,
    TaskFileIn,
    TaskOut,
    TaskQuery,
    TaskSaveIn,
    TaskTransitionIn,
    TemplateOut,
    VersionIn,
    matrix_out,
)
from core.context import ServiceContext
from core.jobs.models import Job
from core.ledgers.schemas import HazardOut
from core.schema import PageQuery, page, page_list, page_of
from core.web.request import send_export, uploaded_file

blp = Blueprint("api_campaigns", __name__, url_prefix="",
                description="专项整治：按插件模板启动、转发落实、发布任务，企业填报与审核，进度矩阵与导出")


def _detail(ctx: ServiceContext, campaign) -> dict:  # noqa: ANN001
    out = {f: getattr(campaign, f) for f in CampaignOut._declared_fields}
    # Whom else the campaign targets and which sections answer for it are the bureaus' business.
    inner = ctx.actor.is_bureau
    return {**out, "schedule": campaign.schedule, "targets": campaign.targets if inner else {},
            "sections": campaign.sections if inner else {},
            "extra_items": campaign.extra_items, "body": service.body_of(ctx, campaign),
            "tasks": tasks.count_tasks(ctx, tasks.TaskFilter(campaign_id=campaign.id))}


@blp.route("/campaign-templates", methods=["GET"])
@blp.arguments(PageQuery, location="query")
@blp.response(200, page_of(TemplateOut))
def templates(args: dict):  # noqa: ANN201
    """本单位可用的专项整治模板（插件须对本单位或上级启用），每个模板列出全部版本"""
    return page_list(service.offered(api_ctx()), args)


@blp.route("/campaigns", methods=["GET"])
@blp.arguments(CampaignQuery, location="query")
@blp.response(200, page_of(CampaignOut))
def list_campaigns(args: dict):  # noqa: ANN201
    """可见的专项整治：应急管理局看本局的、上级待转发的和下级的；企业看向本企业下达任务的"""
    ctx = api_ctx()
    where = {"status": args.get("status"), "q": args.get("q")}
    return page(service.list_campaigns(ctx, **where, limit=args["limit"], offset=args["offset"]),
                service.count_campaigns(ctx, **where), args)


@blp.route("/campaigns", methods=["POST"])
@blp.doc(**body(CampaignIn))
@blp.response(201, CampaignDetailOut)
def launch(**_):  # noqa: ANN201
    """拟定专项整治（草稿）：template_id（可选 version）或 adopt_from（转发上级的），starts_on、doc_no，
    可选 schedule、targets、sections、extra_items。日期按模板天数计算；阶段之外的期限须 confirm。"""
    ctx = api_ctx()
    return _detail(ctx, service.launch_campaign(ctx, json_body()))


@blp.route("/campaigns/<int:campaign_id>", methods=["GET"])
@blp.response(200, CampaignDetailOut)
def get_campaign(campaign_id: int):  # noqa: ANN201
    """专项整治、日程与启动时的模板快照"""
    ctx = api_ctx()
    return _detail(ctx, service.get_campaign(ctx, campaign_id))


@blp.route("/campaigns/<int:campaign_id>", methods=["PATCH"])
@blp.doc(**body(CampaignIn))
@blp.response(200, CampaignDetailOut)
def update(campaign_id: int):  # noqa: ANN201
    """修改草稿（须带 version）：文号、名称、日期、对象、负责股室、本级增加的工作内容"""
    ctx = api_ctx()
    data = json_body()
    return _detail(ctx, service.update_campaign(ctx, campaign_id, data, data.get("version")))


@blp.route("/campaigns/<int:campaign_id>/publish", methods=["POST"])
@blp.doc(**body(PublishIn))
@blp.response(200, PublishedOut)
@blp.alt_response(202, schema=PublishedOut, description="任务较多（超过 ANJIAN_CAMPAIGN_INLINE_TASKS）：转为后台任务发布")
def publish(campaign_id: int):  # noqa: ANN201
    """发布：旗县的向每个对象企业下达全部任务并通知；市级的通知各旗县转发落实"""
    ctx = api_ctx()
    out = service.publish_campaign(ctx, campaign_id, json_body().get("version"))
    if isinstance(out, Job):
        campaign = service.get_campaign(ctx, campaign_id)
        return jsonify(PublishedOut().dump({"status": "queued", "campaign": campaign, "job": out})), 202
    return {"status": "published", "campaign": out, "job": None}


@blp.route("/campaigns/<int:campaign_id>/matrix", methods=["GET"])
@blp.arguments(MatrixQuery, location="query")
@blp.response(200, MatrixOut)
def matrix(args: dict, campaign_id: int):  # noqa: ANN201
    """进度矩阵：企业 × 工作内容，每格为任务状态（逾期标出），每行、每列的完成数；市级另列各旗县进度"""
    return matrix_out(progress.matrix(api_ctx(), campaign_id, **args))


@blp.route("/campaigns/<int:campaign_id>/export", methods=["GET"])
@blp.doc(**xlsx_download("进度矩阵、各旗县进度（市级）、问题台账和本局问题台账，每项一个工作表"))
def export(campaign_id: int):  # noqa: ANN201
    """导出进度与问题台账（.xlsx）"""
    return send_export(*progress.export_campaign(api_ctx(), campaign_id, request.args.get("format", "xlsx")))


@blp.route("/tasks", methods=["GET"])
@blp.arguments(TaskQuery, location="query")
@blp.response(200, page_of(TaskOut))
def list_tasks(args: dict):  # noqa: ANN201
    """当前用户的任务，期限近的在前：企业为本企业的，应急管理局为本局专项整治及下级的"""
    ctx = api_ctx()
    where = tasks.TaskFilter(**{k: args.get(k) for k in ("campaign_id", "status", "item_id", "enterprise_id",
                                                         "section_id", "overdue")})
    return page(tasks.list_tasks(ctx, where, limit=args["limit"], offset=args["offset"]),
                tasks.count_tasks(ctx, where), args)


def _task(ctx: ServiceContext, task: CampaignTask) -> dict:
    v = tasks.view(ctx, task.id)
    return {**{f: getattr(task, f) for f in TaskOut._declared_fields}, "item": v.item.body, "data": task.data or {}, "overdue": v.overdue,
            "actions": [{"name": t.name, "label": t.label, "needs_comment": "comment" in t.requires} for t in v.actions],
            "problems": HazardOut(many=True).dump(v.hazards)}


@blp.route("/tasks/<int:task_id>", methods=["GET"])
@blp.response(200, TaskDetailOut)
def get_task(task_id: int):  # noqa: ANN201
    """任务、工作要求（快照）与已填报内容"""
    ctx = api_ctx()
    return _task(ctx, tasks.get_task(ctx, task_id))


@blp.route("/tasks/<int:task_id>", methods=["PUT"])
@blp.doc(**body(TaskSaveIn))
@blp.response(200, TaskDetailOut)
def save_task(task_id: int):  # noqa: ANN201
    """保存填报内容（未开始、填报中或已退回时）；不合要求返回 422 并指明字段，version 过期返回 409"""
    ctx = api_ctx()
    data = json_body()
    return _task(ctx, tasks.save_task(ctx, task_id, data.get("data"), data.get("version")))


@blp.route("/tasks/<int:task_id>/files", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": TaskFileIn}}})
@blp.response(201, TaskDetailOut)
def add_file(task_id: int):  # noqa: ANN201
    """上传一个附件到任务的附件栏目（multipart：field、file；按内容核验类型与大小）"""
    ctx = api_ctx()
    tasks.get_task(ctx, task_id)   # another unit's task: 404 before the body is looked at
    tasks.add_file(ctx, task_id, request.form.get("field", ""), *uploaded_file())
    return _task(ctx, tasks.get_task(ctx, task_id))


@blp.route("/tasks/<int:task_id>/transitions", methods=["POST"])
@blp.doc(**body(TaskTransitionIn))
@blp.response(200, TaskDetailOut)
def transition(task_id: int):  # noqa: ANN201
    """提交审核或办结（承办方；缺项返回 422 逐项说明），审核通过或退回（应急管理局，退回须填意见；同时审核返回 409）"""
    ctx = api_ctx()
    data = json_body()
    return _task(ctx, tasks.transition(ctx, task_id, data.get("action"), data.get("version"), data.get("comment")))


@blp.route("/tasks/<int:task_id>/inspections", methods=["POST"])
@blp.response(201, InspectionOut)
def start_inspection(task_id: int):  # noqa: ANN201
    """开始督查检查（股室队的检查任务；已有检查中的记录则返回它），检查内容取自专项整治的检查表"""
    return inspections.start_inspection(api_ctx(), task_id)


@blp.route("/inspections/<int:inspection_id>", methods=["GET"])
@blp.response(200, InspectionOut)
def get_inspection(inspection_id: int):  # noqa: ANN201
    """督查检查记录（企业可看已完成的）"""
    return inspections.get_inspection(api_ctx(), inspection_id)


@blp.route("/inspections/<int:inspection_id>", methods=["PUT"])
@blp.doc(**body(InspectionIn))
@blp.response(200, InspectionOut)
def save_inspection(inspection_id: int):  # noqa: ANN201
    """保存检查日期、检查人员、逐项检查结果和发现的问题（检查中时）；不合要求返回 422 并指明哪一条"""
    ctx = api_ctx()
    inspections.get_inspection(ctx, inspection_id)
    data = json_body()
    return inspections.save_inspection(ctx, inspection_id, {k: v for k, v in data.items() if k != "version"},
                                       data.get("version"))


@blp.route("/inspections/<int:inspection_id>/photos", methods=["POST"])
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "properties": {"file": {"type": "string", "format": "binary"},
                                     "finding": {"type": "integer", "description": "问题序号（从0起）"}},
    "required": ["file"]}}}})
@blp.response(201, InspectionOut)
def add_photo(inspection_id: int):  # noqa: ANN201
    """上传现场照片（multipart：file，可选 finding），附于该条问题"""
    ctx = api_ctx()
    inspections.get_inspection(ctx, inspection_id)
    inspections.add_photo(ctx, inspection_id, *uploaded_file(), finding=request.form.get("finding", type=int))
    return inspections.get_inspection(ctx, inspection_id)


@blp.route("/inspections/<int:inspection_id>/complete", methods=["POST"])
@blp.doc(**body(VersionIn))
@blp.response(200, InspectionOut)
def complete_inspection(inspection_id: int):  # noqa: ANN201
    """完成检查：发现的问题记入企业的问题台账（只记一次），检查任务办结并通知企业"""
    ctx = api_ctx()
    inspections.get_inspection(ctx, inspection_id)
    return inspections.complete_inspection(ctx, inspection_id, json_body().get("version"))
