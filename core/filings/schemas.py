"""JSON in/out of filings. Bodies of id routes are validated by the service (after the
filing is found), so an invisible filing answers 404 whatever the body."""
from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields, validate

from core.filings.models import DRILL_KINDS, EVALUATION_CONCLUSIONS, STATUSES
from core.filings.rules import MATERIALS, REFILING_CHANGES, REVISION_TRIGGERS
from core.schema import Date, DateTime, Name, PageQuery, Schema


class FilingCreateIn(Schema):
    title = Name(required=True, metadata={"label": "预案名称"},
                          validate=validate.Length(min=1, max=300, error="预案名称为1至300个字符"))
    published_on = Date(required=True, metadata={"label": "预案公布日期",
                                                        "description": "预案公布（签署发布）日期，YYYY-MM-DD"})


class FilingQuery(PageQuery):
    status = fields.String(load_default=None, metadata={"label": "状态"},
                           validate=validate.OneOf(list(STATUSES), error="状态不在可选范围内"))
    overdue = fields.Boolean(load_default=None, metadata={"label": "审查逾期",
                                                          "description": "true：待审查且已超过5个工作日审查期限"})
    enterprise = fields.Integer(load_default=None, metadata={"label": "企业"})
    q = fields.String(load_default=None, metadata={"label": "搜索", "description": "预案名称、企业名称或备案编号中的文字"},
                      validate=validate.Length(max=100, error="搜索文字不超过100字"))


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
    uploaded_at = DateTime()


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
    returned_at = DateTime()
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
    review_due_estimated = fields.Boolean(metadata={
        "description": "审查期限涉及的年份节假日安排尚未导入、按周一至周五估算：期限待确认，不会据此视为备案"})
    overdue = fields.Boolean(metadata={"description": "待审查且已过（估算的）审查期限：期限待确认的备案"})
    first_submitted_on = fields.Date(allow_none=True, metadata={"description": "首次提交日期"})
    late = fields.Boolean(allow_none=True, metadata={
        "description": "超过公布后20个工作日才首次提交（第二十六条）；null：涉及的年份节假日安排尚未导入，待确认"})
    review_opinion = fields.String(allow_none=True, metadata={"description": "准予备案时的审查意见"})
    filing_no = fields.String(allow_none=True)
    accepted_on = fields.Date(allow_none=True)
    accepted_by = fields.Integer(allow_none=True)
    deemed_on = fields.Date(allow_none=True)
    supersedes_id = fields.Integer(allow_none=True)
    revision_needed = fields.Boolean()
    evaluation_due = fields.Date(allow_none=True)
    created_by = fields.Integer(allow_none=True)
    created_at = DateTime()
    version = fields.Integer()


class HistoryItemOut(ma.Schema):
    at = DateTime(metadata={"description": "UTC"})
    actor = fields.String(metadata={"description": "办理人姓名；系统自动办理的为“系统”"})
    action = fields.String()
    label = fields.String(metadata={"description": "办理事项（中文）"})
    summary = fields.String()
    comment = fields.String(allow_none=True)
    items = fields.List(fields.Dict(), metadata={"description": "退回时一次性告知的补正事项"})


class FilingDetailOut(FilingOut):
    next_step = fields.String(allow_none=True, metadata={"description": "当前用户下一步要做的事"})
    history = fields.List(fields.Nested(HistoryItemOut), metadata={"description": "办理记录（取自审计记录）"})
    materials = fields.List(fields.Nested(FilingMaterialOut))
    completeness = fields.List(fields.Nested(MaterialStatusOut))
    returns = fields.List(fields.Nested(FilingReturnOut))
    actions = fields.List(fields.Nested(FilingActionOut), metadata={"description": "当前用户可执行的操作"})


# ---------------------------------------------------------------------------- after filing

def _keys(table: dict) -> str:
    return "、".join(f"{k}（{v}）" for k, v in table.items())


class EvaluationIn(Schema):
    file = Upload(required=True, metadata={"label": "评估报告", "description": "PDF、DOCX、JPG 或 PNG"})
    evaluated_on = fields.Date(required=True, metadata={"label": "评估日期",
                                                        "description": "YYYY-MM-DD，不早于预案公布日期、不晚于今天"})
    conclusion = fields.String(required=True, metadata={"label": "评估结论",
                                                        "description": _keys(EVALUATION_CONCLUSIONS)})
    summary = fields.String(required=True, metadata={"label": "评估情况", "description": "不超过2000字"})
    trigger = fields.String(load_default=None, metadata={
        "label": "修订情形", "description": "结论为 revise 时必填：" + _keys(REVISION_TRIGGERS)})
    changes = fields.List(fields.String(), load_default=list, metadata={
        "label": "修订涉及的内容", "description": "可重复的字段；涉及任一项须重新备案（第三十七条）："
                                               + _keys(REFILING_CHANGES)})


class RevisionTriggerIn(Schema):
    trigger = fields.String(required=True, metadata={"label": "修订情形",
                                                     "description": "第三十六条：" + _keys(REVISION_TRIGGERS)})
    occurred_on = fields.Date(required=True, metadata={"label": "发生日期", "description": "YYYY-MM-DD，不晚于今天"})
    description = fields.String(required=True, metadata={"label": "情况说明", "description": "不超过2000字"})
    changes = fields.List(fields.String(), load_default=list, metadata={
        "label": "修订涉及的内容", "description": "涉及任一项须重新备案（第三十七条）：" + _keys(REFILING_CHANGES)})


class SettleIn(Schema):
    note = fields.String(required=True, metadata={"label": "修订情况",
                                                  "description": "如何修订（无需重新备案的修订），不超过2000字"})


class RevisionIn(Schema):
    published_on = fields.Date(required=True, metadata={"label": "修订后预案公布日期",
                                                        "description": "YYYY-MM-DD，不早于原预案公布日期"})
    title = fields.String(load_default=None, metadata={"label": "预案名称", "description": "省略时沿用原名称"})


class EvaluationOut(ma.Schema):
    id = fields.Integer()
    filing_id = fields.Integer()
    evaluated_on = fields.Date()
    conclusion = fields.String(metadata={"description": _keys(EVALUATION_CONCLUSIONS)})
    conclusion_label = fields.String()
    summary = fields.String(allow_none=True)
    file = fields.Nested(FileRefOut, metadata={"description": "评估报告"})
    recorded_by = fields.Integer(allow_none=True)
    recorded_at = DateTime()


class RevisionTriggerOut(ma.Schema):
    id = fields.Integer()
    filing_id = fields.Integer()
    trigger = fields.String()
    trigger_label = fields.String()
    occurred_on = fields.Date()
    description = fields.String()
    changes = fields.List(fields.String())
    change_labels = fields.List(fields.String())
    requires_refiling = fields.Boolean(metadata={"description": "修订涉及须重新备案的内容（第三十七条）"})
    recorded_by = fields.Integer(allow_none=True)
    recorded_at = DateTime()
    resolved_on = fields.Date(allow_none=True, metadata={"description": "办结日期；null：尚未办结"})
    resolution = fields.String(allow_none=True, metadata={
        "description": "revised（已修订，无需重新备案）或 refiled（已重新备案，见 resolved_filing_id）"})
    resolution_note = fields.String(allow_none=True)
    resolved_filing_id = fields.Integer(allow_none=True)


class DrillIn(Schema):
    file = Upload(required=True, metadata={"label": "演练评估报告", "description": "PDF、DOCX、JPG 或 PNG"})
    kind = fields.String(required=True, metadata={"label": "演练类型", "description": _keys(DRILL_KINDS)})
    held_on = fields.Date(required=True, metadata={"label": "演练日期", "description": "YYYY-MM-DD，不晚于今天"})
    plan_name = fields.String(load_default=None, metadata={
        "label": "演练的预案", "description": "专项预案名称；现场处置方案演练必填，且须为已备案的现场处置方案"})
    scenario = fields.String(required=True, metadata={"label": "演练情景"})
    participants = fields.Integer(required=True, metadata={"label": "参演人数"})
    participant_units = fields.String(load_default=None, metadata={"label": "参演单位", "description": "不超过500字"})


class DrillQuery(PageQuery):
    enterprise = fields.Integer(load_default=None, metadata={"label": "企业"})
    q = fields.String(load_default=None, metadata={"label": "搜索", "description": "预案名称、企业名称或备案编号中的文字"},
                      validate=validate.Length(max=100, error="搜索文字不超过100字"))


class DrillOut(ma.Schema):
    id = fields.Integer()
    tenant_id = fields.Integer(metadata={"description": "企业"})
    filing_id = fields.Integer(allow_none=True, metadata={"description": "登记时在用的备案"})
    kind = fields.String()
    kind_label = fields.String()
    held_on = fields.Date()
    plan_name = fields.String(allow_none=True)
    scenario = fields.String()
    participants = fields.Integer()
    participant_units = fields.String(allow_none=True)
    file = fields.Nested(FileRefOut, metadata={"description": "演练评估报告"})
    recorded_by = fields.Integer(allow_none=True)
    recorded_at = DateTime()


class DrillObligationOut(ma.Schema):
    kind = fields.String(metadata={"description": "comprehensive_or_special（每年）或 onsite（每半年，每个现场处置方案）"})
    label = fields.String()
    last = fields.Date(allow_none=True, metadata={"description": "上次演练日期"})
    due = fields.Date(metadata={"description": "应完成日期"})
    overdue = fields.Boolean()


class EnterpriseDrillsOut(ma.Schema):
    enterprise_id = fields.Integer()
    enterprise_name = fields.String()
    filing_id = fields.Integer(metadata={"description": "在用的备案"})
    filing_no = fields.String(allow_none=True)
    obligations = fields.List(fields.Nested(DrillObligationOut), metadata={
        "description": "企业：全部演练要求；应急管理局：逾期的演练要求"})
