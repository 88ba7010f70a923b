from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from core.api.auth import api_ctx, body, json_body
from core.schema import PageQuery, page, page_list, page_of
from tenants import service as tenants
from tenants.schemas import (
    BureauIn,
    EnterpriseIn,
    EnterpriseUpdate,
    SectionIn,
    TenantOut,
)

blp = Blueprint("api_tenants", __name__, url_prefix="/tenants", description="单位：应急管理局与企业")


class TenantQuery(PageQuery):
    kind = ma.fields.String(validate=ma.validate.OneOf(["bureau", "enterprise"]))
    parent_id = ma.fields.Integer()
    q = ma.fields.String()
    status = ma.fields.String()


class SectionOut(ma.Schema):
    id = ma.fields.Integer()
    tenant_id = ma.fields.Integer()
    name = ma.fields.String()
    duties = ma.fields.String(allow_none=True)


@blp.get("")
@blp.arguments(TenantQuery, location="query")
@blp.response(200, page_of(TenantOut))
def list_tenants(args):  # noqa: ANN001, ANN201
    """调用者可见的单位（本单位及下级），按层级排列。查询参数 kind、parent_id、q、status、limit、offset。"""
    ctx = api_ctx()
    filters = {k: v for k, v in args.items() if k not in ("limit", "offset")}
    return page(tenants.list_tenants(ctx, **filters, limit=args["limit"], offset=args["offset"]),
                tenants.count_tenants(ctx, **filters), args)


@blp.get("/<int:tenant_id>")
@blp.response(200, TenantOut)
def get_tenant(tenant_id: int):  # noqa: ANN201
    """一个单位；不可见的单位返回 404。"""
    return tenants.get_tenant(api_ctx(), tenant_id)


@blp.post("/enterprises")
@blp.doc(**body(EnterpriseIn))
@blp.response(201, TenantOut)
def create_enterprise():  # noqa: ANN201
    """新建企业（应急管理局管理员）。统一社会信用代码按 GB 32100 校验。"""
    ent = tenants.create_enterprise(api_ctx(), json_body())
    return ent


@blp.post("/bureaus")
@blp.doc(**body(BureauIn))
@blp.response(201, TenantOut)
def create_bureau():  # noqa: ANN201
    """新建下级应急管理局（应急管理局管理员）。"""
    bureau = tenants.create_bureau(api_ctx(), json_body())
    return bureau


@blp.put("/<int:tenant_id>")
@blp.doc(**body(EnterpriseUpdate))
@blp.response(200, TenantOut)
def update_enterprise(tenant_id: int):  # noqa: ANN201
    """修改企业信息；须提交读取时的 version，过期返回 409。未提交的字段保持原值，提交空值（null 或空字符串）
    清空该字段（必填字段不能清空）。parent_id 只能是当前监管部门：更换监管部门返回 422。"""
    ent = tenants.update_enterprise(api_ctx(), tenant_id, json_body())
    return ent


class SingleLowRiskIn(ma.Schema):
    single = ma.fields.Boolean(required=True, metadata={"description": "true：认定；false：撤销认定"})
    reason = ma.fields.String(required=True, metadata={"description": "理由（不超过500字）"})
    version = ma.fields.Integer(required=True)


@blp.post("/<int:tenant_id>/single-low-risk")
@blp.doc(**body(SingleLowRiskIn))
@blp.response(200, TenantOut)
def single_low_risk(tenant_id: int):  # noqa: ANN201
    """认定（或撤销认定）企业事故风险单一、危险性小（第十五条，应急管理局管理员或审核员）：认定后其备案可以只提交
    现场处置方案，综合应急预案不再是必备材料。须说明理由；version 过期返回 409。"""
    ctx = api_ctx()
    tenants.get_tenant(ctx, tenant_id)
    data = json_body()
    ent = tenants.set_single_low_risk(ctx, tenant_id, data.get("single") is True, data.get("reason"),
                                      data.get("version"))
    return ent


@blp.get("/<int:tenant_id>/sections")
@blp.arguments(PageQuery, location="query")
@blp.response(200, page_of(SectionOut))
def list_sections(args: dict, tenant_id: int):  # noqa: ANN201
    """应急管理局的股室队。"""
    ctx = api_ctx()
    tenants.get_tenant(ctx, tenant_id)
    return page_list(tenants.list_sections(ctx, tenant_id), args)


@blp.post("/<int:tenant_id>/sections")
@blp.doc(**body(SectionIn))
@blp.response(201, SectionOut)
def create_section(tenant_id: int):  # noqa: ANN201
    ctx = api_ctx()
    tenants.get_tenant(ctx, tenant_id)
    section = tenants.create_section(ctx, json_body(), bureau_id=tenant_id)
    return section
