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


class CampaignTemplate(TemplateBase):
    phases = fields.List(fields.Nested(Phase), required=True, metadata={"label": "阶段"},
                         validate=validate.Length(min=1, error="专项整治至少一个阶段"))


class LedgerTemplate(TemplateBase):
    columns = fields.List(fields.Nested(LedgerColumn), required=True, metadata={"label": "列"},
                          validate=validate.Length(min=1, error="台账至少一列"))


class ScoringTemplate(TemplateBase):
    total = fields.Float(required=True, metadata={"label": "总分"},
                         validate=validate.Range(min=1, max=1000, error="总分应在1至1000之间"))
    items = fields.List(fields.Nested(ScoringItem), required=True, metadata={"label": "考核项"},
                        validate=validate.Length(min=1, error="计分考核表至少一个考核项"))

    @ma.validates_schema
    def points_add_up(self, data, **_):  # noqa: ANN001
        total = sum(i["points"] for i in data["items"])
        if abs(total - data["total"]) > 1e-6:
            raise ma.ValidationError(f"各考核项分值之和（{total:g}）应等于总分（{data['total']:g}）", "total")


SCHEMAS = {"checklist": ChecklistTemplate, "campaign": CampaignTemplate, "ledger": LedgerTemplate,
           "scoring": ScoringTemplate}


def _duplicates(items: list[tuple[str, str]], what: str) -> list[tuple[str, str]]:
    """(path, id) pairs → an error at the path of every repeat, naming the first use."""
    first: dict[str, str] = {}
    out = []
    for path, value in items:
        if value in first:
            out.append((path, f"{what}编号“{value}”重复（与 {first[value]} 相同）"))
        else:
            first[value] = path
    return out


def _checklist_rules(t: dict) -> list[tuple[str, str]]:
    items = [(f"sections.{s}.items.{i}", item) for s, sec in enumerate(t["sections"])
             for i, item in enumerate(sec["items"])]
    out = _duplicates([(f"{p}.id", item["id"]) for p, item in items], "检查项")
    # A text item is a written remark: nothing to score it by.
    out += [(f"{p}.points", "作答方式为 text 的检查项不能设分值") for p, item in items
            if item["answer"] == "text" and item["points"] is not None]
    return out


def _campaign_rules(t: dict) -> list[tuple[str, str]]:
    out = _duplicates([(f"phases.{i}.id", ph["id"]) for i, ph in enumerate(t["phases"])], "阶段")
    tasks = [(f"phases.{i}.tasks.{j}", ph, task) for i, ph in enumerate(t["phases"])
             for j, task in enumerate(ph["tasks"])]
    out += _duplicates([(f"{p}.id", task["id"]) for p, _, task in tasks], "任务")
    out += [(f"{p}.due_days", f"完成期限（第{task['due_days']}天）不能早于所在阶段的开始日（第{ph['starts_day']}天）")
            for p, ph, task in tasks if task["due_days"] < ph["starts_day"]]
    return out


def _ledger_rules(t: dict) -> list[tuple[str, str]]:
    return _duplicates([(f"columns.{i}.id", c["id"]) for i, c in enumerate(t["columns"])], "列")


def _scoring_rules(t: dict) -> list[tuple[str, str]]:
    out = _duplicates([(f"items.{i}.id", item["id"]) for i, item in enumerate(t["items"])], "考核项")
    out += [(f"items.{i}.deductions.{k}.points", f"扣分（{d['points']:g}）不能超过该考核项的分值（{item['points']:g}）")
            for i, item in enumerate(t["items"]) for k, d in enumerate(item["deductions"])
            if d["points"] > item["points"]]
    return out


RULES = {"checklist": _checklist_rules, "campaign": _campaign_rules, "ledger": _ledger_rules,
         "scoring": _scoring_rules}


def validate_template(data: object, plugin: str | None = None) -> dict:
    """The normalised template (defaults filled in), or ValidationFailed naming the path of
    every problem, e.g. "sections.0.items.2.text". With `plugin`, the id must start with
    the plugin's name and a dot, so ids cannot clash across plugins."""
    if not isinstance(data, dict):
        raise ValidationFailed({"_": ["模板应为字典（JSON 对象）"]})
    kind = data.get("kind")
    schema = SCHEMAS.get(kind) if isinstance(kind, str) else None
    if schema is None:
        raise ValidationFailed({"kind": [f"模板类型只能是 {'、'.join(KINDS)}"]})
    try:
        body = schema().load(data)
    except ma.ValidationError as e:
        raise ValidationFailed(flatten(e.messages)) from None
    problems = RULES[kind](body)
    if plugin is not None and not body["id"].startswith(f"{plugin}."):
        problems.insert(0, ("id", f"模板编号应以插件名加点开头，如“{plugin}.{body['id'].split('.')[-1]}”"))
    if problems:
        errors: dict[str, list[str]] = {}
        for path, message in problems:
            errors.setdefault(path, []).append(message)
        raise ValidationFailed(errors)
    return body


def validate_templates(templates: list, plugin: str) -> list[dict]:
    """All of one plugin's templates: each valid, and every checklist a campaign task names
    is one of this plugin's checklists (a campaign is launched with them, so they come and
    go with the same plugin). Errors are keyed "<template id>: <path>"."""
    bodies, errors = [], {}
    for t in templates:
        try:
            bodies.append(validate_template(t, plugin))
        except ValidationFailed as e:
            tid = t.get("id", "?") if isinstance(t, dict) else "?"
            errors.update({f"{tid}: {k}": v for k, v in e.errors.items()})
    checklists = {b["id"] for b in bodies if b["kind"] == "checklist"}
    for b in bodies:
        for i, ph in enumerate(b.get("phases", [])) if b["kind"] == "campaign" else ():
            for j, task in enumerate(ph["tasks"]):
                if task["checklist"] and task["checklist"] not in checklists:
                    errors[f"{b['id']}: phases.{i}.tasks.{j}.checklist"] = [
                        f"检查表“{task['checklist']}”不存在（应为本插件提供的检查表模板编号）"]
    if errors:
        raise ValidationFailed(errors)
    return bodies


def canonical_json(template: dict) -> str:
    return json.dumps(template, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def template_hash(template: dict) -> str:
    return hashlib.sha256(canonical_json(template).encode("utf-8")).hexdigest()


def version_key(version: str) -> tuple:
    """Sort key for semantic versions: 1.10.0 > 1.9.0, a release > its pre-release."""
    m = re.match(SEMVER_RE, version)
    major, minor, patch, pre = m.groups() if m else (0, 0, 0, None)
    return (int(major), int(minor), int(patch), pre is None, pre or "")
