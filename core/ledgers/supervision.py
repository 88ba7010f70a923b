"""What a bureau does about an enterprise's 重大事故隐患 besides verifying it: 挂牌督办
(a document number, a deadline and the section that follows it up, listed on the bureau's
page until the hazard is closed) and the enterprise's extension requests, which the bureau
approves (the 整改期限 moves) or rejects with a reason (《安全生产事故隐患排查治理暂行规定》
第十五、二十条)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.audit import service as audit
from core.calendar.service import beijing_today
from core.context import ServiceContext
from core.db import utcnow
from core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    refuse,
)
from core.ledgers.loop import Action, by_bureau, by_enterprise, get_hazard, hazard_link, text_field
from core.ledgers.loop import actions as loop_actions
from core.ledgers.models import Hazard, HazardExtension
from core.ledgers.service import BUREAU_ROLES, ENTERPRISE_ROLES, HAZARDS
from core.notifications import service as notifications
from core.workflow import check_version
from tenants.models import Section, Tenant

DOC_NO_MAX = 60
REASON_MAX = 500


def _future_date(data: dict, name: str, label: str, after: Any) -> Any:
    """A date field read as the ledger reads 整改期限, later than `after`."""
    value, problem = HAZARDS.column("due_on").read(data.get(name))
    if problem is None and value is None:
        problem = f"{label}不能为空"
    if problem is None and value <= after:
        problem = f"{label}须晚于{after.isoformat()}"
    if problem:
        raise ValidationFailed({name: [problem.replace("整改期限", label)]})
    return value


def _open_major(hazard: Hazard) -> DomainError | None:
    if hazard.level != "重大":
        return Conflict("只有重大事故隐患可以挂牌督办或申请延期")
    return Conflict("该隐患已销号") if hazard.status == "closed" else None


def _authority(problem: str | None) -> PermissionDenied | None:
    return PermissionDenied(problem) if problem else None


def supervise_refusal(ctx: ServiceContext, hazard: Hazard) -> DomainError | None:
    """Why the caller may not put the hazard under 挂牌督办 (None: it may): the page's
    button and the action ask the same."""
    denied = ctx.refusal(*BUREAU_ROLES, bureau=True, message="只有应急管理局的管理员或审查人员可以挂牌督办")
    return denied or _authority(by_bureau(ctx, hazard)) or _open_major(hazard) or (
        Conflict(f"该隐患已挂牌督办（{hazard.supervised_no}）") if hazard.supervised else None)


def supervise(ctx: ServiceContext, hazard_id: int, version: Any, data: dict) -> Hazard:
    """挂牌督办: `doc_no` (督办文号), `due_on` (督办期限) and `section_id` (the supervising
    section of the caller's bureau). The enterprise is told at once."""
    hazard = get_hazard(ctx, hazard_id)
    refuse(supervise_refusal(ctx, hazard))
    if check_version(version) != hazard.version:
        raise Conflict("该隐患已被他人修改，请刷新后重试")
    doc_no = text_field(data, "doc_no", "督办文号", DOC_NO_MAX)
    today = beijing_today()
    due = _future_date(data, "due_on", "督办期限", today)
    section = _section(ctx, data.get("section_id"))
    hazard.supervised_no, hazard.supervised_on, hazard.supervised_due = doc_no, today, due
    hazard.supervised_section_id = section.id
    ctx.session.flush()
    audit.record(ctx, "hazard.supervise", "hazard", hazard.id,
                 f"对重大事故隐患{hazard.code}挂牌督办（{doc_no}，期限{due.isoformat()}，{section.name}）",
                 payload={"doc_no": doc_no, "due_on": due, "section_id": section.id}, tenant_id=hazard.tenant_id)
    notifications.notify_role(ctx, hazard.tenant_id, ENTERPRISE_ROLES, f"重大事故隐患{hazard.code}已被挂牌督办",
                              body=f"{doc_no}：请于{due.isoformat()}前完成整改并申请核查销号。",
                              link=hazard_link(hazard), dedupe_key=f"hazard:{hazard.id}:supervised:{doc_no}")
    return hazard


def _section(ctx: ServiceContext, raw: Any) -> Section:
    try:
        section_id = int(raw)
    except (TypeError, ValueError):
        raise ValidationFailed({"section_id": ["请选择督办股室"]}) from None
    section = ctx.session.get(Section, section_id) if 0 < section_id < 2**31 else None
    if section is None or section.tenant_id != ctx.actor.tenant_id:
        raise ValidationFailed({"section_id": ["督办股室须为本局的股室"]})
    return section


def section_name(ctx: ServiceContext, hazard: Hazard) -> str | None:
    if hazard.supervised_section_id is None:
        return None
    return ctx.session.scalar(select(Section.name).where(Section.id == hazard.supervised_section_id))


# --------------------------------------------------------------------------- extensions

def extensions_of(ctx: ServiceContext, hazard: Hazard) -> list[HazardExtension]:
    return list(ctx.session.scalars(select(HazardExtension).where(HazardExtension.hazard_id == hazard.id)
                                    .order_by(HazardExtension.id)))


def pending_extension(ctx: ServiceContext, hazard: Hazard) -> HazardExtension | None:
    return ctx.session.scalar(select(HazardExtension).where(HazardExtension.hazard_id == hazard.id,
                                                            HazardExtension.status == "pending"))


def extension_refusal(ctx: ServiceContext, hazard: Hazard) -> DomainError | None:
    """Why the caller may not ask for an extension of the hazard (None: it may)."""
    denied = ctx.refusal(*ENTERPRISE_ROLES, bureau=False, message="只有企业管理员或安全员可以申请延期")
    return denied or _authority(by_enterprise(ctx, hazard)) or _open_major(hazard) or (
        Conflict("已有一项延期申请待审批，请等待应急管理局答复") if pending_extension(ctx, hazard) else None)


def request_extension(ctx: ServiceContext, hazard_id: int, data: dict) -> HazardExtension:
    """The enterprise asks to move 整改期限 to `due_on`, for `reason`; its bureau is told."""
    hazard = get_hazard(ctx, hazard_id)
    refuse(extension_refusal(ctx, hazard))
    due = _future_date(data, "due_on", "延期后的整改期限", hazard.due_on)
    reason = text_field(data, "reason", "延期理由", REASON_MAX)
    ext = HazardExtension(tenant_id=hazard.tenant_id, hazard_id=hazard.id, previous_due=hazard.due_on,
                          requested_due=due, reason=reason, created_by=ctx.actor.user_id)
    ctx.session.add(ext)
    ctx.session.flush()
    audit.record(ctx, "hazard.extension_request", "hazard", hazard.id,
                 f"隐患{hazard.code}申请延期：{hazard.due_on.isoformat()} → {due.isoformat()}",
                 payload={"extension_id": ext.id, "requested_due": due, "reason": reason}, tenant_id=hazard.tenant_id)
    parent = ctx.session.scalar(select(Tenant.parent_id).where(Tenant.id == hazard.tenant_id))
    if parent:
        notifications.notify_role(ctx, parent, BUREAU_ROLES, f"重大事故隐患{hazard.code}申请延期至{due.isoformat()}",
                                  body=reason, link=hazard_link(hazard), dedupe_key=f"hazard_extension:{ext.id}")
    return ext


def decide_refusal(ctx: ServiceContext, hazard: Hazard) -> DomainError | None:
    denied = ctx.refusal(*BUREAU_ROLES, bureau=True, message="只有应急管理局的管理员或审查人员可以审批延期")
    return denied or _authority(by_bureau(ctx, hazard))


def decide_extension(ctx: ServiceContext, extension_id: int, approve: Any, data: dict) -> HazardExtension:
    """The bureau's answer: approved moves 整改期限 (and a 督办期限 before it); rejected
    keeps it, with `reason` (required)."""
    ctx.require()
    ext = ctx.session.get(HazardExtension, extension_id)
    if ext is None:
        raise NotFound("延期申请不存在或无权访问")
    hazard = get_hazard(ctx, ext.hazard_id)
    refuse(decide_refusal(ctx, hazard))
    if not isinstance(approve, bool):
        raise ValidationFailed({"approve": ["请选择同意或不同意"]})
    if ext.status != "pending":
        raise Conflict(f"该申请已审批（{ext.status_label}）")
    if hazard.status == "closed":
        raise Conflict("该隐患已销号")
    reason = text_field(data, "reason", "审批意见", REASON_MAX, required=not approve)
    ext.status, ext.decision = ("approved" if approve else "rejected"), reason
    ext.decided_by, ext.decided_at = ctx.actor.user_id, utcnow()
    if approve:
        hazard.due_on = ext.requested_due
        if hazard.supervised_due is not None and hazard.supervised_due < ext.requested_due:
            hazard.supervised_due = ext.requested_due
    ctx.session.flush()
    verdict = "同意" if approve else "不同意"
    audit.record(ctx, "hazard.extension_decide", "hazard", hazard.id,
                 f"{verdict}隐患{hazard.code}延期至{ext.requested_due.isoformat()}" + (f"：{reason}" if reason else ""),
                 payload={"extension_id": ext.id, "approve": approve, "comment": reason}, tenant_id=hazard.tenant_id)
    notifications.notify_role(ctx, hazard.tenant_id, ENTERPRISE_ROLES,
                              f"隐患{hazard.code}的延期申请：{verdict}",
                              body=reason or f"整改期限为{hazard.due_on.isoformat()}", link=hazard_link(hazard),
                              dedupe_key=f"hazard_extension:{ext.id}:decided")
    return ext


def actions(ctx: ServiceContext, hazard: Hazard) -> list[Action]:
    """Every step the caller may take on the hazard: the loop's, then 挂牌督办 and 申请延期."""
    return loop_actions(ctx, hazard) + [
        Action(name, label) for name, label, refusal in (("supervise", "挂牌督办", supervise_refusal),
                                                         ("extend", "申请延期", extension_refusal))
        if refusal(ctx, hazard) is None]
