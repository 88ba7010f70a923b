"""The rectification loop of a hazard (排查→登记→整改→验收→销号) on the workflow engine.

An enterprise registers a hazard (by the ledger import or the page), rectifies it, marks it
done (待验收) and verifies it (验收人 is not 整改责任人). A 一般 hazard its own verification
closes (销号); a 重大 one needs a 治理方案 before rectification starts, and the enterprise's
verification is reported to the bureau (it stays 待验收), whose own verification closes it
(安全生产法第四十一条, 《安全生产事故隐患排查治理暂行规定》第十五、十八条). A failed verification sends
it back to 整改中 with its reason. After closing, the bureau may look again (回头看) and
reopen it with what it found, counted as 反弹. Overdue is derived from 整改期限, never stored;
the 整改中 state declares it as a deadline, so the sweep announces each overdue hazard once."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from core.audit import service as audit
from core.calendar.service import beijing_today
from core.context import ServiceContext
from core.errors import Conflict, DomainError, NotFound, ValidationFailed
from core.ledgers.models import HAZARD_STATES, Hazard, HazardEvidence
from core.ledgers.service import BUREAU_ROLES, ENTERPRISE_ROLES, HAZARDS
from core.notifications import service as notifications
from core.workflow import PASSED, Deadline, Limit, Transition, Workflow, check_version
from tenants.models import Tenant

PLAN_PARTS = {"goal": "目标任务", "methods": "方法措施", "funding": "经费物资", "people": "机构人员",
              "timeline": "时限要求", "safety": "安全措施", "contingency": "应急预案"}
COMMENT_MAX = 500


def _major(hazard: Hazard) -> bool:
    return hazard.level == "重大"


def _declared(ctx: ServiceContext, hazard: Hazard, data: dict, *names: str) -> dict[str, Any]:
    """The step's values for declared columns, converted by the ledger's own rules (one
    declaration drives the import and the page's forms) and checked across columns with
    what the hazard already holds."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name in names:
        column = HAZARDS.column(name)
        value, problem = column.read(data.get(name))
        if problem is None and value is None:
            problem = f"{column.header}不能为空"
        if problem:
            errors[name] = [problem]
        values[name] = value
    if not errors:
        merged = {c.id: getattr(hazard, c.id) for c in HAZARDS.columns} | values
        for column_id, message in HAZARDS.check(merged):
            if column_id in values or column_id in names:
                errors.setdefault(column_id, []).append(message)
    if errors:
        raise ValidationFailed(errors)
    return values


def text_field(data: dict, name: str, label: str, limit: int, *, required: bool = True) -> str | None:
    """A free-text field of a step or form, trimmed: required unless said, at most `limit`."""
    value = data.get(name)
    value = value.strip() if isinstance(value, str) else ""
    if not value:
        if required:
            raise ValidationFailed({name: [f"{label}不能为空"]})
        return None
    if len(value) > limit:
        raise ValidationFailed({name: [f"{label}不能超过{limit}字"]})
    return value


def _comment(_ctx: ServiceContext, _hazard: Hazard, data: dict) -> dict:
    return {"comment": text_field(data, "comment", "意见", COMMENT_MAX)}


def _plan_in_place(ctx: ServiceContext, hazard: Hazard, _data: dict) -> str | None:
    """A 重大 hazard's 治理方案 — written in its seven parts, or uploaded as a document —
    comes before its rectification starts."""
    if _major(hazard) and not hazard.plan and not has_evidence(ctx, hazard, "plan"):
        return "重大事故隐患须先制定治理方案（填写或上传），再开始整改"
    return None


def has_evidence(ctx: ServiceContext, hazard: Hazard, stage: str) -> bool:
    return ctx.session.scalar(select(HazardEvidence.id).where(HazardEvidence.hazard_id == hazard.id,
                                                              HazardEvidence.stage == stage).limit(1)) is not None


def _shown_done(ctx: ServiceContext, hazard: Hazard, _data: dict) -> str | None:
    """纸面整改 (seed 001): a 重大 hazard is rectified only with a 整改后 photo or file."""
    if _major(hazard) and not has_evidence(ctx, hazard, "rectified"):
        return "重大事故隐患须先上传整改后的照片或资料，再登记整改完成"
    return None


def _enterprise_closes(_ctx: ServiceContext, hazard: Hazard, _data: dict) -> str | None:
    return "重大事故隐患须经应急管理局核查后销号：请“验收并报请核查”" if _major(hazard) else None


def _bureau_closes(_ctx: ServiceContext, hazard: Hazard, _data: dict) -> str | None:
    if not _major(hazard):
        return "一般隐患由企业验收销号"
    return None if hazard.verified_on else "企业须先组织验收并报请核查"


def _reports(_ctx: ServiceContext, hazard: Hazard, _data: dict) -> str | None:
    if not _major(hazard):
        return "一般隐患由企业验收销号"
    return "已报请核查，等待应急管理局核查" if hazard.verified_on else None


def _done(ctx: ServiceContext, hazard: Hazard, data: dict) -> dict:
    return _declared(ctx, hazard, data, "completed_on")


def _verified(ctx: ServiceContext, hazard: Hazard, data: dict) -> dict:
    return _declared(ctx, hazard, data, "verified_by", "verified_on") | (
        {"verdict": data["verdict"].strip()[:500]} if isinstance(data.get("verdict"), str) and data["verdict"].strip()
        else {})


def _stamp(*names: str):  # noqa: ANN202
    """An on-enter effect writing the checked values of `names` with the state."""
    return lambda _c, _h, d: {n: d[n] for n in names if n in d}


def _closing(_ctx: ServiceContext, _hazard: Hazard, data: dict) -> dict:
    """Closed on the enterprise's checked 验收日期 (verify)."""
    return {"closed_on": data["verified_on"]}


def _bureau_closing(_ctx: ServiceContext, _hazard: Hazard, data: dict) -> dict:
    """Closed on the day of the bureau's verification (never a date the client sends)."""
    return {"closed_on": data["_today"]}


def _reopening(_ctx: ServiceContext, hazard: Hazard, _data: dict) -> dict:
    """Back to 整改中, its completion and verification cleared; a 挂牌督办 it was closed under
    ended with the closing (the audit keeps it), so the bureau may supervise it anew."""
    return {"reopened": hazard.reopened + 1, "closed_on": None, "completed_on": None, "verified_on": None,
            "verified_by": None, "verdict": None, "supervised_no": None, "supervised_on": None,
            "supervised_due": None, "supervised_section_id": None}


def by_bureau(ctx: ServiceContext, hazard: Hazard) -> str | None:
    """The bureau that supervises the hazard's enterprise (its parent) acts on it."""
    parent = ctx.session.scalar(select(Tenant.parent_id).where(Tenant.id == hazard.tenant_id))
    return None if ctx.actor.tenant_id == parent else "只有该企业的监管部门可以办理"


def by_enterprise(ctx: ServiceContext, hazard: Hazard) -> str | None:
    return None if ctx.actor.tenant_id == hazard.tenant_id else "只有该企业本身可以办理"


FLOW = Workflow(
    name="hazard", initial="registered", states=HAZARD_STATES, obj_type="hazard",
    transitions=(
        Transition("start", ("registered",), "rectifying", ENTERPRISE_ROLES, "开始整改", bureau=False,
                   authority=by_enterprise, guard=_plan_in_place),
        Transition("complete", ("rectifying",), "to_verify", ENTERPRISE_ROLES, "整改完成", bureau=False,
                   authority=by_enterprise, guard=_shown_done, checks=(_done,), on_enter=(_stamp("completed_on"),)),
        Transition("verify", ("to_verify",), "closed", ENTERPRISE_ROLES, "验收销号", bureau=False,
                   authority=by_enterprise, guard=_enterprise_closes, checks=(_verified,),
                   on_enter=(_stamp("verified_by", "verified_on", "verdict"), _closing)),
        # 重大: the enterprise's own 验收 (第十八条: its assessment of the rectification) is
        # recorded and reported to the bureau; the hazard stays 待验收 until the bureau's.
        Transition("report", ("to_verify",), "to_verify", ENTERPRISE_ROLES, "验收并报请核查", bureau=False,
                   authority=by_enterprise, guard=_reports, checks=(_verified,),
                   on_enter=(_stamp("verified_by", "verified_on", "verdict"),)),
        # A failed verification clears the one that was reported: the next needs its own.
        Transition("reject", ("to_verify",), "rectifying", ENTERPRISE_ROLES + BUREAU_ROLES, "验收不通过",
                   authority=lambda c, h: None if by_enterprise(c, h) is None else by_bureau(c, h), checks=(_comment,),
                   on_enter=(lambda c, h, d: {"verdict": d["comment"], "verified_by": None, "verified_on": None},)),
        Transition("bureau_verify", ("to_verify",), "closed", BUREAU_ROLES, "核查销号", bureau=True,
                   authority=by_bureau, guard=_bureau_closes, checks=(_comment,),
                   on_enter=(_bureau_closing,)),
        Transition("reopen", ("closed",), "rectifying", BUREAU_ROLES, "回头看：重新整改", bureau=True,
                   authority=by_bureau, checks=(_comment,), on_enter=(_reopening,)),
    ),
    # 整改期限 passed with the hazard still in rectification: overdue (derived), announced once.
    deadlines={"rectifying": Deadline(Limit(0, working=False), "due_on", what="hazard.rectify",
                                      tell=lambda c, h, moment: _tell_overdue(c, h, moment))},
)


def _tell_overdue(ctx: ServiceContext, hazard: Hazard, moment: str) -> int:
    if moment != PASSED:
        return 0
    title = f"隐患{hazard.code}已超过整改期限（{hazard.due_on.isoformat()}）"
    told = notifications.notify_role(ctx, hazard.tenant_id, ENTERPRISE_ROLES, title,
                                     body=f"{hazard.location}：{hazard.description}", link=hazard_link(hazard),
                                     dedupe_key=f"hazard:{hazard.id}:overdue:{hazard.due_on.isoformat()}")
    if _major(hazard):
        parent = ctx.session.scalar(select(Tenant.parent_id).where(Tenant.id == hazard.tenant_id))
        if parent:
            told += notifications.notify_role(ctx, parent, BUREAU_ROLES, f"重大事故{title}",
                                              link=hazard_link(hazard),
                                              dedupe_key=f"hazard:{hazard.id}:overdue:{hazard.due_on.isoformat()}")
    return told


def hazard_link(hazard: Hazard) -> str:
    return f"/ledgers/hazards/{hazard.id}"


def get_hazard(ctx: ServiceContext, hazard_id: int) -> Hazard:
    """A visible hazard; another tenant's is NotFound."""
    ctx.require()
    found = ctx.session.scalar(select(Hazard).where(Hazard.id == hazard_id))
    if found is None:
        raise NotFound("隐患不存在或无权访问")
    return found


@dataclass(frozen=True)
class Action:
    name: str
    label: str


def actions(ctx: ServiceContext, hazard: Hazard) -> list[Action]:
    """The steps the caller may take on the hazard (the page's buttons, the API's list)."""
    return [Action(t.name, t.label) for t in FLOW.available(ctx, hazard)
            if not (t.guard and t.guard(ctx, hazard, {}))]


def set_plan(ctx: ServiceContext, hazard_id: int, version: Any, plan: Any) -> Hazard:
    """The 治理方案 of a 重大 hazard, in its seven parts (each required)."""
    hazard = get_hazard(ctx, hazard_id)   # an enterprise sees only its own
    ctx.require(*ENTERPRISE_ROLES, bureau=False, message="只有企业管理员或安全员可以制定治理方案")
    if check_version(version) != hazard.version:
        raise Conflict("该隐患已被他人修改，请刷新后重试")
    if not _major(hazard):
        raise ValidationFailed({"plan": ["只有重大事故隐患需要治理方案"]})
    if hazard.status not in ("registered", "rectifying"):
        raise Conflict("整改完成后不能再修改治理方案")
    plan = plan if isinstance(plan, dict) else {}
    errors = {f"plan.{k}": [f"{label}不能为空"] for k, label in PLAN_PARTS.items()
              if not isinstance(plan.get(k), str) or not plan[k].strip()}
    if errors:
        raise ValidationFailed(errors)
    hazard.plan = {k: plan[k].strip()[:2000] for k in PLAN_PARTS}
    ctx.session.flush()
    audit.record(ctx, "hazard.plan", "hazard", hazard.id, f"制定重大事故隐患{hazard.code}的治理方案",
                 payload={"plan": hazard.plan}, tenant_id=hazard.tenant_id)
    return hazard


# The fields a step reads; anything else a client sends (a form's token, ids) is dropped so
# the audit records only what the step took.
STEP_FIELDS = ("completed_on", "verified_by", "verified_on", "verdict", "comment")


def _step_data(data: dict | None) -> dict:
    return {k: v for k, v in (data or {}).items() if k in STEP_FIELDS} | {"_today": beijing_today()}


def transition(ctx: ServiceContext, hazard_id: int, action: Any, version: Any, data: dict | None = None) -> Hazard:
    """Take a step of the loop: start, complete (completed_on), verify (verified_by,
    verified_on, verdict; 一般), report (the same, 重大: reported to the bureau), reject
    (comment), bureau_verify (comment), reopen (comment)."""
    hazard = get_hazard(ctx, hazard_id)
    if not isinstance(action, str) or not action:
        raise ValidationFailed({"action": ["操作为必填项"]})
    data = _step_data(data)
    FLOW.apply(ctx, hazard, action, version=check_version(version), data=data,
               summary=lambda h, step: f"隐患{h.code}：{step.transition.label}（{FLOW.label(step.source)} → "
                                       f"{FLOW.label(step.transition.target)}）")
    return hazard


# Steps an enterprise takes on many hazards at once from its list (the same date or verifier).
BULK = ("complete", "verify")
BULK_MAX = 500


def transition_many(ctx: ServiceContext, versions: dict[int, int], action: Any, data: dict | None = None,
                    ) -> list[Hazard]:
    """Take one step on many hazards (`versions`: id → the version the caller saw), all or
    nothing: each is checked first and every refusal is reported under its 隐患编号."""
    ctx.require(*ENTERPRISE_ROLES, bureau=False, message="只有企业管理员或安全员可以批量办理")
    if action not in BULK:
        raise ValidationFailed({"action": ["批量办理只能是“整改完成”或“验收销号”"]})
    if not versions:
        raise ValidationFailed({"hazards": ["请勾选要办理的隐患"]})
    if len(versions) > BULK_MAX:
        raise ValidationFailed({"hazards": [f"一次最多办理{BULK_MAX}项"]})
    hazards = [get_hazard(ctx, hazard_id) for hazard_id in versions]
    data = _step_data(data)
    problems: dict[str, list[str]] = {}
    with ctx.session.no_autoflush:
        for hazard in hazards:
            try:
                FLOW.check(ctx, hazard, action, version=versions[hazard.id], data=dict(data))
            except DomainError as e:
                details = [m for ms in e.errors.values() for m in ms] or [e.message]
                problems[hazard.code] = [f"{hazard.code}：{m}" for m in details]
    if problems:
        label = FLOW.transition(action).label
        raise ValidationFailed(problems, f"{len(problems)} 项隐患不能“{label}”，未办理任何一项")
    FLOW.apply_many(ctx, hazards, action, versions=versions, data=data,
                    summary=lambda h, step: f"隐患{h.code}：{step.transition.label}（批量）")
    return hazards


def sweep_overdue(ctx: ServiceContext, today: date | None = None) -> str:
    """The sweep: every hazard past 整改期限 and still in rectification is announced once."""
    today = today or beijing_today()
    due = ctx.session.scalars(select(Hazard).where(Hazard.status == "rectifying", Hazard.due_on < today)
                              .order_by(Hazard.due_on, Hazard.id)).all()
    done = FLOW.sweep(ctx, due, today)
    return f"{done.passed} 项隐患超过整改期限"
