from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from core.api.auth import api_ctx, body, json_body
from core.errors import ValidationFailed
from core.plugins import service
from core.schema import PageQuery, Schema, load_or_fail, page_list, page_of

blp = Blueprint("api_plugins", __name__, url_prefix="/plugins", description="插件与启用范围")


class PluginOut(ma.Schema):
    name = ma.fields.Function(lambda v: v.record.name)
    title = ma.fields.Function(lambda v: v.record.title)
    description = ma.fields.Function(lambda v: v.record.description)
    distribution = ma.fields.Function(lambda v: v.record.distribution)
    version = ma.fields.Function(lambda v: v.record.version)
    state = ma.fields.Function(lambda v: v.record.state)
    error = ma.fields.Function(lambda v: v.record.error)
    contributes = ma.fields.Function(lambda v: v.record.contributions())
    enabled = ma.fields.Boolean()
    explicit = ma.fields.Boolean(allow_none=True)


class EnablementIn(Schema):
    enabled = ma.fields.Boolean(required=True, allow_none=True, metadata={"label": "启用"})
    tenant_id = ma.fields.Integer(load_default=None, metadata={"label": "单位"})


@blp.get("")
@blp.arguments(PageQuery, location="query")
@blp.response(200, page_of(PluginOut))
def list_plugins(args: dict):  # noqa: ANN201
    """管理员：已安装的全部插件（发行包、版本、状态 loaded/failed、提供的内容、对本单位是否启用）；
    其他用户：对本单位启用的插件。"""
    ctx = api_ctx()
    if ctx.actor.role == "admin":
        return page_list(service.list_plugins(ctx), args)
    return page_list(service.enabled_for_me(ctx), args)


@blp.put("/<name>/enablement")
@blp.doc(**body(EnablementIn))
@blp.response(200, PluginOut)
def set_enablement(name: str):  # noqa: ANN201
    """为本单位（或 tenant_id 指定的下级应急管理局）启用（true）、停用（false）或恢复继承（null）。"""
    ctx = api_ctx()
    data = load_or_fail(EnablementIn(), json_body())
    service.set_enabled(ctx, name, data["enabled"], data["tenant_id"])
    for view in service.list_plugins(ctx, data["tenant_id"]):
        if view.record.name == name:
            return view
    raise ValidationFailed({"name": ["插件不存在"]})
