"""The ledger area's template kinds. `ledger` (台账): a ledger type declared once — its
columns with Chinese headers, types, required flags, choices, the key column and
cross-field rules. The declaration drives the xlsx template, the import validator and the
export (core/ledgers/declaration.py compiles it); plugins contribute types in this format
and the core's standard 隐患排查治理台账 is written in it too (core/ledgers/standard.py).
`criteria` (判定标准): the numbered situations that make a hazard 重大 in the industries it
names, as versioned reference data; a 重大 hazard of such an enterprise names one of them."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from core.plugins.templates import (
    TemplateBase,
    TemplateKind,
    duplicates,
    id_field,
    title_field,
)
from core.schema import Schema

COLUMN_TYPES = ("text", "number", "date", "enum", "person")
RULE_KINDS = ("differ", "not_before", "required_when")


class LedgerColumn(Schema):
    id = id_field("列编号")
    header = title_field("列标题")
    type = fields.String(required=True, metadata={"label": "列类型"},
                         validate=validate.OneOf(COLUMN_TYPES, error="列类型只能是 " + "、".join(COLUMN_TYPES)))
    required = fields.Boolean(load_default=False, metadata={"label": "必填"})
    key = fields.Boolean(load_default=False, metadata={"label": "编号列（每家企业内唯一）"})
    choices = fields.List(fields.String(validate=validate.Length(min=1, max=50, error="可选值为1至50个字")),
                          load_default=None, metadata={"label": "可选值"})
    max_length = fields.Integer(load_default=None, metadata={"label": "最大长度"},
                                validate=validate.Range(min=1, max=4000, error="最大长度应在1至4000之间"))
    help = fields.String(load_default="", metadata={"label": "填写说明"})

    @ma.validates_schema
    def enum_has_choices(self, data, **_):  # noqa: ANN001
        if data["type"] == "enum" and not data.get("choices"):
            raise ma.ValidationError("enum 类型的列必须给出可选值", "choices")
        if data["type"] != "enum" and data.get("choices"):
            raise ma.ValidationError("只有 enum 类型的列可以给出可选值", "choices")


class LedgerRule(Schema):
    """A rule across columns: `differ` (two people must not be the same: 验收人 ≠ 整改责任人),
    `not_before` (a date no earlier than another: 完成日期 ≥ 排查日期), `required_when`
    (a column required once another is filled, or holds `equals`: 重大 needs 判定依据)."""

    kind = fields.String(required=True, metadata={"label": "规则类型"},
                         validate=validate.OneOf(RULE_KINDS, error="规则类型只能是 " + "、".join(RULE_KINDS)))
    column = fields.String(required=True, metadata={"label": "列"})
    other = fields.String(required=True, metadata={"label": "对照列"})
    equals = fields.String(load_default=None, metadata={"label": "对照列取值"})


class LedgerTemplate(TemplateBase):
    columns = fields.List(fields.Nested(LedgerColumn), required=True, metadata={"label": "列"},
                          validate=validate.Length(min=1, max=100, error="台账应有1至100列"))
    rules = fields.List(fields.Nested(LedgerRule), load_default=list, metadata={"label": "校验规则"})


def _ledger_rules(t: dict) -> list[tuple[str, str]]:
    columns = t["columns"]
    out = duplicates([(f"columns.{i}.id", c["id"]) for i, c in enumerate(columns)], "列")
    out += duplicates([(f"columns.{i}.header", c["header"]) for i, c in enumerate(columns)], "列标题")
    keys = [i for i, c in enumerate(columns) if c["key"]]
    if len(keys) != 1:
        out.append(("columns", "台账须有且只有一个编号列（key: true），用于识别同一条记录"))
    out += [(f"columns.{i}.required", "编号列必须必填") for i in keys if not columns[i]["required"]]
    by_id = {c["id"]: c for c in columns}
    for i, rule in enumerate(t["rules"]):
        missing = [rule[k] for k in ("column", "other") if rule[k] not in by_id]
        if missing:
            out.append((f"rules.{i}", f"规则引用了不存在的列：{'、'.join(missing)}"))
            continue
        if rule["kind"] == "not_before" and {by_id[rule["column"]]["type"], by_id[rule["other"]]["type"]} != {"date"}:
            out.append((f"rules.{i}", "not_before 规则只能比较两个日期列"))
        choices = by_id[rule["other"]].get("choices") or []
        if rule["kind"] == "required_when" and rule["equals"] is not None and rule["equals"] not in choices:
            out.append((f"rules.{i}.equals", f"“{rule['equals']}”不是列“{by_id[rule['other']]['header']}”的可选值"))
    return out


LEDGER = TemplateKind("ledger", "台账", LedgerTemplate, _ledger_rules)


class CriterionItem(Schema):
    no = fields.Integer(required=True, metadata={"label": "序号"},
                        validate=validate.Range(min=1, max=999, error="序号应在1至999之间"))
    text = fields.String(required=True, metadata={"label": "判定情形"},
                         validate=validate.Length(min=1, max=1000, error="判定情形应为1至1000个字"))


class CriteriaTemplate(TemplateBase):
    items = fields.List(fields.Nested(CriterionItem), required=True, metadata={"label": "判定情形"},
                        validate=validate.Length(min=1, max=500, error="判定标准应有1至500项"))


def _criteria_rules(t: dict) -> list[tuple[str, str]]:
    return duplicates([(f"items.{i}.no", str(item["no"])) for i, item in enumerate(t["items"])], "序号")


CRITERIA = TemplateKind("criteria", "判定标准", CriteriaTemplate, _criteria_rules)
