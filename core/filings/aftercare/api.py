"""Emergency drills (应急演练) over JSON: an enterprise records its drills and reads its drill
obligations; a bureau reads its jurisdiction's drills and the enterprises with drills overdue."""
from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from core.api.auth import api_ctx
from core.filings.aftercare import service as aftercare
from core.filings.aftercare.service import EnterpriseDrills
from core.filings.models import Drill
from core.filings.review import service
from core.filings.schemas import DrillIn, DrillOut, DrillQuery, EnterpriseDrillsOut
from core.schema import PageQuery, page, page_list, page_of
from core.web import request as req

blp = Blueprint("api_drills", __name__, url_prefix="/drills",
                description="应急演练：企业每年至少一次综合或专项应急预案演练、每半年至少一次现场处置方案演练，"
                            "并登记演练评估报告（第三十三、三十四条）；应急管理局查看辖区演练及逾期情况")

DRILL_FIELDS = tuple(DrillOut._declared_fields)
FORM_FIELDS = ("kind", "held_on", "plan_name", "scenario", "participants", "participant_units")


def _drill(row: Drill) -> dict:
    return {f: getattr(row, f) for f in DRILL_FIELDS}


def _obligations(status: EnterpriseDrills, overdue_only: bool) -> dict:
    return {"enterprise_id": status.enterprise.id, "enterprise_name": status.enterprise.name,
            "filing_id": status.filing.id, "filing_no": status.filing.filing_no,
            "obligations": status.overdue if overdue_only else status.obligations}


@blp.get("")
@blp.arguments(DrillQuery, location="query")
@blp.response(200, page_of(DrillOut))
def list_drills(args: dict):  # noqa: ANN201
    """可见的演练记录，演练日期新的在前（企业看本企业的，应急管理局看辖区的；enterprise 按企业筛选，
    q 按演练情景、预案或企业名称搜索）"""
    ctx = api_ctx()
    rows = aftercare.list_drills(ctx, args["enterprise"], q=args["q"], limit=args["limit"], offset=args["offset"])
    return page([_drill(d) for d in rows], aftercare.count_drills(ctx, args["enterprise"], q=args["q"]), args)


@blp.post("")
@blp.doc(requestBody={"required": True, "content": {"multipart/form-data": {"schema": DrillIn}}})
@blp.response(201, DrillOut)
def record():  # noqa: ANN201
    """登记演练（企业管理员或安全员）。multipart/form-data：file（演练评估报告）、kind、held_on、plan_name
    （现场处置方案演练必填，且须为已备案的现场处置方案）、scenario、participants、participant_units。
    危险物品生产经营储存运输、矿山、金属冶炼、城市轨道交通运营、建筑施工单位和人员密集场所经营单位的演练
    同时报送所属应急管理局（第三十三条第二款）。"""
    ctx = api_ctx()
    stream, filename = req.uploaded_file()
    row = aftercare.record_drill(ctx,
                                 {k: request.form.get(k) for k in FORM_FIELDS}, stream, filename)
    return _drill(row)


@blp.get("/obligations")
@blp.arguments(PageQuery, location="query")
@blp.response(200, page_of(EnterpriseDrillsOut))
def obligations(args: dict):  # noqa: ANN201
    """演练要求（第三十三条）。企业：按在用备案计算的全部演练要求（一行；尚无在用备案时为空列表）；
    应急管理局：辖区内有演练逾期的企业及其逾期的要求，最早到期的在前。"""
    ctx = api_ctx()
    today = service.beijing_today()
    bureau = ctx.actor.is_bureau or ctx.actor.is_system
    if bureau:
        rows = aftercare.overdue_drills(ctx, today)
    else:
        in_force = aftercare.filing_in_force(ctx, ctx.actor.tenant_id)
        rows = [aftercare.drill_status(ctx, in_force, today)] if in_force else []
    out = page_list(rows, args)
    return {**out, "items": [_obligations(row, bureau) for row in out["items"]]}
