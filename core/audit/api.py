from __future__ import annotations

import marshmallow as ma

from core.schema import DateTime
from flask import request
from flask_smorest import Blueprint

from core.api.auth import api_ctx
from core.audit import labels, service as audit
from core.audit.views import parse_filter

# An offset past any real trail: larger ones would overflow the databases' integer binds.
MAX_OFFSET = 10**9

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


@blp.get("")
@blp.response(200, AuditOut(many=True))
def list_events():  # noqa: ANN201
    """辖区内的审计记录，新的在前。查询参数：action、object_type、actor、tenant_id、since、until（YYYY-MM-DD）、q（摘要中的文字）、limit、offset。"""
    limit = max(1, min(request.args.get("limit", 50, type=int), 500))
    offset = min(max(0, request.args.get("offset", 0, type=int)), MAX_OFFSET)
    return audit.list_events(api_ctx(), parse_filter(request.args), limit=limit, offset=offset)
