"""JSON in/out of the checklists API. Bodies of id routes are validated by the service
(after the run is found), so an invisible run answers 404 whatever the body."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from core.checklists.models import STATUSES
from core.schema import DateTime, PageQuery, Schema


class ChecklistQuery(PageQuery):
    status = fields.String(load_default=None, metadata={"label": "状态"},
                           validate=validate.OneOf(list(STATUSES), error="状态不在可选范围内"))
    tenant_id = fields.Integer(load_default=None, metadata={"label": "企业"})


class ChecklistStartIn(Schema):
    template_id = fields.String(required=True, metadata={"label": "检查表模板"},
                                validate=validate.Length(min=1, max=200, error="检查表模板为1至200个字符"))


class ChecklistAnswerIn(Schema):
    value = fields.Raw(allow_none=True, metadata={
        "label": "作答", "description": "是否题：yes / no / na；评分题：0 至该项分值的数字；文字题：不超过2000字；"
                                        "null 或空串清除作答"})
    note = fields.String(allow_none=True, metadata={"label": "说明", "description": "不超过500字"})


class ChecklistAnswersIn(Schema):
    answers = fields.Dict(keys=fields.String(), values=fields.Nested(ChecklistAnswerIn), required=True,
                          metadata={"label": "作答", "description": "{检查项编号: {value, note}}；未列出的项保持不变"})
    version = fields.Integer(required=True, metadata={"label": "版本号"})


class ChecklistTransitionIn(Schema):
    action = fields.String(required=True, metadata={"label": "操作",
                                                    "description": "submit（企业提交）、accept（通过）、return（退回）"})
    comment = fields.String(load_default=None, allow_none=True,
                            metadata={"label": "意见", "description": "退回时必填（退回意见）"})
    version = fields.Integer(required=True, metadata={"label": "版本号"})


class ChecklistItemOut(ma.Schema):
    id = fields.String()
    text = fields.String()
    basis = fields.String()
    answer = fields.String()
    points = fields.Float(allow_none=True)
    evidence = fields.Boolean()


class ChecklistSectionOut(ma.Schema):
    title = fields.String()
    items = fields.List(fields.Nested(ChecklistItemOut))


class ChecklistTemplateOut(ma.Schema):
    id = fields.String()
    version = fields.String()
    title = fields.String()
    description = fields.String()
    basis = fields.String()
    industries = fields.List(fields.String())
    plugin = fields.String()
    sections = fields.List(fields.Nested(ChecklistSectionOut))


class ChecklistActionOut(ma.Schema):
    name = fields.String()
    label = fields.String()
    needs_comment = fields.Boolean()


class ChecklistRunOut(ma.Schema):
    """Timestamps are UTC, like every timestamp the API returns."""

    id = fields.Integer()
    tenant_id = fields.Integer()
    tenant_name = fields.String()
    template_id = fields.String()
    template_version = fields.String()
    snapshot_sha256 = fields.String()
    plugin = fields.String()
    title = fields.String()
    status = fields.String()
    status_label = fields.String()
    answers = fields.Dict()
    comment = fields.String(allow_none=True)
    created_by = fields.Integer(allow_none=True)
    created_by_name = fields.String()
    submitted_at = DateTime(allow_none=True)
    reviewed_by = fields.Integer(allow_none=True)
    reviewed_by_name = fields.String()
    reviewed_at = DateTime(allow_none=True)
    created_at = DateTime()
    version = fields.Integer()


class ChecklistRunDetailOut(ChecklistRunOut):
    body = fields.Dict(metadata={"description": "开始自查时的模板快照，原样返回（插件升级或移除不影响）"})
    actions = fields.List(fields.Nested(ChecklistActionOut), metadata={"description": "当前用户可执行的操作"})
