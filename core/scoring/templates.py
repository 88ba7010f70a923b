"""The scoring template kind (计分考核表): items with points and deductions."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from core.plugins.templates import TemplateBase, TemplateKind, duplicates, title_field
from core.schema import Schema


class ScoringDeduction(Schema):
    text = title_field("扣分情形")
    points = fields.Float(required=True, metadata={"label": "扣分"},
                          validate=validate.Range(min=0, max=1000, error="扣分应在0至1000之间"))


class ScoringItem(Schema):
    id = fields.String(required=True, metadata={"label": "考核项编号"},
                       validate=validate.Length(min=1, max=20, error="考核项编号为1至20个字符"))
    title = title_field("考核内容")
    points = fields.Float(required=True, metadata={"label": "分值"},
                          validate=validate.Range(min=0, max=1000, error="分值应在0至1000之间"))
    deductions = fields.List(fields.Nested(ScoringDeduction), load_default=list, metadata={"label": "扣分标准"})


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


def _scoring_rules(t: dict) -> list[tuple[str, str]]:
    out = duplicates([(f"items.{i}.id", item["id"]) for i, item in enumerate(t["items"])], "考核项")
    out += [(f"items.{i}.deductions.{k}.points", f"扣分（{d['points']:g}）不能超过该考核项的分值（{item['points']:g}）")
            for i, item in enumerate(t["items"]) for k, d in enumerate(item["deductions"])
            if d["points"] > item["points"]]
    return out


SCORING = TemplateKind("scoring", "计分考核表", ScoringTemplate, _scoring_rules)
