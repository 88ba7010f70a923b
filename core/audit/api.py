from __future__ import annotations

import marshmallow as ma
from flask import request
from flask_smorest import Blueprint

from core.api.auth import api_ctx
from core.audit import labels
from core.audit import service as audit
from core.audit.web import parse_filter
from core.schema import DateTime, PageQuery, page, page_of

blp = Blueprint("api_audit", __name__, url_prefix="/audit", description="审计记录（应急管理局管理员）")


class AuditOut(ma.Schema):
    id = ma.fields.Integer()  # orders events across chains
    chain = ma.fields.Integer(metadata={"description": "审计链：产生该链第一条记录的租户，0 为系统链"})
    seq = ma.fields.Integer(metadata={"description": "在所属审计链中的序号"})
    created_at = DateTime()
    tenant_id = ma.fields.Integer(allow_none=True)
    actor_name = ma.fields.String()
    action = ma.fields.String()
    action_label = ma.fields.Function(lambda e: labels.action_label(e.action))
    object_type = ma.fields.String()
    object_id = ma.fields.String(allow_none=True)
    summary = ma.fields.String()
    payload_digest = ma.fields.String()
    hash = ma.fields.String()


class AuditQuery(PageQuery):
    """Documents the filters; parse_filter reads them, as the 审计记录 page does."""

    action = ma.fields.String(metadata={"label": "操作"})
    object_type = ma.fields.String(metadata={"label": "对象类型"})
    actor = ma.fields.String(metadata={"label": "操作人"})
    tenant_id = ma.fields.String(metadata={"label": "单位", "description": "单位编号"})
    since = ma.fields.String(metadata={"label": "起始日期", "description": "YYYY-MM-DD（北京时间）"})
    until = ma.fields.String(metadata={"label": "截止日期", "description": "YYYY-MM-DD（北京时间），含当天"})
    q = ma.fields.String(metadata={"label": "搜索", "description": "摘要中的文字"})


@blp.get("")
@blp.arguments(AuditQuery, location="query")
@blp.response(200, page_of(AuditOut))
def list_events(args: dict):  # noqa: ANN201
    """辖区内的审计记录，新的在前。查询参数：action、object_type、actor、tenant_id、since、until（YYYY-MM-DD）、q（摘要中的文字）、limit、offset。"""
    ctx = api_ctx()
    flt = parse_filter(request.args)
    return page(audit.list_events(ctx, flt, limit=args["limit"], offset=args["offset"]),
                audit.count_events(ctx, flt), args)
