"""The campaign template kind (专项整治): phases with their tasks. Runs once the campaign
engine lands; until then plugins may ship and validate campaign templates."""
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

ROLES_OF_TASKS = ("enterprise", "bureau")


class PhaseTask(Schema):
    id = id_field("任务编号")
    title = title_field("任务名称")
    assignee = fields.String(required=True, metadata={"label": "承办方"},
                             validate=validate.OneOf(ROLES_OF_TASKS, error="承办方只能是 enterprise 或 bureau"))
    due_days = fields.Integer(required=True, metadata={"label": "完成期限（启动后天数）"},
                              validate=validate.Range(min=0, max=730, error="完成期限应在0至730天之间"))
    checklist = fields.String(load_default=None, metadata={"label": "使用的检查表"})
    description = fields.String(load_default="", metadata={"label": "任务说明"})


class Phase(Schema):
    id = id_field("阶段编号")
    title = title_field("阶段名称")
    starts_day = fields.Integer(required=True, metadata={"label": "开始（启动后天数）"},
                                validate=validate.Range(min=0, max=730, error="开始日应在0至730天之间"))
    ends_day = fields.Integer(required=True, metadata={"label": "结束（启动后天数）"},
                              validate=validate.Range(min=0, max=730, error="结束日应在0至730天之间"))
    tasks = fields.List(fields.Nested(PhaseTask), load_default=list, metadata={"label": "任务"})

    @ma.validates_schema
    def order(self, data, **_):  # noqa: ANN001
        if data["ends_day"] < data["starts_day"]:
            raise ma.ValidationError("阶段结束日不能早于开始日", "ends_day")


class CampaignTemplate(TemplateBase):
    phases = fields.List(fields.Nested(Phase), required=True, metadata={"label": "阶段"},
                         validate=validate.Length(min=1, error="专项整治至少一个阶段"))


def _campaign_rules(t: dict) -> list[tuple[str, str]]:
    out = duplicates([(f"phases.{i}.id", ph["id"]) for i, ph in enumerate(t["phases"])], "阶段")
    tasks = [(f"phases.{i}.tasks.{j}", ph, task) for i, ph in enumerate(t["phases"])
             for j, task in enumerate(ph["tasks"])]
    out += duplicates([(f"{p}.id", task["id"]) for p, _, task in tasks], "任务")
    out += [(f"{p}.due_days", f"完成期限（第{task['due_days']}天）不能早于所在阶段的开始日（第{ph['starts_day']}天）")
            for p, ph, task in tasks if task["due_days"] < ph["starts_day"]]
    return out



def _references(t: dict, ids: dict[str, set[str]]) -> list[tuple[str, str]]:
    """A campaign is launched with the checklists its tasks name: they come and go with the
    same plugin, so each must be one of that plugin's checklist templates."""
    return [(f"phases.{i}.tasks.{j}.checklist", f"检查表“{task['checklist']}”不存在（应为本插件提供的检查表模板编号）")
            for i, ph in enumerate(t["phases"]) for j, task in enumerate(ph["tasks"])
            if task["checklist"] and task["checklist"] not in ids.get("checklist", set())]


CAMPAIGN = TemplateKind("campaign", "专项整治", CampaignTemplate, _campaign_rules, _references)
