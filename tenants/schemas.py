from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from core.schema import Schema
from tenants.codes import phone_problem, region_problem, uscc_problem
from tenants.models import INDUSTRIES, STATUSES


def _check(problem):  # noqa: ANN001, ANN202
    def validator(value: str) -> None:
        msg = problem(value)
        if msg:
            raise ma.ValidationError(msg)
    return validator


def _strip(value):  # noqa: ANN001, ANN202
    return value.strip() if isinstance(value, str) else value


class _TenantFields(Schema):
    name = fields.String(required=True, metadata={"label": "名称"},
                         validate=validate.Length(min=2, max=200, error="名称长度应为2至200个字"))
    region_code = fields.String(required=True, metadata={"label": "行政区划代码"},
                                validate=_check(region_problem))

    @ma.pre_load
    def strip_strings(self, data, **_):  # noqa: ANN001, ANN201
        if isinstance(data, dict):
            return {k: _strip(v) for k, v in data.items() if v not in ("", None) or k == "name"}
        return data


class BureauIn(_TenantFields):
    parent_id = fields.Integer(load_default=None, metadata={"label": "上级单位"})
    short_name = fields.String(load_default=None, metadata={"label": "简称"},
                               validate=validate.Length(max=20, error="简称不超过20个字"))


class EnterpriseIn(_TenantFields):
    parent_id = fields.Integer(load_default=None, metadata={"label": "监管部门"})
    uscc = fields.String(required=True, metadata={"label": "统一社会信用代码"}, validate=_check(uscc_problem))
    industry = fields.String(required=True, metadata={"label": "行业类别"},
                             validate=validate.OneOf(list(INDUSTRIES), error="行业类别不在可选范围内"))
    address = fields.String(required=True, metadata={"label": "地址"},
                            validate=validate.Length(max=300, error="地址不超过300个字"))
    principal = fields.String(required=True, metadata={"label": "主要负责人"},
                              validate=validate.Length(max=50, error="主要负责人不超过50个字"))
    phone = fields.String(required=True, metadata={"label": "联系电话"}, validate=_check(phone_problem))
    status = fields.String(load_default="active", metadata={"label": "状态"},
                           validate=validate.OneOf(list(STATUSES), error="状态不在可选范围内"))
    section_id = fields.Integer(load_default=None, metadata={"label": "监管股室"})

    @ma.pre_load
    def upper_uscc(self, data, **_):  # noqa: ANN001, ANN201
        if isinstance(data, dict) and isinstance(data.get("uscc"), str):
            data = {**data, "uscc": data["uscc"].strip().upper()}
        return data


class EnterpriseUpdate(EnterpriseIn):
    """Edits send the version the editor saw (optimistic locking)."""

    version = fields.Integer(required=True, metadata={"label": "版本号"})


class SectionIn(Schema):
    name = fields.String(required=True, metadata={"label": "股室名称"},
                         validate=validate.Length(min=2, max=100, error="股室名称长度应为2至100个字"))
    duties = fields.String(load_default=None, metadata={"label": "职责"})


class TenantOut(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    parent_id = fields.Integer(allow_none=True)
    path = fields.String()
    region_code = fields.String()
    uscc = fields.String(allow_none=True)
    industry = fields.String(allow_none=True)
    industry_label = fields.String()
    address = fields.String(allow_none=True)
    principal = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    status = fields.String()
    short_name = fields.String(allow_none=True)
    version = fields.Integer()
