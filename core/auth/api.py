from __future__ import annotations

import marshmallow as ma
from flask import current_app, request
from flask_smorest import Blueprint

from core.api.auth import api_ctx, body, json_body
from core.auth import service as auth
from core.auth.schemas import (
    LoginIn,
    PasswordIn,
    TokenOut,
    UserIn,
    UserOut,
    UserQuery,
    UserUpdate,
)
from core.context import ServiceContext
from core.schema import PageQuery, page, page_list, page_of
from core.web import request as req

blp = Blueprint("api_users", __name__, url_prefix="/users", description="用户")
tokens_blp = Blueprint("api_tokens", __name__, url_prefix="/tokens", description="API 令牌")


class NewTokenOut(ma.Schema):
    token = ma.fields.String()
    id = ma.fields.Integer()
    prefix = ma.fields.String()


class TokenLoginIn(LoginIn):
    name = ma.fields.String(load_default="API 令牌", metadata={"label": "令牌名称"})


@tokens_blp.post("")
@tokens_blp.arguments(TokenLoginIn)
@tokens_blp.response(201, NewTokenOut)
def create_token(data):  # noqa: ANN001, ANN201
    """用用户名和密码换取 API 令牌（只返回这一次）。错误的凭据返回 401。"""
    s = req.db()
    user = auth.authenticate(s, data["username"], data["password"],
                             max_failures=current_app.config["LOGIN_MAX_FAILURES"],
                             lock_minutes=current_app.config["LOGIN_LOCK_MINUTES"],
                             via="api", remote_addr=request.remote_addr)
    ctx = ServiceContext.for_user(s, user)
    token, secret = auth.create_token(ctx, user.id, {"name": data["name"]})
    return {"token": secret, "id": token.id, "prefix": token.prefix}


@tokens_blp.get("")
@tokens_blp.arguments(PageQuery, location="query")
@tokens_blp.response(200, page_of(TokenOut))
def list_tokens(args: dict):  # noqa: ANN201
    """调用者自己的令牌（不含密钥）。"""
    ctx = api_ctx()
    return page_list(auth.list_tokens(ctx, ctx.actor.user_id), args)


@tokens_blp.delete("/<int:token_id>")
@tokens_blp.response(200, TokenOut)
def revoke_token(token_id: int):  # noqa: ANN201
    """吊销令牌。"""
    token = auth.revoke_token(api_ctx(), token_id)
    return token


@blp.get("")
@blp.arguments(UserQuery, location="query")
@blp.response(200, page_of(UserOut))
def list_users(args: dict):  # noqa: ANN201
    """辖区内的用户（管理员、审核员），按单位、用户名排列。查询参数 tenant_id、q、limit、offset。"""
    ctx = api_ctx()
    return page(auth.list_users(ctx, args["tenant_id"], q=args["q"], limit=args["limit"], offset=args["offset"]),
                auth.count_users(ctx, args["tenant_id"], q=args["q"]), args)


@blp.post("")
@blp.doc(**body(UserIn))
@blp.response(201, UserOut)
def create_user():  # noqa: ANN201
    """新建用户（管理员）。"""
    user = auth.create_user(api_ctx(), json_body())
    return user


@blp.get("/<int:user_id>")
@blp.response(200, UserOut)
def get_user(user_id: int):  # noqa: ANN201
    ctx = api_ctx()
    user = auth.get_user(ctx, user_id)
    if user.id != ctx.actor.user_id:
        ctx.require("admin", "reviewer")
    return user


@blp.put("/<int:user_id>")
@blp.doc(**body(UserUpdate))
@blp.response(200, UserOut)
def update_user(user_id: int):  # noqa: ANN201
    """修改用户（管理员）；须提交读取时的 version。"""
    user = auth.update_user(api_ctx(), user_id, json_body())
    return user


@blp.post("/<int:user_id>/password")
@blp.doc(**body(PasswordIn))
@blp.response(204)
def set_password(user_id: int):  # noqa: ANN201
    """修改自己的密码，或由管理员重置。"""
    auth.set_password(api_ctx(), user_id, json_body())
