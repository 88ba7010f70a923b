"""Ledger API in and out."""
from __future__ import annotations

import marshmallow as ma
from flask_smorest.fields import Upload
from marshmallow import fields

from core.ledgers.declaration import LedgerType
from core.ledgers.models import HAZARD_STATES
from core.ledgers.service import HAZARDS
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


class RejectedOut(Schema):
    """A refused import answers the common error envelope — `errors` keyed "第3行 等级" —
    with the import's record, whose `errors` lists each problem as {row, column, message}."""

    code = fields.String(metadata={"description": "validation_failed"})
    message = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()),
                         metadata={"description": "“第3行 等级” → 说明（前200处）"})
    import_ = fields.Nested(ImportOut, data_key="import", metadata={"description": "本次导入的记录"})


class HazardQuery(PageQuery):
    pass


class ExportQuery(Schema):
    format = fields.String(load_default="xlsx", validate=ma.validate.Length(min=1, max=20),
                           metadata={"description": "xlsx（默认，可直接重新导入），或插件提供的其他格式，如 csv"})


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
    "plan": fields.Dict(allow_none=True, metadata={"description": "重大事故隐患治理方案（七项）"})})


class ActionOut(Schema):
    name = fields.String()
    label = fields.String()


class HazardDetailOut(HazardOut):
    actions = fields.List(fields.Nested(ActionOut), metadata={"description": "当前用户可执行的操作"})


class TransitionIn(Schema):
    """One step: `action` and the `version` the caller saw, with the step's own fields."""

    class Meta:
        unknown = ma.INCLUDE

    action = fields.String(required=True, metadata={"description": "start、complete、verify、reject、bureau_verify、reopen"})
    version = fields.Integer(required=True)
    completed_on = fields.String(metadata={"description": "complete：完成日期"})
    verified_by = fields.String(metadata={"description": "verify：验收人（不能是整改责任人）"})
    verified_on = fields.String(metadata={"description": "verify：验收日期"})
    verdict = fields.String(metadata={"description": "verify：验收意见"})
    comment = fields.String(metadata={"description": "reject、bureau_verify、reopen：意见（回头看时为发现的问题）"})


class PlanIn(Schema):
    version = fields.Integer(required=True)
    plan = fields.Dict(required=True, metadata={"description": "goal 目标任务、methods 方法措施、funding 经费物资、people 机构人员、"
                                                               "timeline 时限要求、safety 安全措施、contingency 应急预案"})
