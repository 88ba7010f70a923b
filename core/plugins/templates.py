"""Declarative templates that plugins contribute, validated here.

A template is plain data (JSON-compatible). Its canonical JSON — keys sorted, no
whitespace, UTF-8 — is hashed with sha256; whatever is created from a template stores a
snapshot of that exact body (core.plugins.models.TemplateSnapshot), so upgrading or
removing the plugin never changes running or finished work.
"""
from __future__ import annotations

import hashlib
import json
import re

import marshmallow as ma
from marshmallow import fields, validate

from core.errors import ValidationFailed
from core.schema import Schema, flatten
from tenants.models import INDUSTRIES

KINDS = {"checklist": "检查表", "campaign": "专项整治", "ledger": "台账", "scoring": "计分考核表"}
ID_RE = r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$"
SEMVER_RE = r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$"
ROLES_OF_TASKS = ("enterprise", "bureau")


def _id(label: str, **kw) -> fields.String:
    return fields.String(required=True, metadata={"label": label}, validate=validate.Regexp(
        ID_RE, error=f"{label}只能由小写字母、数字、下划线和点组成，并以字母开头"), **kw)


def _title(label: str, required: bool = True) -> fields.String:
    kw = {"required": True} if required else {"load_default": ""}
    return fields.String(metadata={"label": label}, validate=validate.Length(
        min=1 if required else 0, max=300, error=f"{label}长度应为1至300个字"), **kw)


def _unique_ids(items: list[dict], what: str, key: str = "id") -> None:
    seen: set[str] = set()
    for item in items:
        if item[key] in seen:
            raise ma.ValidationError(f"{what}编号“{item[key]}”重复")
        seen.add(item[key])


class ChecklistItem(Schema):
    id = fields.String(required=True, metadata={"label": "检查项编号"},
                       validate=validate.Length(min=1, max=20, error="检查项编号为1至20个字符"))
    text = _title("检查内容")
    basis = fields.String(load_default="", metadata={"label": "检查依据"})
    answer = fields.String(load_default="yes_no", metadata={"label": "作答方式"},
                           validate=validate.OneOf(["yes_no", "text", "score"],
                                                   error="作答方式只能是 yes_no、text 或 score"))
    points = fields.Float(load_default=None, metadata={"label": "分值"},
                          validate=validate.Range(min=0, max=1000, error="分值应在0至1000之间"))
    evidence = fields.Boolean(load_default=False, metadata={"label": "需上传佐证"})


class ChecklistSection(Schema):
    title = _title("分组名称")
    items = fields.List(fields.Nested(ChecklistItem), required=True, metadata={"label": "检查项"},
                        validate=validate.Length(min=1, error="每个分组至少一个检查项"))


class PhaseTask(Schema):
    id = _id("任务编号")
    title = _title("任务名称")
    assignee = fields.String(required=True, metadata={"label": "承办方"},
                             validate=validate.OneOf(ROLES_OF_TASKS, error="承办方只能是 enterprise 或 bureau"))
    due_days = fields.Integer(required=True, metadata={"label": "完成期限（启动后天数）"},
                              validate=validate.Range(min=0, max=730, error="完成期限应在0至730天之间"))
    checklist = fields.String(load_default=None, metadata={"label": "使用的检查表"})
    description = fields.String(load_default="", metadata={"label": "任务说明"})


class Phase(Schema):
    id = _id("阶段编号")
    title = _title("阶段名称")
    starts_day = fields.Integer(required=True, metadata={"label": "开始（启动后天数）"},
                                validate=validate.Range(min=0, max=730, error="开始日应在0至730天之间"))
    ends_day = fields.Integer(required=True, metadata={"label": "结束（启动后天数）"},
                              validate=validate.Range(min=0, max=730, error="结束日应在0至730天之间"))
    tasks = fields.List(fields.Nested(PhaseTask), load_default=list, metadata={"label": "任务"})

    @ma.validates_schema
    def order(self, data, **_):  # noqa: ANN001
        if data["ends_day"] < data["starts_day"]:
            raise ma.ValidationError("阶段结束日不能早于开始日", "ends_day")


class LedgerColumn(Schema):
    id = _id("列编号")
    header = _title("列标题")
    type = fields.String(required=True, metadata={"label": "列类型"},
                         validate=validate.OneOf(["text", "number", "date", "enum"],
                                                 error="列类型只能是 text、number、date 或 enum"))
    required = fields.Boolean(load_default=False, metadata={"label": "必填"})
    choices = fields.List(fields.String(), load_default=None, metadata={"label": "可选值"})
    max_length = fields.Integer(load_default=None, metadata={"label": "最大长度"})

    @ma.validates_schema
    def enum_has_choices(self, data, **_):  # noqa: ANN001
        if data["type"] == "enum" and not data.get("choices"):
            raise ma.ValidationError("enum 类型的列必须给出可选值", "choices")


class ScoringDeduction(Schema):
    text = _title("扣分情形")
    points = fields.Float(required=True, metadata={"label": "扣分"},
                          validate=validate.Range(min=0, max=1000, error="扣分应在0至1000之间"))


class ScoringItem(Schema):
    id = fields.String(required=True, metadata={"label": "考核项编号"},
                       validate=validate.Length(min=1, max=20, error="考核项编号为1至20个字符"))
    title = _title("考核内容")
    points = fields.Float(required=True, metadata={"label": "分值"},
                          validate=validate.Range(min=0, max=1000, error="分值应在0至1000之间"))
    deductions = fields.List(fields.Nested(ScoringDeduction), load_default=list, metadata={"label": "扣分标准"})


class TemplateBase(Schema):
    kind = fields.String(required=True, metadata={"label": "模板类型"},
                         validate=validate.OneOf(list(KINDS), error="模板类型只能是 " + "、".join(KINDS)))
    id = _id("模板编号")
    version = fields.String(required=True, metadata={"label": "版本号"}, validate=validate.Regexp(
        SEMVER_RE, error="版本号应为语义化版本，如 1.0.0"))
    title = _title("模板名称")
    description = fields.String(load_default="", metadata={"label": "说明"})
    basis = fields.String(load_default="", metadata={"label": "依据文件"})
    industries = fields.List(fields.String(validate=validate.OneOf(list(INDUSTRIES), error="行业类别不在可选范围内")),
                             load_default=list, metadata={"label": "适用行业"})


class ChecklistTemplate(TemplateBase):
    sections = fields.List(fields.Nested(ChecklistSection), required=True, metadata={"label": "分组"},
                           validate=validate.Length(min=1, error="检查表至少一个分组"))

    @ma.validates_schema
    def unique_items(self, data, **_):  # noqa: ANN001
        _unique_ids([i for s in data["sections"] for i in s["items"]], "检查项")


class CampaignTemplate(TemplateBase):
    phases = fields.List(fields.Nested(Phase), required=True, metadata={"label": "阶段"},
                         validate=validate.Length(min=1, error="专项整治至少一个阶段"))

    @ma.validates_schema
    def unique(self, data, **_):  # noqa: ANN001
        _unique_ids(data["phases"], "阶段")
        _unique_ids([t for p in data["phases"] for t in p["tasks"]], "任务")


class LedgerTemplate(TemplateBase):
    columns = fields.List(fields.Nested(LedgerColumn), required=True, metadata={"label": "列"},
                          validate=validate.Length(min=1, error="台账至少一列"))

    @ma.validates_schema
    def unique(self, data, **_):  # noqa: ANN001
        _unique_ids(data["columns"], "列")


class ScoringTemplate(TemplateBase):
    total = fields.Float(required=True, metadata={"label": "总分"},
                         validate=validate.Range(min=1, max=1000, error="总分应在1至1000之间"))
    items = fields.List(fields.Nested(ScoringItem), required=True, metadata={"label": "考核项"},
                        validate=validate.Length(min=1, error="计分考核表至少一个考核项"))

    @ma.validates_schema
    def points_add_up(self, data, **_):  # noqa: ANN001
        _unique_ids(data["items"], "考核项")
        total = sum(i["points"] for i in data["items"])
        if abs(total - data["total"]) > 1e-6:
            raise ma.ValidationError(f"各考核项分值之和（{total:g}）应等于总分（{data['total']:g}）", "total")


SCHEMAS = {"checklist": ChecklistTemplate, "campaign": CampaignTemplate, "ledger": LedgerTemplate,
           "scoring": ScoringTemplate}


def validate_template(data: object) -> dict:
    """The normalised template (defaults filled in), or ValidationFailed naming the path of
    every problem, e.g. "sections.0.items.2.text"."""
    if not isinstance(data, dict):
        raise ValidationFailed({"_": ["模板应为字典（JSON 对象）"]})
    kind = data.get("kind")
    schema = SCHEMAS.get(kind) if isinstance(kind, str) else None
    if schema is None:
        raise ValidationFailed({"kind": [f"模板类型只能是 {'、'.join(KINDS)}"]})
    try:
        return schema().load(data)
    except ma.ValidationError as e:
        raise ValidationFailed(flatten(e.messages)) from None


def canonical_json(template: dict) -> str:
    return json.dumps(template, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def template_hash(template: dict) -> str:
    return hashlib.sha256(canonical_json(template).encode("utf-8")).hexdigest()


def version_key(version: str) -> tuple:
    """Sort key for semantic versions: 1.10.0 > 1.9.0, a release > its pre-release."""
    m = re.match(SEMVER_RE, version)
    major, minor, patch, pre = m.groups() if m else (0, 0, 0, None)
    return (int(major), int(minor), int(patch), pre is None, pre or "")
