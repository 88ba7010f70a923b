"""The checklist template kind (检查表): sections of items a tenant answers."""
from __future__ import annotations

from marshmallow import fields, validate

from core.plugins.templates import TemplateBase, TemplateKind, duplicates, title_field
from core.schema import Schema


class ChecklistItem(Schema):
    id = fields.String(required=True, metadata={"label": "检查项编号"},
                       validate=validate.Length(min=1, max=20, error="检查项编号为1至20个字符"))
    text = title_field("检查内容")
    basis = fields.String(load_default="", metadata={"label": "检查依据"})
    answer = fields.String(load_default="yes_no", metadata={"label": "作答方式"},
                           validate=validate.OneOf(["yes_no", "text", "score"],
                                                   error="作答方式只能是 yes_no、text 或 score"))
    points = fields.Float(load_default=None, metadata={"label": "分值"},
                          validate=validate.Range(min=0, max=1000, error="分值应在0至1000之间"))
    evidence = fields.Boolean(load_default=False, metadata={"label": "需上传佐证"})


class ChecklistSection(Schema):
    title = title_field("分组名称")
    items = fields.List(fields.Nested(ChecklistItem), required=True, metadata={"label": "检查项"},
                        validate=validate.Length(min=1, error="每个分组至少一个检查项"))


class ChecklistTemplate(TemplateBase):
    sections = fields.List(fields.Nested(ChecklistSection), required=True, metadata={"label": "分组"},
                           validate=validate.Length(min=1, error="检查表至少一个分组"))


def _checklist_rules(t: dict) -> list[tuple[str, str]]:
    items = [(f"sections.{s}.items.{i}", item) for s, sec in enumerate(t["sections"])
             for i, item in enumerate(sec["items"])]
    out = duplicates([(f"{p}.id", item["id"]) for p, item in items], "检查项")
    # A text item is a written remark: nothing to score it by.
    out += [(f"{p}.points", "作答方式为 text 的检查项不能设分值") for p, item in items
            if item["answer"] == "text" and item["points"] is not None]
    return out


CHECKLIST = TemplateKind("checklist", "检查表", ChecklistTemplate, _checklist_rules)
