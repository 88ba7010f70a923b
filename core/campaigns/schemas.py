"""JSON in and out of the campaign area (the OpenAPI document is built from these)."""
from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from core.campaigns.models import CAMPAIGN_STATUSES, TASK_STATUSES
from core.jobs.schemas import JobOut
from core.schema import DateTime, PageQuery, Schema


class TemplateOut(Schema):
    id = fields.String()
    version = fields.String(metadata={"description": "最新版本"})
    versions = fields.List(fields.String(), metadata={"description": "插件提供的全部版本，新的在前"})
    title = fields.String()
    theme = fields.String()
    description = fields.String()
    basis = fields.String()
    notes = fields.List(fields.String())
    industries = fields.List(fields.String())
    plugin = fields.String()
    phases = fields.List(fields.Dict(), metadata={"description": "阶段及其工作内容（天数自开始日起算）"})


class CampaignIn(Schema):
    """Launch a draft (POST /campaigns) or edit one (PATCH): every field is checked by the
    service, which names each problem; dates outside their phase need `confirm`."""

    class Meta:
        unknown = ma.INCLUDE

    template_id = fields.String(metadata={"description": "模板编号（转发上级专项整治时不填）"})
    version = fields.String(metadata={"description": "模板版本，默认最新；修改草稿时为草稿的 version（整数）"})
    adopt_from = fields.Integer(metadata={"description": "转发落实的上级专项整治 id（旗县转发市级）"})
    starts_on = fields.String(metadata={"description": "开始日期，如 2024-09-01"})
    doc_no = fields.String(metadata={"description": "文号，如 乌应急发〔2024〕56号"})
    title = fields.String()
    schedule = fields.Dict(metadata={"description": "改动的日期：{phases: {阶段: [开始, 结束]}, items: {工作: 期限}}"})
    targets = fields.Dict(metadata={"description": "{industries: [行业], regions: [行政区划代码], enterprises: [企业 id]}"})
    sections = fields.Dict(metadata={"description": "{工作编号: 负责股室 id}"})
    extra_items = fields.List(fields.Dict(), metadata={"description": "本级增加的工作内容（模板工作内容的格式，另加 phase）"})
    confirm = fields.Boolean(metadata={"description": "确认阶段之外的期限"})


class PublishIn(Schema):
    version = fields.Integer(required=True)


class CampaignOut(Schema):
    id = fields.Integer()
    tenant_id = fields.Integer(metadata={"description": "启动的应急管理局"})
    tenant_name = fields.String()
    parent_id = fields.Integer(allow_none=True, metadata={"description": "转发的上级专项整治"})
    template_id = fields.String()
    template_version = fields.String()
    plugin = fields.String()
    title = fields.String()
    doc_no = fields.String()
    notice_file_id = fields.Integer(allow_none=True)
    starts_on = fields.Date()
    ends_on = fields.Date()
    status = fields.String(metadata={"description": "、".join(f"{k}（{v}）" for k, v in CAMPAIGN_STATUSES.items())})
    status_label = fields.String()
    published_at = DateTime(allow_none=True)
    version = fields.Integer()


class CampaignDetailOut(CampaignOut):
    schedule = fields.Dict()
    targets = fields.Dict()
    sections = fields.Dict()
    extra_items = fields.List(fields.Dict())
    body = fields.Dict(metadata={"description": "启动时的模板快照"})
    tasks = fields.Integer(metadata={"description": "已下达的任务数"})


class CampaignQuery(PageQuery):
    status = fields.String(validate=ma.validate.OneOf(list(CAMPAIGN_STATUSES)))
    q = fields.String(validate=ma.validate.Length(max=100))


class PublishedOut(Schema):
    status = fields.String(metadata={"description": "published：已发布；queued：任务较多，转为后台发布"})
    campaign = fields.Nested(CampaignOut)
    job = fields.Nested(JobOut, allow_none=True)


class TaskOut(Schema):
    id = fields.Integer()
    campaign_id = fields.Integer()
    campaign_title = fields.String()
    tenant_id = fields.Integer()
    tenant_name = fields.String()
    item_id = fields.String()
    party = fields.String(metadata={"description": "enterprise（企业）、section（股室队督查检查）、bureau（本局）"})
    section_id = fields.Integer(allow_none=True)
    due_on = fields.Date()
    status = fields.String(metadata={"description": "、".join(f"{k}（{v}）" for k, v in TASK_STATUSES.items())})
    status_label = fields.String()
    comment = fields.String(allow_none=True, metadata={"description": "最近一次审核意见"})
    submitted_at = DateTime(allow_none=True)
    reviewed_at = DateTime(allow_none=True)
    version = fields.Integer()


class TaskDetailOut(TaskOut):
    item = fields.Dict(metadata={"description": "工作内容（模板快照中的要求与报送字段）"})
    data = fields.Dict(metadata={"description": "已填报的内容：{字段编号: 值}，附件为文件 id 列表"})
    overdue = fields.Boolean()
    actions = fields.List(fields.Dict(), metadata={"description": "当前用户可执行的操作"})
    problems = fields.List(fields.Dict(), metadata={"description": "该企业在本专项整治中的问题台账（隐患）"})


class TaskQuery(PageQuery):
    campaign_id = fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1))
    status = fields.String(validate=ma.validate.OneOf(list(TASK_STATUSES)))
    item_id = fields.String(validate=ma.validate.Length(min=1, max=100))
    enterprise_id = fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1))
    section_id = fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1),
                                metadata={"description": "负责股室：该股室审核或检查的任务"})
    overdue = fields.Boolean()


class TaskSaveIn(Schema):
    data = fields.Dict(required=True, metadata={"description": "{字段编号: 值}；日期为 YYYY-MM-DD，起止日期为 {start, end}，"
                                                               "逐项检查为 {序号: {answer, note, measures, owner, due_on}}"})
    version = fields.Integer(required=True)


class TaskTransitionIn(Schema):
    action = fields.String(required=True, metadata={"description": "submit（提交审核）、complete（办结）、accept（通过）、return（退回）"})
    version = fields.Integer(required=True)
    comment = fields.String(metadata={"description": "意见；退回时必填"})


class TaskFileIn(Schema):
    field = fields.String(required=True, metadata={"description": "附件栏目的字段编号"})
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class MatrixQuery(Schema):
    section_id = fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1))
    industry = fields.String(validate=ma.validate.Length(min=1, max=32))


class TallyOut(Schema):
    total = fields.Integer()
    done = fields.Integer()
    submitted = fields.Integer()
    returned = fields.Integer()
    overdue = fields.Integer()
    rate = fields.Float(allow_none=True)


class MatrixOut(Schema):
    campaign = fields.Nested(CampaignOut)
    items = fields.List(fields.Dict(), metadata={"description": "列：工作内容 {id, title, party, due_on}"})
    rows = fields.List(fields.Dict(), metadata={"description": "行：企业 {tenant_id, name, industry, section, done, total, "
                                                              "cells: {工作编号: {task_id, status, overdue}}}"})
    columns = fields.Dict(keys=fields.String(), values=fields.Nested(TallyOut))
    overall = fields.Nested(TallyOut)
    counties = fields.List(fields.Dict(), metadata={"description": "市级专项整治：各旗县转发落实及进度"})


def matrix_out(m) -> dict:  # noqa: ANN001
    due = m.campaign.schedule.get("items", {})
    return {"campaign": m.campaign,
            "items": [{"id": it.id, "title": it.title, "party": it.party, "due_on": due.get(it.id)} for it in m.items],
            "rows": [{"tenant_id": r.tenant_id, "name": r.name, "industry": r.industry, "section": r.section,
                      "done": r.done, "total": r.total,
                      "cells": {k: {"task_id": c.task_id, "status": c.status, "overdue": c.overdue}
                                for k, c in r.cells.items()}} for r in m.rows],
            "columns": m.columns, "overall": m.overall,
            "counties": [{"tenant_id": b.id, "name": b.name, "campaign_id": k.id if k else None,
                          "doc_no": k.doc_no if k else None, **TallyOut().dump(t)} for k, b, t in m.counties]}


class InspectionOut(Schema):
    id = fields.Integer()
    campaign_id = fields.Integer()
    task_id = fields.Integer(allow_none=True)
    tenant_id = fields.Integer(metadata={"description": "被检查的企业"})
    section_id = fields.Integer(allow_none=True)
    inspected_on = fields.Date()
    inspectors = fields.String()
    answers = fields.List(fields.Dict(), metadata={"description": "检查内容：[{item, ok: yes|no|na|null, note}]"})
    findings = fields.List(fields.Dict(), metadata={"description": "发现问题：[{description, location, measures, owner, "
                                                                  "due_on, photos}]"})
    hazard_ids = fields.List(fields.Integer(), metadata={"description": "完成检查后记入问题台账的隐患 id"})
    status = fields.String(metadata={"description": "draft（检查中）、done（已完成）"})
    version = fields.Integer()


class InspectionIn(Schema):
    version = fields.Integer(required=True)
    inspected_on = fields.String()
    inspectors = fields.String()
    answers = fields.Dict(metadata={"description": "{序号: {answer: yes|no|na, note}}"})
    findings = fields.List(fields.Dict())


class VersionIn(Schema):
    version = fields.Integer(required=True)
