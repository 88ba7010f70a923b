"""The bureau's filing supervision figures over JSON (the 备案统计 page's data)."""
from __future__ import annotations

from datetime import date

import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow import fields

from core.api.auth import api_ctx
from core.filings.overview import service as overview

blp = Blueprint("api_filing_overview", __name__, url_prefix="/filing-overview",
                description="备案统计（应急管理局）：按状态与备案机关的数量、审查逾期、逾期视为备案、评估到期、"
                            "无有效备案企业、演练逾期；上级局看到下级局的数据")


class BureauRowOut(ma.Schema):
    bureau = fields.String()
    submitted = fields.Integer()
    overdue = fields.Integer()
    filed = fields.Integer()
    deemed = fields.Integer()


class SummaryOut(ma.Schema):
    by_status = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"description": "状态 → 件数"})
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "清单 → 条数：" + "、".join(f"{k}（{v}）" for k, v in overview.LISTS.items() if k != "filings")})
    by_bureau = fields.List(fields.Nested(BureauRowOut))


class TableOut(ma.Schema):
    name = fields.String()
    title = fields.String()
    headers = fields.List(fields.String())
    rows = fields.List(fields.List(fields.Raw()), metadata={"description": "日期为 YYYY-MM-DD"})


@blp.get("")
@blp.response(200, SummaryOut)
def summary():  # noqa: ANN201
    """备案统计数字"""
    return overview.summary(api_ctx())


@blp.get("/<name>")
@blp.response(200, TableOut)
def table(name: str):  # noqa: ANN201
    """统计清单：overdue、deemed、evaluations、unfiled、drills 或 filings（与页面及导出的内容相同）"""
    t = overview.table(api_ctx(), name)
    return {"name": t.name, "title": t.title, "headers": t.headers,
            "rows": [[v.isoformat() if isinstance(v, date) else v for v in row] for row in t.rows]}
