"""The ledger template kind (台账): the columns of a ledger type."""
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


class LedgerColumn(Schema):
    id = id_field("列编号")
    header = title_field("列标题")
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


class LedgerTemplate(TemplateBase):
    columns = fields.List(fields.Nested(LedgerColumn), required=True, metadata={"label": "列"},
                          validate=validate.Length(min=1, error="台账至少一列"))


def _ledger_rules(t: dict) -> list[tuple[str, str]]:
    return duplicates([(f"columns.{i}.id", c["id"]) for i, c in enumerate(t["columns"])], "列")


LEDGER = TemplateKind("ledger", "台账", LedgerTemplate, _ledger_rules)
