"""Ledger API in and out."""
from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields

from core.jobs.schemas import JobOut
from core.ledgers.declaration import LedgerType
from core.ledgers.models import EVIDENCE_STAGES, HAZARD_STATES
from core.ledgers.service import FILTER_CHOICES, HAZARDS, HazardFilter
from core.ledgers.stats import GROUPS, Figures, Row, Stats
from core.schema import PageQuery, Schema


class ColumnOut(Schema):
    id = fields.String()
    header = fields.String(metadata={"description": "中文列标题（模板与导入按它对应列）"})
    type = fields.String(metadata={"description": "text、number、date、enum 或 person"})
    required = fields.Boolean()
    key = fields.Boolean(metadata={"description": "编号列：每家企业内唯一，再次导入时按它更新"})
    choices = fields.List(fields.String())
    describe = fields.String(metadata={"description": "填写要求（中文）"})


class LedgerTypeOut(Schema):
    id = fields.String()
    version = fields.String()
    title = fields.String()
    basis = fields.String()
    columns = fields.List(fields.Nested(ColumnOut))


class ImportIn(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    file = Upload(required=True, metadata={"label": "文件", "description": "按模板填写的 .xlsx 文件"})
    dry_run = fields.Boolean(load_default=False, metadata={
        "label": "预检", "description": "true：只校验并给出新增/更新/未变的条数，不保存"})


class RowErrorOut(Schema):
    row = fields.Integer(metadata={"description": "Excel 中的行号"})
    column = fields.String(metadata={"description": "列标题"})
    message = fields.String(metadata={"description": "中文说明"})


class ImportOut(Schema):
    id = fields.Integer()
    ledger_type = fields.String()
    type_version = fields.String()
    filename = fields.String()
    sha256 = fields.String()
    status = fields.String(metadata={"description": "stored（已保存）、preview（预检，未保存）或 rejected（未通过，未保存）"})
    rows = fields.Integer(metadata={"description": "文件中的数据行数"})
    created = fields.Integer()
    updated = fields.Integer()
    unchanged = fields.Integer()
    error_count = fields.Integer()
    message = fields.String(allow_none=True, metadata={"description": "整个文件无法读取时的原因"})
    errors = fields.List(fields.Nested(RowErrorOut), metadata={"description": "前200处错误；全部错误见 errors.xlsx"})
    error_file = fields.Method("_error_file", metadata={"description": "标出错误的文件副本的下载地址"})
    created_at = fields.DateTime()

    def _error_file(self, obj) -> str | None:  # noqa: ANN001
        return f"/api/v1/imports/{obj.id}/errors.xlsx" if obj.error_file_id else None


class QueuedOut(Schema):
    status = fields.String(metadata={"description": "queued：文件较大，已转为后台任务导入"})
    job = fields.Nested(JobOut, metadata={"description": "轮询 /api/v1/jobs/<id>；完成后 result.import_id 为本次导入"})


class RejectedOut(Schema):
    """A refused import answers the common error envelope — `errors` keyed "第3行 等级" —
    with the import's record, whose `errors` lists each problem as {row, column, message}."""

    code = fields.String(metadata={"description": "validation_failed"})
    message = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "“第3行 等级” → 说明（前200处）"})
    import_ = fields.Nested(ImportOut, data_key="import", metadata={"description": "本次导入的记录"})


class FilterQuery(Schema):
    """The filters of a ledger view, the same on the page, the list, the export and the
    statistics."""

    status = fields.String(validate=ma.validate.OneOf(list(HAZARD_STATES)), metadata={
        "description": "、".join(f"{k}（{v}）" for k, v in HAZARD_STATES.items())})
    level = fields.String(validate=ma.validate.OneOf(FILTER_CHOICES["level"]), metadata={"description": "等级"})
    source = fields.String(validate=ma.validate.OneOf(FILTER_CHOICES["source"]), metadata={"description": "来源"})
    category = fields.String(validate=ma.validate.OneOf(FILTER_CHOICES["category"]), metadata={"description": "类别"})
    overdue = fields.Boolean(metadata={"description": "true：已过整改期限且未销号；false：其余"})
    supervised = fields.Boolean(metadata={"description": "true：挂牌督办中（未销号）"})
    reopened = fields.Boolean(metadata={"description": "true：回头看发现反弹过"})
    enterprise = fields.Integer(data_key="enterprise", attribute="enterprise_id",
                                validate=ma.validate.Range(min=1, max=2**31 - 1), metadata={"description": "企业 id"})
    risk_point = fields.String(validate=ma.validate.Length(min=1, max=50), metadata={"description": "风险点编号"})
    campaign = fields.Integer(data_key="campaign", attribute="campaign_id",
                              validate=ma.validate.Range(min=1, max=2**31 - 1),
                              metadata={"description": "专项整治 id：该专项整治发现的问题（问题台账）"})
    q = fields.String(validate=ma.validate.Length(max=100), metadata={"description": "编号、部位或描述中的文字"})


class HazardQuery(PageQuery, FilterQuery):
    pass


def _format() -> fields.String:
    return fields.String(load_default="xlsx", validate=ma.validate.Length(min=1, max=20),
                         metadata={"description": "xlsx（默认，可直接重新导入），或插件提供的其他格式，如 csv"})


class ExportQuery(FilterQuery):
    format = _format()


def hazard_filter(args: dict) -> HazardFilter:
    return HazardFilter(**{k: v for k, v in args.items() if k in HazardFilter.__dataclass_fields__})


class StatsQuery(FilterQuery):
    group = fields.String(load_default="enterprise", validate=ma.validate.OneOf(list(GROUPS)), metadata={
        "description": "enterprise 按企业（含未建台账的企业）、child 按下级单位、section 按监管股室"})


class FiguresOut(Schema):
    found = fields.Integer(metadata={"description": "隐患总数"})
    closed = fields.Integer(metadata={"description": "已销号"})
    open = fields.Integer(metadata={"description": "未销号"})
    rate = fields.Float(allow_none=True, metadata={"description": "整改率（已销号/总数，0–1）"})
    on_time = fields.Integer(metadata={"description": "按期销号（销号日期不晚于整改期限）"})
    on_time_rate = fields.Float(allow_none=True, metadata={"description": "按期整改率（按期销号/已销号）"})
    overdue = fields.Integer(metadata={"description": "逾期未整改（按整改期限计算）"})
    major = fields.Integer(metadata={"description": "重大事故隐患"})
    major_open = fields.Integer(metadata={"description": "未销号的重大事故隐患"})
    supervised = fields.Integer(metadata={"description": "挂牌督办中"})
    reopened = fields.Integer(metadata={"description": "回头看发现反弹"})
    red = fields.Integer(metadata={"description": "重大风险（红色）风险点数"})
    orange = fields.Integer(metadata={"description": "较大风险（橙色）风险点数"})


class StatsRowOut(FiguresOut):
    id = fields.Integer(allow_none=True)
    name = fields.String()
    empty = fields.Boolean(metadata={"description": "没有任何隐患记录（未建台账）"})


class MonthOut(Schema):
    month = fields.String(metadata={"description": "YYYY-MM"})
    found = fields.Integer()
    closed = fields.Integer()


class StatsOut(Schema):
    group = fields.String()
    today = fields.Date()
    total = fields.Nested(FiguresOut)
    without_ledger = fields.Integer(metadata={"description": "没有任何隐患记录的企业数"})
    rows = fields.List(fields.Nested(StatsRowOut), metadata={"description": "按 group 分组的各行"})
    by_category = fields.List(fields.Nested(StatsRowOut))
    by_source = fields.List(fields.Nested(StatsRowOut))
    trend = fields.List(fields.Nested(MonthOut), metadata={"description": "近12个月每月发现与销号数"})


def stats_out(stats: Stats) -> dict:
    def flat(row: Row) -> dict:
        return {"id": row.id, "name": row.name, "empty": row.empty, **figures(row.figures)}

    def figures(f: Figures) -> dict:
        return {**vars(f), "open": f.open, "rate": f.rate, "on_time_rate": f.on_time_rate}

    return {"group": stats.group, "today": stats.today, "total": figures(stats.total),
            "without_ledger": stats.without_ledger, "rows": [flat(r) for r in stats.rows],
            "by_category": [flat(r) for r in stats.by_category], "by_source": [flat(r) for r in stats.by_source],
            "trend": [vars(m) for m in stats.trend]}


def row_schema(lt: LedgerType, name: str, extra: dict[str, fields.Field]) -> type[Schema]:
    """The API schema of a ledger's rows, from its declaration: a field per column, named by
    its id and described by its header and rule, plus the row's own `extra` fields."""
    kinds = {"number": fields.Float, "date": fields.Date}
    declared = {c.id: kinds.get(c.type, fields.String)(allow_none=not c.required,
                                                       metadata={"description": f"{c.header}：{c.describe}"})
                for c in lt.columns}
    return type(name, (Schema,), {**declared, **extra})


HazardOut = row_schema(HAZARDS, "HazardOut", {
    "id": fields.Integer(), "tenant_id": fields.Integer(),
    "status": fields.String(metadata={"description": "、".join(f"{k}（{v}）" for k, v in HAZARD_STATES.items())}),
    "status_label": fields.String(), "version": fields.Integer(),
    "overdue": fields.Boolean(metadata={"description": "已过整改期限且未销号（按整改期限计算，不存储）"}),
    "closed_on": fields.Date(allow_none=True), "reopened": fields.Integer(metadata={"description": "回头看发现反弹的次数"}),
    "plan": fields.Dict(allow_none=True, metadata={"description": "重大事故隐患治理方案（七项）"}),
    "supervised": fields.Boolean(metadata={"description": "挂牌督办中"}),
    "supervised_no": fields.String(allow_none=True, metadata={"description": "督办文号"}),
    "supervised_on": fields.Date(allow_none=True), "supervised_due": fields.Date(allow_none=True, metadata={
        "description": "督办期限"}),
    "supervised_section_id": fields.Integer(allow_none=True, metadata={"description": "督办股室"})})


class ActionOut(Schema):
    name = fields.String()
    label = fields.String()


class ExtensionOut(Schema):
    id = fields.Integer()
    hazard_id = fields.Integer()
    previous_due = fields.Date()
    requested_due = fields.Date()
    reason = fields.String()
    status = fields.String(metadata={"description": "pending（待审批）、approved（已同意）、rejected（未同意）"})
    decision = fields.String(allow_none=True, metadata={"description": "审批意见"})
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class EvidenceIn(Schema):
    class Meta:
        unknown = ma.EXCLUDE

    file = Upload(required=True, metadata={"label": "文件", "description": "照片（JPG、PNG）或 PDF、Word、Excel 文件"})
    stage = fields.String(required=True, validate=ma.validate.OneOf(list(EVIDENCE_STAGES)), metadata={
        "label": "阶段", "description": "found 整改前、rectified 整改后、verified 验收（企业）；inspection 监管核查（应急管理局）"})
    note = fields.String(load_default=None, validate=ma.validate.Length(max=200), metadata={"label": "说明"})


class EvidenceOut(Schema):
    id = fields.Integer()
    stage = fields.String()
    stage_label = fields.String()
    note = fields.String(allow_none=True)
    file_id = fields.Integer()
    filename = fields.String(metadata={"description": "原文件名"})
    content = fields.String(metadata={"description": "文件内容的下载地址"})
    created_at = fields.DateTime()


def evidence_out(item, stored) -> dict:  # noqa: ANN001
    return {"id": item.id, "stage": item.stage, "stage_label": item.stage_label, "note": item.note,
            "file_id": stored.id, "filename": stored.original_name, "content": f"/api/v1/files/{stored.id}/content",
            "created_at": item.created_at}


class HazardDetailOut(HazardOut):
    actions = fields.List(fields.Nested(ActionOut), metadata={
        "description": "当前用户可执行的操作（含 supervise 挂牌督办、extend 申请延期）"})
    extensions = fields.List(fields.Nested(ExtensionOut), metadata={"description": "延期申请及审批"})
    evidence = fields.List(fields.Nested(EvidenceOut), metadata={"description": "各阶段的照片与资料"})


class HazardIn(Schema):
    """A hazard registered by hand: the ledger's columns by id, checked as an uploaded row is."""

    class Meta:
        unknown = ma.INCLUDE


class SuperviseIn(Schema):
    version = fields.Integer(required=True)
    doc_no = fields.String(required=True, metadata={"description": "督办文号，如 乌应急督〔2024〕3号"})
    due_on = fields.String(required=True, metadata={"description": "督办期限（日期）"})
    section_id = fields.Integer(required=True, metadata={"description": "督办股室（本局股室 id）"})


class ExtensionIn(Schema):
    due_on = fields.String(required=True, metadata={"description": "延期后的整改期限（须晚于当前期限）"})
    reason = fields.String(required=True, metadata={"description": "延期理由"})


class DecisionIn(Schema):
    approve = fields.Boolean(required=True, metadata={"description": "true 同意（整改期限改为申请的日期），false 不同意"})
    reason = fields.String(metadata={"description": "审批意见（不同意时必填）"})


class TransitionIn(Schema):
    """One step: `action` and the `version` the caller saw, with the step's own fields."""

    class Meta:
        unknown = ma.INCLUDE

    action = fields.String(required=True, metadata={"description": "start、complete、verify、report、reject、bureau_verify、reopen"})
    version = fields.Integer(required=True)
    completed_on = fields.String(metadata={"description": "complete：完成日期"})
    verified_by = fields.String(metadata={"description": "verify、report：验收人（不能是整改责任人）"})
    verified_on = fields.String(metadata={"description": "verify、report：验收日期"})
    verdict = fields.String(metadata={"description": "verify、report：验收意见"})
    comment = fields.String(metadata={"description": "reject、bureau_verify、reopen：意见（回头看时为发现的问题）"})


class PlanIn(Schema):
    version = fields.Integer(required=True)
    plan = fields.Dict(required=True, metadata={"description": "goal 目标任务、methods 方法措施、funding 经费物资、people 机构人员、"
                                                               "timeline 时限要求、safety 安全措施、contingency 应急预案"})


class RowQuery(PageQuery):
    enterprise = fields.Integer(attribute="enterprise_id", validate=ma.validate.Range(min=1, max=2**31 - 1),
                                metadata={"description": "企业 id"})
    q = fields.String(validate=ma.validate.Length(max=100), metadata={"description": "编号列中的文字"})


class RowExportQuery(Schema):
    enterprise = fields.Integer(attribute="enterprise_id", validate=ma.validate.Range(min=1, max=2**31 - 1),
                                metadata={"description": "企业 id"})
    format = _format()


class RowOut(Schema):
    id = fields.Integer()
    tenant_id = fields.Integer()
    key = fields.String(metadata={"description": "编号列的值"})
    values = fields.Dict(metadata={"description": "列 id → 值（日期为 YYYY-MM-DD）"})
    updated_at = fields.DateTime()
    version = fields.Integer()
