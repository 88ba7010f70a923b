"""督查检查: a section inspects an enterprise on site, on a phone, against the campaign's
checklist; each finding becomes a hazard of the enterprise's ledger (the campaign's problem
ledger) with its measure, owner and deadline, rectified and closed through the ledger's loop.

Seed 004: 各相关股室队于9月30日前完成对辖区企业的督查检查. The inspection is the section's
task for that enterprise; completing it completes the task and registers the findings once.
"""
from __future__ import annotations

from typing import Any, BinaryIO

from sqlalchemy import select

from core.audit import service as audit
from core.auth.service import display_names
from core.calendar.service import beijing_today
from core.campaigns import rules
from core.campaigns import service as campaigns
from core.campaigns import tasks as task_service
from core.campaigns.models import Campaign, CampaignTask, Inspection
from core.context import ServiceContext
from core.db import utcnow
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, refuse
from core.files.models import StoredFile
from core.ledgers import service as ledgers
from core.ledgers.declaration import parse_date
from core.notifications import service as notifications
from core.plugins import service as plugins
from core.workflow import STALE_MESSAGE, check_version, flush_or_conflict
from tenants.models import Section, Tenant

PHOTO_KINDS = {"jpg", "png", "pdf"}
FINDINGS_MAX = 200


def checklist_of(ctx: ServiceContext, campaign: Campaign, task: CampaignTask) -> list[str]:
    """What the section checks, kept with the inspection when it starts: the checklist
    template the inspection item names (its items as the plugin offers them now), else the
    item's own checklist fields, else every checklist whose findings go to the problem
    ledger (the enterprises' 专项检查)."""
    its = campaigns.items(ctx, campaign)
    own = next(it for it in its if it.id == task.item_id)
    if own.body.get("checklist"):
        try:
            named = plugins.offered_template(ctx, own.body["checklist"])
        except NotFound:
            named = None  # its plugin was switched off since: the campaign's own lists serve
        if named and named["kind"] == "checklist":
            return [i["text"] for section in named["sections"] for i in section["items"]]
    fields = [f for f in own.fields if f["type"] == "checklist"] or \
        [f for it in its if it.party == "enterprise" for f in it.fields if f["type"] == "checklist" and f["findings"]]
    return [text for f in fields for text in f["items"]]


def get_inspection(ctx: ServiceContext, inspection_id: int) -> Inspection:
    ctx.require()
    found = ctx.session.scalar(select(Inspection).where(Inspection.id == inspection_id))
    if found is None or not ctx.actor.is_bureau and not ctx.actor.is_system and found.status != "done":
        raise NotFound("检查记录不存在或无权访问")
    return found


def inspections_of(ctx: ServiceContext, task: CampaignTask) -> list[Inspection]:
    """The task's inspections: an enterprise sees them once done."""
    stmt = select(Inspection).where(Inspection.task_id == task.id)
    if not ctx.actor.is_bureau and not ctx.actor.is_system:
        stmt = stmt.where(Inspection.status == "done")
    return list(ctx.session.scalars(stmt.order_by(Inspection.id)))


def start_inspection(ctx: ServiceContext, task_id: int) -> Inspection:
    """Open the section's inspection of the task's enterprise (one open at a time)."""
    task = task_service.get_task(ctx, task_id)
    if task.party != "section":
        raise ValidationFailed({"task": ["该工作不是督查检查"]})
    refuse(task_service.edit_refusal(ctx, task))
    open_one = ctx.session.scalar(select(Inspection).where(Inspection.task_id == task.id, Inspection.status == "draft"))
    if open_one is not None:
        return open_one
    campaign = ctx.session.get(Campaign, task.campaign_id)
    section = ctx.session.get(Section, ctx.actor.section_id) if ctx.actor.section_id else None
    found = Inspection(tenant_id=task.tenant_id, campaign_id=campaign.id, task_id=task.id,
                       section_id=ctx.actor.section_id or task.section_id, inspected_on=beijing_today(),
                       inspectors=_inspector(ctx), status="draft", created_by=ctx.actor.user_id,
                       answers=[{"item": text, "ok": None, "note": ""} for text in checklist_of(ctx, campaign, task)],
                       findings=[], hazard_ids=[])
    ctx.session.add(found)
    ctx.session.flush()
    audit.record(ctx, "inspection.start", "inspection", found.id,
                 f"开始督查检查（{section.name if section else '本局'}）", tenant_id=task.tenant_id)
    return found


def _inspector(ctx: ServiceContext) -> str:
    """The inspector as the hazard ledger's 发现人 will name them: the display name."""
    return display_names(ctx, [ctx.actor.user_id]).get(ctx.actor.user_id, ctx.actor.username) if ctx.actor.user_id \
        else ctx.actor.username


def _editable(ctx: ServiceContext, inspection: Inspection, version: Any) -> CampaignTask:
    task = task_service.get_task(ctx, inspection.task_id)
    if problem := task_service.party_problem(ctx, task):
        raise PermissionDenied(problem)
    if inspection.status != "draft":
        raise Conflict("检查已完成，不能再修改")
    if check_version(version) != inspection.version:
        raise Conflict(STALE_MESSAGE)
    return task


def _findings(raw: Any, stored: list[dict]) -> tuple[list[dict], dict[str, list[str]]]:
    """The findings as sent, each keeping the photos already uploaded for it (photos are
    added only through add_photo, never named by the client)."""
    if not isinstance(raw, list) or len(raw) > FINDINGS_MAX:
        return [], {"findings": [f"发现问题应为列表，最多{FINDINGS_MAX}条"]}
    out, errors = [], {}
    for n, entry in enumerate(raw):
        if not isinstance(entry, dict) or not any(str(entry.get(k) or "").strip()
                                                  for k in ("description", "measures", "owner", "due_on")):
            continue
        row = {}
        for key, label, limit in (("description", "问题描述", 1000), ("location", "部位", 200),
                                  ("measures", "整改措施", 1000), ("owner", "整改责任人", 50)):
            value = entry.get(key) or ""
            text = value.strip() if isinstance(value, str) else ""
            if (not text and key != "location") or len(text) > limit:
                errors[f"findings.{n}.{key}"] = [f"第{n + 1}条问题应填写{label}（不超过{limit}字）"]
            row[key] = text
        due = parse_date(entry.get("due_on")) if isinstance(entry.get("due_on"), str) else None
        if due is None or not 2000 <= due.year <= 2099:
            due = None
            errors[f"findings.{n}.due_on"] = [f"第{n + 1}条问题应填写整改期限（日期）"]
        row["due_on"] = due.isoformat() if due else None
        row["photos"] = list(stored[n].get("photos", [])) if n < len(stored) else []
        out.append(row)
    return out, errors


def save_inspection(ctx: ServiceContext, inspection_id: int, data: dict, version: Any) -> Inspection:
    """The date, the inspectors, each checklist answer (是/否/不适用 with a note) and the
    findings (description, location, measures, owner, due_on)."""
    inspection = get_inspection(ctx, inspection_id)
    _editable(ctx, inspection, version)
    if not isinstance(data, dict):
        raise ValidationFailed({"data": ["检查内容应为对象"]})
    errors: dict[str, list[str]] = {}
    if "inspected_on" in data:
        day = parse_date(data["inspected_on"]) if isinstance(data["inspected_on"], str) else None
        if day is None or not 2000 <= day.year <= 2099:
            errors["inspected_on"] = ["检查日期应为日期"]
        else:
            inspection.inspected_on = day
    if "inspectors" in data:
        text = data["inspectors"].strip() if isinstance(data["inspectors"], str) else ""
        if not text or len(text) > 200:
            errors["inspectors"] = ["检查人员不能为空，不超过200字"]
        inspection.inspectors = text
    if "answers" in data:
        answers = [dict(a) for a in inspection.answers]
        raw = data["answers"] if isinstance(data["answers"], dict) else {}
        for key, entry in raw.items():
            i = int(key) if isinstance(key, str) and key.isascii() and key.isdigit() else -1
            if not 0 <= i < len(answers) or not isinstance(entry, dict):
                errors[f"answers.{key}"] = ["检查项不存在"]
                continue
            ok = entry.get("answer")
            if ok is not None and not isinstance(ok, str) or ok not in (*rules.ANSWERS, None, ""):
                errors[f"answers.{key}"] = [f"第{i + 1}项只能答“是”“否”或“不适用”"]
                continue
            note = entry.get("note") or ""
            if not isinstance(note, str) or len(note.strip()) > 500:
                errors[f"answers.{key}"] = [f"第{i + 1}项说明应为不超过500字的文字"]
                continue
            answers[i] = {**answers[i], "ok": ok or None, "note": note.strip()}
        inspection.answers = answers
    if "findings" in data:
        findings, problems = _findings(data["findings"], inspection.findings or [])
        errors.update(problems)
        inspection.findings = findings
    if errors:
        raise ValidationFailed(errors, message=next(iter(errors.values()))[0])
    flush_or_conflict(ctx.session)
    audit.record(ctx, "inspection.save", "inspection", inspection.id,
                 f"保存督查检查记录（发现问题{len(inspection.findings)}条）", tenant_id=inspection.tenant_id)
    return inspection


def add_photo(ctx: ServiceContext, inspection_id: int, stream: BinaryIO, filename: str,
              finding: int | None = None) -> StoredFile:
    """A photo from the camera, kept under the enterprise; with `finding`, attached to that
    finding (0-based)."""
    inspection = get_inspection(ctx, inspection_id)
    _editable(ctx, inspection, inspection.version)
    if finding is not None and not 0 <= finding < len(inspection.findings):
        raise ValidationFailed({"finding": ["问题不存在，请先保存该条问题"]})
    stored = ctx.house.files.store_upload(ctx, stream, filename, PHOTO_KINDS, tenant_id=inspection.tenant_id)
    if finding is not None:  # a photo of the visit as a whole stays in the files area only
        findings = [dict(f) for f in inspection.findings]
        findings[finding]["photos"] = [*findings[finding].get("photos", []), stored.id]
        inspection.findings = findings
    flush_or_conflict(ctx.session)
    audit.record(ctx, "inspection.photo", "inspection", inspection.id, f"上传检查照片“{stored.original_name}”",
                 payload={"file_id": stored.id, "finding": finding}, tenant_id=inspection.tenant_id)
    return stored


def complete_inspection(ctx: ServiceContext, inspection_id: int, version: Any) -> Inspection:
    """Finish the inspection: its findings become hazards of the enterprise's ledger, tagged
    with the campaign (exactly once: the inspection is done after this, and its version
    makes a second attempt a 409), the section's task is completed and the enterprise told."""
    inspection = get_inspection(ctx, inspection_id)
    task = _editable(ctx, inspection, version)
    unanswered = [str(i + 1) for i, a in enumerate(inspection.answers) if not a.get("ok")]
    if unanswered:
        raise ValidationFailed({"answers": [f"尚有第{'、'.join(unanswered)}项未检查"]})
    section = ctx.session.get(Section, inspection.section_id) if inspection.section_id else None
    hazards = ledgers.register_findings(ctx, inspection.tenant_id, inspection.campaign_id,
                                        [f for f in inspection.findings], source="上级督查",
                                        found_by=inspection.inspectors[:50],
                                        department=(section.name if section else "应急管理局")[:100],
                                        found_on=inspection.inspected_on) if inspection.findings else []
    inspection.hazard_ids = [h.id for h in hazards]
    inspection.status, inspection.done_at = "done", utcnow()
    flush_or_conflict(ctx.session)
    audit.record(ctx, "inspection.complete", "inspection", inspection.id,
                 f"完成督查检查：发现问题{len(hazards)}条，已记入问题台账",
                 payload={"hazards": inspection.hazard_ids}, tenant_id=inspection.tenant_id)
    if task.status in task_service.OPEN:
        # The inspection is the section's record: a reviewed item goes to review with it.
        reviewed = campaigns.item(ctx, ctx.session.get(Campaign, task.campaign_id), task.item_id).review
        task_service.FLOW.apply(ctx, task, "submit" if reviewed else "complete", version=task.version,
                                summary=f"督查检查完成：发现问题{len(hazards)}条")
    if hazards:
        campaign = ctx.session.get(Campaign, inspection.campaign_id)
        notifications.notify_role(ctx, inspection.tenant_id, campaigns.ENTERPRISE_ROLES,
                                  f"督查检查发现问题{len(hazards)}条，请按期整改（{campaign.title}）",
                                  link=f"/ledgers/hazards?campaign={campaign.id}",
                                  dedupe_key=f"inspection:{inspection.id}:findings")
    return inspection


def enterprise_name(ctx: ServiceContext, inspection: Inspection) -> str:
    return ctx.session.scalar(select(Tenant.name).where(Tenant.id == inspection.tenant_id)) or ""
