from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from core.schema import Name, Schema
from core.text import words_of
from tenants import codes
from tenants.codes import fax_problem, phone_problem, region_problem, uscc_problem
from tenants.models import INDUSTRIES, SIZE_CLASSES, STATUSES


def _check(problem):  # noqa: ANN001, ANN202
    def validator(value: str) -> None:
        msg = problem(value)
        if msg:
            raise ma.ValidationError(msg)
    return validator


def _strip(value):  # noqa: ANN001, ANN202
    return value.strip() if isinstance(value, str) else value


class _TenantFields(Schema):
    name = Name(required=True, metadata={"label": "名称"},
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
    short_name = Name(load_default=None, metadata={"label": "简称"},
                               validate=validate.Length(max=20, error="简称不超过20个字"))


class EnterpriseIn(_TenantFields):
    parent_id = fields.Integer(load_default=None, metadata={"label": "监管部门"})
    uscc = fields.String(required=True, metadata={"label": "统一社会信用代码"}, validate=_check(uscc_problem))
    industry = fields.String(required=True, metadata={"label": "行业类别"},
                             validate=validate.OneOf(list(INDUSTRIES), error="行业类别不在可选范围内"))
    address = Name(required=True, metadata={"label": "地址"},
                            validate=validate.Length(max=300, error="地址不超过300个字"))
    principal = Name(required=True, metadata={"label": "主要负责人"},
                              validate=validate.Length(max=50, error="主要负责人不超过50个字"))
    phone = fields.String(required=True, metadata={"label": "联系电话"}, validate=_check(phone_problem))
    legal_representative = Name(load_default=None, metadata={"label": "法定代表人"},
                                         validate=validate.Length(max=50, error="法定代表人不超过50个字"))
    postal_code = fields.String(load_default=None, metadata={"label": "邮政编码"},
                                validate=validate.Regexp(r"^\d{6}$", error="邮政编码应为6位数字"))
    fax = fields.String(load_default=None, metadata={"label": "传真"}, validate=_check(fax_problem))
    size_class = fields.String(load_default=None, metadata={"label": "企业规模", "description": "large、medium、small、micro"},
                               validate=validate.OneOf(list(SIZE_CLASSES), error="企业规模应为大型、中型、小型或微型"))
    headcount = fields.Integer(load_default=None, metadata={"label": "从业人员数"},
                               validate=validate.Range(min=1, max=1_000_000, error="从业人员数应为1至1000000之间的整数"))
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=20, error="每个标签1至20个字")),
                       load_default=None, validate=validate.Length(max=20, error="标签不超过20个"),
                       metadata={"label": "标签", "description": "应急管理局对企业的分类标记，如 重大危险源、重点监管；专项整治可按标签确定对象"})
    hazchem_quantity = fields.Boolean(load_default=False, metadata={
        "label": "使用危险化学品达到国家规定数量", "description": "危险化学品使用单位：是否达到《危险化学品使用量的数量标准》"})
    status = fields.String(load_default="active", metadata={"label": "状态"},
                           validate=validate.OneOf(list(STATUSES), error="状态不在可选范围内"))
    section_id = fields.Integer(load_default=None, metadata={"label": "监管股室"})

    @ma.pre_load
    def upper_uscc(self, data, **_):  # noqa: ANN001, ANN201
        if isinstance(data, dict) and isinstance(data.get("uscc"), str):
            data = {**data, "uscc": data["uscc"].strip().upper()}
        if isinstance(data, dict) and isinstance(data.get("tags"), str):  # the form's "重大危险源、重点监管"
            data = {**data, "tags": words_of(data["tags"])}
        return data


class EnterpriseUpdate(EnterpriseIn):
    """Edits send the version the editor saw (optimistic locking). The codes are checked by
    the service when they change: one registered before a stricter check (or a region code
    withdrawn since) stays editable around it."""

    version = fields.Integer(required=True, metadata={"label": "版本号"})
    uscc = fields.String(required=True, metadata={"label": "统一社会信用代码"})
    region_code = fields.String(required=True, metadata={"label": "行政区划代码"})


class SectionIn(Schema):
    name = Name(required=True, metadata={"label": "股室名称"},
                         validate=validate.Length(min=2, max=100, error="股室名称长度应为2至100个字"))
    duties = fields.String(load_default=None, metadata={"label": "职责"})


class TenantOut(ma.Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    parent_id = fields.Integer(allow_none=True)
    path = fields.String()
    region_code = fields.String()
    region_name = fields.Function(lambda t: codes.region_name(t.region_code), allow_none=True)
    uscc = fields.String(allow_none=True)
    industry = fields.String(allow_none=True)
    industry_label = fields.String()
    address = fields.String(allow_none=True)
    principal = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    legal_representative = fields.String(allow_none=True)
    postal_code = fields.String(allow_none=True)
    fax = fields.String(allow_none=True)
    size_class = fields.String(allow_none=True)
    headcount = fields.Integer(allow_none=True)
    tags = fields.List(fields.String(), allow_none=True)
    hazchem_quantity = fields.Boolean()
    single_low_risk = fields.Boolean(metadata={"description": "应急管理局认定事故风险单一、危险性小（第十五条），可以只备案现场处置方案"})
    single_low_risk_reason = fields.String(allow_none=True)
    status = fields.String()
    short_name = fields.String(allow_none=True)
    version = fields.Integer()
