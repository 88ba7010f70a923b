"""The campaign template kind (专项整治): a theme, phases with their work items (工作内容),
and for each item who does it, by when, what is handed in and whether the bureau reviews it.

Days are counted from the campaign's start (day 0 is the start day); an item's deadline may
instead count from the start of its own phase (`due_from: "phase"`). A launch turns the days
into dates, which the bureau may edit before publishing.
"""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from core.ledgers.standard import HAZARD_LEDGER, RISK_LEDGER
from core.plugins.templates import (
    TemplateBase,
    TemplateKind,
    duplicates,
    id_field,
    title_field,
)
from core.schema import Schema
from tenants.models import INDUSTRIES

# Who does a work item: each target enterprise; a section of the bureau, once per target
# enterprise (督查检查 on site); or the bureau itself, once.
PARTIES = {"enterprise": "企业", "section": "股室队", "bureau": "应急管理局"}
# What a work item asks to be handed in, field by field.
FIELD_TYPES = {
    "text": "文字", "number": "数字", "date": "日期", "choice": "选项",
    "files": "附件", "employee_files": "每名员工一份的材料", "period": "起止日期",
    "checklist": "逐项检查", "problems": "问题台账（逐条填写）", "ledger": "问题台账（按台账模板上传）",
}
DAY = validate.Range(min=0, max=730, error="应在0至730天之间")


class ItemField(Schema):
    id = id_field("字段编号")
    label = title_field("字段名称")
    type = fields.String(required=True, metadata={"label": "字段类型"}, validate=validate.OneOf(
        list(FIELD_TYPES), error="字段类型只能是 " + "、".join(FIELD_TYPES)))
    required = fields.Boolean(load_default=True, metadata={"label": "必填"})
    help = fields.String(load_default="", metadata={"label": "填写说明"})
    max_length = fields.Integer(load_default=2000, metadata={"label": "最多字数"},
                                validate=validate.Range(min=1, max=20000, error="最多字数应在1至20000之间"))
    min = fields.Float(load_default=None, metadata={"label": "最小值"})
    max = fields.Float(load_default=None, metadata={"label": "最大值"})
    min_files = fields.Integer(load_default=1, metadata={"label": "最少文件数"},
                               validate=validate.Range(min=0, max=1000, error="最少文件数应在0至1000之间"))
    min_days = fields.Integer(load_default=1, metadata={"label": "最短天数"},
                              validate=validate.Range(min=1, max=366, error="最短天数应在1至366之间"))
    options = fields.List(fields.String(validate=validate.Length(min=1, max=100)), load_default=list,
                          metadata={"label": "可选项"})
    # checklist: the items to check one by one; with `findings`, an item found wanting (否)
    # with its problem written becomes a row of the campaign's problem ledger.
    items = fields.List(fields.String(validate=validate.Length(min=1, max=500)), load_default=list,
                        metadata={"label": "检查项"})
    findings = fields.Boolean(load_default=False, metadata={"label": "问题记入问题台账"})
    ledger = fields.String(load_default="hazards", metadata={"label": "台账类型"})


class PhaseTask(Schema):
    id = id_field("工作编号")
    title = title_field("工作名称")
    assignee = fields.String(required=True, metadata={"label": "承办方"}, validate=validate.OneOf(
        list(PARTIES), error="承办方只能是 enterprise（企业）、section（股室队）或 bureau（应急管理局）"))
    due_days = fields.Integer(required=True, metadata={"label": "完成期限（天数）"},
                              validate=validate.Range(min=0, max=730, error="完成期限应在0至730天之间"))
    due_from = fields.String(load_default="start", metadata={"label": "期限起算"}, validate=validate.OneOf(
        ["start", "phase"], error="期限起算只能是 start（专项整治开始）或 phase（所在阶段开始）"))
    due_note = fields.String(load_default="", metadata={"label": "期限说明"})
    review = fields.Boolean(load_default=True, metadata={"label": "需应急管理局审核"})
    checklist = fields.String(load_default=None, metadata={"label": "使用的检查表"})
    industries = fields.List(fields.String(validate=validate.OneOf(list(INDUSTRIES), error="行业类别不在可选范围内")),
                             load_default=list, metadata={"label": "适用行业"})
    tags = fields.List(fields.String(validate=validate.Length(min=1, max=20)), load_default=list,
                       metadata={"label": "适用企业标签"})
    description = fields.String(load_default="", metadata={"label": "工作要求"})
    fields_ = fields.List(fields.Nested(ItemField), data_key="fields", attribute="fields", load_default=list,
                          metadata={"label": "报送内容"})


class Phase(Schema):
    id = id_field("阶段编号")
    title = title_field("阶段名称")
    starts_day = fields.Integer(required=True, metadata={"label": "开始（启动后天数）"},
                                validate=validate.Range(min=0, max=730, error="开始日应在0至730天之间"))
    ends_day = fields.Integer(required=True, metadata={"label": "结束（启动后天数）"},
                              validate=validate.Range(min=0, max=730, error="结束日应在0至730天之间"))
    description = fields.String(load_default="", metadata={"label": "阶段要求"})
    tasks = fields.List(fields.Nested(PhaseTask), load_default=list, metadata={"label": "工作内容"})

    @ma.validates_schema
    def order(self, data, **_):  # noqa: ANN001
        if data["ends_day"] < data["starts_day"]:
            raise ma.ValidationError("阶段结束日不能早于开始日", "ends_day")


class CampaignTemplate(TemplateBase):
    theme = fields.String(load_default="", metadata={"label": "工作主题"})
    notes = fields.List(fields.String(), load_default=list, metadata={"label": "模板说明"})
    phases = fields.List(fields.Nested(Phase), required=True, metadata={"label": "阶段"},
                         validate=validate.Length(min=1, error="专项整治至少一个阶段"))


def due_day(phase: dict, task: dict) -> int:
    """The item's deadline as a day of the campaign (0 = the start day)."""
    return task["due_days"] + (phase["starts_day"] if task["due_from"] == "phase" else 0)


def item_rules(path: str, task: dict) -> list[tuple[str, str]]:
    """What a schema cannot say about one work item (also checked for a county's own items)."""
    out = duplicates([(f"{path}.fields.{k}.id", f["id"]) for k, f in enumerate(task["fields"])], "字段")
    for k, f in enumerate(task["fields"]):
        at = f"{path}.fields.{k}"
        if f["type"] == "checklist" and not f["items"]:
            out.append((f"{at}.items", "逐项检查字段至少一个检查项"))
        if f["type"] == "choice" and not f["options"]:
            out.append((f"{at}.options", "选项字段至少一个可选项"))
        if f["min"] is not None and f["max"] is not None and f["max"] < f["min"]:
            out.append((f"{at}.max", "最大值不能小于最小值"))
    return out


def _campaign_rules(t: dict) -> list[tuple[str, str]]:
    out = duplicates([(f"phases.{i}.id", ph["id"]) for i, ph in enumerate(t["phases"])], "阶段")
    tasks = [(f"phases.{i}.tasks.{j}", ph, task) for i, ph in enumerate(t["phases"])
             for j, task in enumerate(ph["tasks"])]
    out += duplicates([(f"{p}.id", task["id"]) for p, _, task in tasks], "任务")
    out += [(f"{p}.due_days", f"完成期限（第{due_day(ph, task)}天）不能早于所在阶段的开始日（第{ph['starts_day']}天）")
            for p, ph, task in tasks if due_day(ph, task) < ph["starts_day"]]
    out += [(f"{p}.due_days", "完成期限超出730天") for p, ph, task in tasks if due_day(ph, task) > 730]
    for p, _, task in tasks:
        out += item_rules(p, task)
    return out


def _references(t: dict, ids: dict[str, set[str]]) -> list[tuple[str, str]]:
    """A campaign is launched with the checklists and ledger types its tasks name: they come
    and go with the same plugin, so each must be one of that plugin's templates (or, for a
    problem ledger, one of the core's ledger types)."""
    out = [(f"phases.{i}.tasks.{j}.checklist", f"检查表“{task['checklist']}”不存在（应为本插件提供的检查表模板编号）")
           for i, ph in enumerate(t["phases"]) for j, task in enumerate(ph["tasks"])
           if task["checklist"] and task["checklist"] not in ids.get("checklist", set())]
    ledgers = {HAZARD_LEDGER["id"], RISK_LEDGER["id"]} | ids.get("ledger", set())
    out += [(f"phases.{i}.tasks.{j}.fields.{k}.ledger",
             f"台账类型“{f['ledger']}”不存在（应为 hazards、risk_points 或本插件提供的台账模板编号）")
            for i, ph in enumerate(t["phases"]) for j, task in enumerate(ph["tasks"])
            for k, f in enumerate(task["fields"]) if f["type"] == "ledger" and f["ledger"] not in ledgers]
    return out


CAMPAIGN = TemplateKind("campaign", "专项整治", CampaignTemplate, _campaign_rules, _references)
