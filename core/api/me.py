from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from core.api.auth import api_ctx
from core.auth import service as auth
from core.auth.schemas import UserOut
from tenants import service as tenants
from tenants.schemas import TenantOut

blp = Blueprint("api_me", __name__, url_prefix="", description="当前调用者")


class MeOut(ma.Schema):
    user = ma.fields.Nested(UserOut)
    tenant = ma.fields.Nested(TenantOut)
    roles = ma.fields.List(ma.fields.String())


@blp.get("/me")
@blp.response(200, MeOut)
def me():  # noqa: ANN201
    """当前用户、所属单位与角色。"""
    ctx = api_ctx()
    user = auth.get_user(ctx, ctx.actor.user_id)
    return {"user": user, "tenant": tenants.get_tenant(ctx, ctx.actor.tenant_id), "roles": ctx.actor.roles}
