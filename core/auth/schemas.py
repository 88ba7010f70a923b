from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from core.auth.models import ROLES
from core.schema import DateTime, PageQuery, Schema


def password_problem(value: str) -> str | None:
    """Length over composition rules (as NIST SP 800-63B advises), minus the obvious."""
    if len(value) < 8:
        return "密码至少8位"
    if value.isdigit() or len(set(value)) < 4:
        return "密码过于简单：不能是纯数字或重复字符"
    return None


def _password(value: str) -> None:
    msg = password_problem(value)
    if msg:
        raise ma.ValidationError(msg)


class UserQuery(PageQuery):
    tenant_id = fields.Integer(load_default=None, metadata={"label": "所属单位"})
    q = fields.String(load_default=None, metadata={"label": "搜索", "description": "用户名、姓名或电话中的文字"},
                      validate=validate.Length(max=100, error="搜索文字不超过100字"))


class UserIn(Schema):
    username = fields.String(required=True, metadata={"label": "用户名"}, validate=validate.Regexp(
        r"^[A-Za-z][A-Za-z0-9_.-]{2,63}$", error="用户名须以字母开头，3至64位字母、数字、下划线、点或连字符"))
    display_name = fields.String(required=True, metadata={"label": "姓名"},
                                 validate=validate.Length(min=1, max=64, error="姓名不超过64个字"))
    password = fields.String(required=True, load_only=True, metadata={"label": "密码"}, validate=_password)
    role = fields.String(required=True, metadata={"label": "角色"},
                         validate=validate.OneOf(list(ROLES), error="角色不在可选范围内"))
    tenant_id = fields.Integer(load_default=None, metadata={"label": "所属单位"})
    section_id = fields.Integer(load_default=None, metadata={"label": "所属股室"})
    phone = fields.String(load_default=None, metadata={"label": "联系电话"})


class UserUpdate(Schema):
    display_name = fields.String(required=True, metadata={"label": "姓名"},
                                 validate=validate.Length(min=1, max=64, error="姓名不超过64个字"))
    role = fields.String(required=True, metadata={"label": "角色"},
                         validate=validate.OneOf(list(ROLES), error="角色不在可选范围内"))
    section_id = fields.Integer(load_default=None, metadata={"label": "所属股室"})
    phone = fields.String(load_default=None, metadata={"label": "联系电话"})
    active = fields.Boolean(load_default=True, metadata={"label": "启用"})
    version = fields.Integer(required=True, metadata={"label": "版本号"})


class PasswordIn(Schema):
    password = fields.String(required=True, load_only=True, metadata={"label": "新密码"}, validate=_password)


class LoginIn(Schema):
    username = fields.String(required=True, metadata={"label": "用户名"})
    password = fields.String(required=True, load_only=True, metadata={"label": "密码"})


class TokenIn(Schema):
    name = fields.String(load_default="API 令牌", metadata={"label": "令牌名称"},
                         validate=validate.Length(min=1, max=100, error="令牌名称不超过100个字"))


class UserOut(ma.Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
    role = fields.String()
    roles = fields.Method("_roles")
    tenant_id = fields.Integer()
    section_id = fields.Integer(allow_none=True)
    phone = fields.String(allow_none=True)
    active = fields.Boolean()
    version = fields.Integer()

    def _roles(self, user) -> list[str]:  # noqa: ANN001
        return [user.role]


class TokenOut(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    created_at = DateTime()
    last_used_at = DateTime(allow_none=True)
    revoked_at = DateTime(allow_none=True)
