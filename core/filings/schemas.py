"""JSON in/out of filings. Bodies of id routes are validated by the service (after the
filing is found), so an invisible filing answers 404 whatever the body."""
from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from core.filings.models import STATUSES
from core.filings.rules import MATERIALS
from core.schema import Schema


class FilingCreateIn(Schema):
    title = fields.String(required=True, metadata={"label": "预案名称"},
                          validate=validate.Length(min=1, max=300, error="预案名称为1至300个字符"))
    published_on = fields.Date(required=True, metadata={"label": "公布日期",
                                                        "description": "预案公布（签署发布）日期，YYYY-MM-DD"})


class FilingQuery(Schema):
    status = fields.String(load_default=None, metadata={"label": "状态"},
                           validate=validate.OneOf(list(STATUSES), error="状态不在可选范围内"))
    overdue = fields.Boolean(load_default=None, metadata={"label": "审查逾期",
                                                          "description": "true：待审查且已超过5个工作日审查期限"})
    enterprise = fields.Integer(load_default=None, metadata={"label": "企业"})
    limit = fields.Integer(load_default=50, metadata={"label": "条数"},
                           validate=validate.Range(min=1, max=200, error="条数应为1至200"))
    offset = fields.Integer(load_default=0, metadata={"label": "偏移"},
                            validate=validate.Range(min=0, error="偏移不能为负数"))


class ReturnItemIn(Schema):
    material = fields.String(required=True, metadata={
        "label": "材料类别", "description": "、".join(f"{k}（{v}）" for k, v in MATERIALS.items())})
    note = fields.String(load_default="", metadata={"label": "说明", "description": "不超过500字"})


class FilingTransitionIn(Schema):
    action = fields.String(required=True, metadata={
        "label": "操作", "description": "submit（提交）、resubmit（补正后重新提交）、withdraw（撤回）——企业；"
                                       "return（退回补正）、accept（准予备案）——应急管理局"})
    comment = fields.String(load_default=None, allow_none=True, metadata={"label": "意见"})
    items = fields.List(fields.Nested(ReturnItemIn), load_default=None, metadata={
        "label": "补正事项", "description": "退回时必填，至少一项（一次性告知）"})
    version = fields.Integer(required=True, metadata={"label": "版本号"})


class FilingUploadIn(Schema):
    file = Upload(required=True, metadata={"label": "文件", "description": "PDF、DOCX、XLSX、JPG 或 PNG"})
    material = fields.String(required=True, metadata={"label": "材料类别", "description": "rules.MATERIALS 的键"})
    name = fields.String(load_default=None, metadata={"label": "材料名称", "description": "如专项应急预案的名称"})


class FileRefOut(ma.Schema):
    id = fields.Integer()
    original_name = fields.String()
    kind = fields.String()
    size = fields.Integer()
    sha256 = fields.String()


class FilingMaterialOut(ma.Schema):
    id = fields.Integer()
    material = fields.String()
    material_label = fields.String()
    name = fields.String(allow_none=True)
    file = fields.Nested(FileRefOut)
    uploaded_by = fields.Integer(allow_none=True)
    uploaded_at = fields.DateTime()


class MaterialStatusOut(ma.Schema):
    key = fields.String()
    label = fields.String()
    required = fields.Boolean()
    present = fields.Boolean()
    count = fields.Integer()


class ReturnItemOut(ma.Schema):
    material = fields.String()
    material_label = fields.String()
    note = fields.String()


class FilingReturnOut(ma.Schema):
    round = fields.Integer()
    returned_by = fields.Integer(allow_none=True)
    returned_by_name = fields.String()
    returned_at = fields.DateTime()
    comment = fields.String(allow_none=True)
    items = fields.List(fields.Nested(ReturnItemOut))


class FilingActionOut(ma.Schema):
    name = fields.String()
    label = fields.String()
    needs_items = fields.Boolean()


class FilingOut(ma.Schema):
    """Dates are Beijing calendar dates; timestamps are UTC."""

    id = fields.Integer()
    tenant_id = fields.Integer()
    tenant_name = fields.String()
    bureau_id = fields.Integer()
    title = fields.String()
    published_on = fields.Date()
    status = fields.String()
    status_label = fields.String()
    received_on = fields.Date(allow_none=True)
    review_due = fields.Date(allow_none=True)
    review_due_estimated = fields.Boolean()
    overdue = fields.Boolean(metadata={"description": "待审查且已超过审查期限"})
    late = fields.Boolean(metadata={"description": "超过公布后20个工作日才首次提交（第二十六条）"})
    filing_no = fields.String(allow_none=True)
    accepted_on = fields.Date(allow_none=True)
    accepted_by = fields.Integer(allow_none=True)
    deemed_on = fields.Date(allow_none=True)
    supersedes_id = fields.Integer(allow_none=True)
    revision_needed = fields.Boolean()
    evaluation_due = fields.Date(allow_none=True)
    created_by = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    version = fields.Integer()


class FilingDetailOut(FilingOut):
    materials = fields.List(fields.Nested(FilingMaterialOut))
    completeness = fields.List(fields.Nested(MaterialStatusOut))
    returns = fields.List(fields.Nested(FilingReturnOut))
    actions = fields.List(fields.Nested(FilingActionOut), metadata={"description": "当前用户可执行的操作"})
