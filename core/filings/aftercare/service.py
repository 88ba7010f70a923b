"""After a plan is filed: evaluations (评估, 第三十五条), revision triggers and re-filing
(修订, 第三十六、三十七条) and drills (演练, 第三十三、三十四条), with the sweep that
reminds enterprises of evaluations falling due and drills overdue.

A filing "in force" is an enterprise's latest accepted or deemed filing that has not been
superseded; evaluations and triggers are recorded against it, drills against the
enterprise (and the filing in force when they were held).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any, BinaryIO

from sqlalchemy import ColumnElement, case, exists, func, select, tuple_, update
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from core.audit import service as audit
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
from core.files.models import StoredFile
from core.filings import rules
from core.filings.models import (
    DRILL_KINDS,
    EVALUATION_CONCLUSIONS,
    FILED_STATES,
    Drill,
    Filing,
    FilingEvaluation,
    FilingMaterial,
    RevisionTrigger,
)
from core.filings.review.service import (
    ENTERPRISE_NOTIFY_ROLES,
    ENTERPRISE_ROLES,
    NAME_MAX,
    REVIEW_ROLES,
    TEXT_MAX,
    beijing_today,
    create_filing,
    evaluation_due_for,
    get_filing,
)
from core.notifications import service as notifications
from core.schema import date_problem
from core.workflow import STALE_MESSAGE
from tenants.models import Tenant

# Evaluation and drill reports: documents or scans.
REVISE_PREFIX = "评估结论：需要修订。"
# No record of this kind predates the 2002 安全生产法; earlier dates are typing errors.
EARLIEST = date(2002, 1, 1)
REPORT_KINDS = frozenset({"pdf", "docx", "jpg", "png"})
OPEN_REVISION_STATES = ("draft", "submitted", "returned")
PARTICIPANTS_MAX = 100_000
UNITS_MAX = 500


def _required_text(value: Any, field: str, label: str, limit: int = TEXT_MAX) -> str:
    if value is not None and not isinstance(value, str):
        raise ValidationFailed({field: [f"{label}应为文字"]})
    text = (value or "").strip()
    if not text:
        raise ValidationFailed({field: [f"{label}不能为空"]})
    if len(text) > limit:
        raise ValidationFailed({field: [f"{label}不能超过{limit}字"]})
    return text


def _past_date(value: Any, field: str, label: str, today: date, not_before: date | None = None) -> date:
    day, problem = date_problem(value, label)
    if problem:
        raise ValidationFailed({field: [problem]})
    if day < EARLIEST:
        raise ValidationFailed({field: [f"{label}不能早于 {EARLIEST.isoformat()}"]})
    if day > today:
        raise ValidationFailed({field: [f"{label}不能晚于今天"]})
    if not_before and day < not_before:
        raise ValidationFailed({field: [f"{label}不能早于预案公布日期 {not_before.isoformat()}"]})
    return day


def _check_changes(changes: Any) -> list[str]:
    changes = changes or []
    if not isinstance(changes, list) or not all(isinstance(c, str) for c in changes) \
            or not set(changes) <= rules.REFILING_CHANGES.keys():
        raise ValidationFailed({"changes": ["修订涉及的内容不在可选范围内"]})
    return changes


def record_refusal(ctx: ServiceContext, filing: Filing) -> DomainError | None:
    """Why the caller may not record evaluations, revision triggers and revisions on
    `filing` now (its enterprise's admin or officer may, while the filing is in force)."""
    if refused := ctx.refusal(*ENTERPRISE_ROLES, bureau=False, message="只有企业管理员或安全员可以登记"):
        return refused
    if filing.status not in FILED_STATES:
        return Conflict(f"当前状态为“{filing.status_label}”：只有已备案（含逾期视为备案）且未被替代的预案可以登记")
    return None


def _filed(ctx: ServiceContext, filing_id: int) -> Filing:
    """A filing of the caller's enterprise that is in force (filed and not superseded)."""
    filing = get_filing(ctx, filing_id)
    refuse(record_refusal(ctx, filing))
    return filing


def filing_in_force(ctx: ServiceContext, tenant_id: int) -> Filing | None:
    """The enterprise's latest filed plan set that has not been superseded."""
    return ctx.session.scalar(select(Filing).where(Filing.tenant_id == tenant_id, Filing.status.in_(FILED_STATES))
                              .order_by(func.coalesce(Filing.accepted_on, Filing.deemed_on).desc(),
                                        Filing.id.desc()).limit(1))


# ---------------------------------------------------------------------------- evaluation

def record_evaluation(ctx: ServiceContext, filing_id: int, data: dict, stream: BinaryIO,
                      filename: str, *, today: date | None = None) -> FilingEvaluation:
    """第三十五条: the enterprise records an evaluation with its report. The next one falls due
    a cycle after this one; a conclusion that the plan must be revised records the revision
    trigger it names (`trigger`, `changes`), so the filing shows 需修订."""
    filing = _filed(ctx, filing_id)
    today = today or beijing_today()
    evaluated_on = _past_date(data.get("evaluated_on"), "evaluated_on", "评估日期", today, filing.published_on)
    conclusion = data.get("conclusion")
    if conclusion not in EVALUATION_CONCLUSIONS:
        raise ValidationFailed({"conclusion": ["评估结论应为“预案仍然适用”或“需要修订预案”"]})
    summary = _required_text(data.get("summary"), "summary", "评估情况")
    if conclusion == "revise":
        if data.get("trigger") not in rules.REVISION_TRIGGERS:
            raise ValidationFailed({"trigger": ["评估结论为需要修订时，须选择修订情形"]})
        _check_changes(data.get("changes"))
        if len(REVISE_PREFIX + summary) > TEXT_MAX:
            raise ValidationFailed({"summary": [f"评估情况不能超过{TEXT_MAX - len(REVISE_PREFIX)}字"]})
    stored = ctx.house.files.store_upload(ctx, stream, filename, REPORT_KINDS, tenant_id=filing.tenant_id)
    row = FilingEvaluation(tenant_id=filing.tenant_id, filing_id=filing.id, evaluated_on=evaluated_on,
                           conclusion=conclusion, summary=summary, file_id=stored.id, recorded_by=ctx.actor.user_id,
                           recorded_at=utcnow())
    ctx.session.add(row)
    ctx.session.flush()
    # A late-entered older evaluation must not pull the due date back: count from the latest.
    latest = ctx.session.scalar(select(func.max(FilingEvaluation.evaluated_on))
                                .where(FilingEvaluation.filing_id == filing.id))
    filing.evaluation_due = evaluation_due_for(ctx, filing, latest)
    ctx.session.flush()
    audit.record(ctx, "filing.evaluation", "filing", filing.id,
                 f"预案“{filing.title}”登记评估（{evaluated_on.isoformat()}）：{row.conclusion_label}",
                 payload={"evaluated_on": evaluated_on.isoformat(), "conclusion": conclusion, "file_id": stored.id,
                          "next_due": filing.evaluation_due.isoformat() if filing.evaluation_due else None},
                 tenant_id=filing.tenant_id)
    if conclusion == "revise":
        record_trigger(ctx, filing.id, {"trigger": data["trigger"], "occurred_on": evaluated_on,
                                        "description": REVISE_PREFIX + summary,
                                        "changes": data.get("changes") or []}, today=today)
    return row


def evaluations_of(ctx: ServiceContext, filing: Filing) -> list[FilingEvaluation]:
    return list(ctx.session.scalars(select(FilingEvaluation).where(FilingEvaluation.filing_id == filing.id)
                                    .order_by(FilingEvaluation.evaluated_on.desc(), FilingEvaluation.id.desc())))


# ---------------------------------------------------------------------------- revision

def record_trigger(ctx: ServiceContext, filing_id: int, data: dict, *, today: date | None = None) -> RevisionTrigger:
    """第三十六条: the enterprise records a circumstance that requires revising the plan; the
    filing shows 需修订 until the revision is settled. 第三十七条: when the revision changes
    the command system, procedures, main measures or response levels (`changes`), it must
    be filed again as a new version, and the bureau is told."""
    filing = _filed(ctx, filing_id)
    today = today or beijing_today()
    trigger = data.get("trigger")
    if not isinstance(trigger, str) or trigger not in rules.REVISION_TRIGGERS:
        raise ValidationFailed({"trigger": ["修订情形不在第三十六条所列范围内"]})
    occurred_on = _past_date(data.get("occurred_on"), "occurred_on", "发生日期", today)
    description = _required_text(data.get("description"), "description", "情况说明")
    changes = _check_changes(data.get("changes"))
    refile = rules.revision_requires_refiling(set(changes))
    row = RevisionTrigger(tenant_id=filing.tenant_id, filing_id=filing.id, trigger=trigger, occurred_on=occurred_on,
                          description=description, changes=sorted(set(changes)), requires_refiling=refile,
                          recorded_by=ctx.actor.user_id, recorded_at=utcnow())
    ctx.session.add(row)
    filing.revision_needed = True
    ctx.session.flush()
    audit.record(ctx, "filing.revision_trigger", "filing", filing.id,
                 f"预案“{filing.title}”登记修订情形：{rules.REVISION_TRIGGERS[trigger]}"
                 + ("（须重新备案）" if refile else ""),
                 payload={"trigger": trigger, "occurred_on": occurred_on.isoformat(), "changes": row.changes,
                          "requires_refiling": refile},
                 tenant_id=filing.tenant_id)
    if refile:
        notifications.notify_role(
            ctx, filing.bureau_id, REVIEW_ROLES, f"{filing.tenant.name}的应急预案须修订并重新备案",
            body=f"“{filing.title}”（{filing.filing_no}）：{rules.REVISION_TRIGGERS[trigger]}。修订涉及"
                 f"{'、'.join(rules.REFILING_CHANGES[c] for c in row.changes)}，应按规定重新备案。",
            link=f"/filings/{filing.id}", dedupe_key=f"filing:{filing.id}:trigger:{row.id}")
    return row


def settle_trigger(ctx: ServiceContext, trigger_id: int, note: Any, *, today: date | None = None,
                   filing_id: int | None = None) -> RevisionTrigger:
    """The plan was revised for this trigger without changes that need re-filing: the
    enterprise says how. When no trigger stays open, the filing no longer shows 需修订.
    `filing_id` (an address naming the filing): a trigger of another filing is NotFound."""
    row = ctx.session.scalar(select(RevisionTrigger).where(RevisionTrigger.id == trigger_id))
    if row is None or (filing_id is not None and row.filing_id != filing_id):
        raise NotFound("修订情形不存在或无权访问")
    filing = _filed(ctx, row.filing_id)
    if row.resolved_on is not None:
        raise Conflict("该修订情形已办结")
    if row.requires_refiling:
        raise Conflict("该修订涉及组织指挥体系、处置程序、主要措施或响应分级，须重新备案：请创建修订版本备案")
    note = _required_text(note, "note", "修订情况")
    row.resolved_on, row.resolution, row.resolution_note = today or beijing_today(), "revised", note
    ctx.session.flush()
    filing.revision_needed = bool(open_triggers(ctx, filing))
    ctx.session.flush()
    audit.record(ctx, "filing.revision_settled", "filing", filing.id,
                 f"预案“{filing.title}”已修订（无需重新备案）：{rules.REVISION_TRIGGERS.get(row.trigger, row.trigger)}",
                 payload={"trigger_id": row.id, "note": note}, tenant_id=filing.tenant_id)
    return row


def triggers_of(ctx: ServiceContext, filing: Filing) -> list[RevisionTrigger]:
    return list(ctx.session.scalars(select(RevisionTrigger).where(RevisionTrigger.filing_id == filing.id)
                                    .order_by(RevisionTrigger.occurred_on.desc(), RevisionTrigger.id.desc())))


def open_triggers(ctx: ServiceContext, filing: Filing) -> list[RevisionTrigger]:
    return [t for t in triggers_of(ctx, filing) if t.resolved_on is None]


def start_revision(ctx: ServiceContext, filing_id: int, data: dict) -> Filing:
    """第三十七条: a draft of the revised plan set, filed again as a new version of
    `filing_id`. The old version's documents are copied in as a starting point (the officer
    replaces what changed); the old filing stays in force until the new one is filed."""
    old = _filed(ctx, filing_id)
    # Step the old filing's version first: of two revisions started at once, the second's
    # UPDATE waits for the first and then matches no row (409), so a plan never has two
    # revisions that would both be filed.
    bumped = ctx.session.execute(update(Filing).where(Filing.id == old.id, Filing.version == old.version)
                                 .values(version=Filing.version + 1).execution_options(synchronize_session=False))
    if bumped.rowcount != 1:
        raise Conflict(STALE_MESSAGE)
    set_committed_value(old, "version", old.version + 1)
    pending = ctx.session.scalar(select(Filing.id).where(Filing.supersedes_id == old.id,
                                                         Filing.status.in_(OPEN_REVISION_STATES)))
    if pending is not None:
        raise Conflict("该预案已有正在办理的修订版本备案，请在该备案中继续")
    new = create_filing(ctx, {"title": data.get("title") or old.title, "published_on": data.get("published_on")})
    if new.published_on < old.published_on:
        raise ValidationFailed({"published_on": ["修订版本的公布日期不能早于原预案"]})
    new.supersedes_id = old.id
    for m in ctx.session.scalars(select(FilingMaterial).where(FilingMaterial.filing_id == old.id)
                                 .order_by(FilingMaterial.id)):
        ctx.session.add(FilingMaterial(tenant_id=new.tenant_id, filing_id=new.id, material=m.material, name=m.name,
                                       file_id=m.file_id, uploaded_by=ctx.actor.user_id, uploaded_at=utcnow()))
    ctx.session.flush()
    audit.record(ctx, "filing.revision", "filing", new.id,
                 f"创建预案“{old.title}”（{old.filing_no}）的修订版本备案",
                 payload={"supersedes_id": old.id}, tenant_id=new.tenant_id)
    return new


def versions_of(ctx: ServiceContext, filing: Filing) -> list[Filing]:
    """The chain of versions the filing belongs to, oldest first."""
    chain = [filing]
    while chain[0].supersedes_id:
        prev = ctx.session.scalar(select(Filing).where(Filing.id == chain[0].supersedes_id))
        if prev is None:
            break
        chain.insert(0, prev)
    while True:
        nxt = ctx.session.scalar(select(Filing).where(Filing.supersedes_id == chain[-1].id)
                                 .order_by(Filing.id.desc()).limit(1))
        if nxt is None:
            break
        chain.append(nxt)
    return chain if len(chain) > 1 else []


# ---------------------------------------------------------------------------- drills

def record_drill(ctx: ServiceContext, data: dict, stream: BinaryIO, filename: str, *,
                 today: date | None = None) -> Drill:
    """第三十三、三十四条: the enterprise records a drill with its evaluation report (第三十四条).
    An on-site disposal drill names the 现场处置方案 drilled. The key units of 第三十三条第二款
    report their drills to the county bureau: its reviewers are told."""
    ctx.require(*ENTERPRISE_ROLES, bureau=False, message="只有企业管理员或安全员可以登记演练")
    enterprise = ctx.session.scalar(select(Tenant).where(Tenant.id == ctx.actor.tenant_id))
    if enterprise is None or enterprise.kind != "enterprise":
        raise NotFound("企业不存在")
    today = today or beijing_today()
    kind = data.get("kind")
    if kind not in DRILL_KINDS:
        raise ValidationFailed({"kind": ["演练类型应为综合、专项或现场处置方案演练"]})
    held_on = _past_date(data.get("held_on"), "held_on", "演练日期", today)
    plan_name = data.get("plan_name")
    plan_name = plan_name.strip() if isinstance(plan_name, str) else None
    if kind == "onsite" and not plan_name:
        raise ValidationFailed({"plan_name": ["现场处置方案演练须写明演练的现场处置方案"]})
    if plan_name and len(plan_name) > NAME_MAX:
        raise ValidationFailed({"plan_name": [f"预案名称不能超过{NAME_MAX}字"]})
    scenario = _required_text(data.get("scenario"), "scenario", "演练情景")
    try:
        participants = int(data.get("participants"))
    except (TypeError, ValueError):
        participants = 0
    if not 1 <= participants <= PARTICIPANTS_MAX:
        raise ValidationFailed({"participants": ["参演人数应为正整数"]})
    units = data.get("participant_units")
    units = units.strip() if isinstance(units, str) and units.strip() else None
    if units and len(units) > UNITS_MAX:
        raise ValidationFailed({"participant_units": [f"参演单位不能超过{UNITS_MAX}字"]})
    in_force = filing_in_force(ctx, enterprise.id)
    known = onsite_plans(ctx, in_force) if in_force else []
    if kind == "onsite" and known and plan_name not in known:
        # The half-yearly obligation is counted per filed plan: the name must match one.
        raise ValidationFailed({"plan_name": [f"现场处置方案应为本企业已备案的：{'、'.join(known)}"]})
    stored = ctx.house.files.store_upload(ctx, stream, filename, REPORT_KINDS, tenant_id=enterprise.id)
    drill = Drill(tenant_id=enterprise.id, filing_id=in_force.id if in_force else None, kind=kind, held_on=held_on,
                  plan_name=plan_name or None, scenario=scenario, participants=participants,
                  participant_units=units, file_id=stored.id, recorded_by=ctx.actor.user_id, recorded_at=utcnow())
    ctx.session.add(drill)
    ctx.session.flush()
    what = DRILL_KINDS[kind] + (f"“{plan_name}”" if plan_name else "")
    audit.record(ctx, "drill.record", "drill", drill.id, f"登记演练：{what}（{held_on.isoformat()}）",
                 payload={"kind": kind, "held_on": held_on.isoformat(), "plan_name": plan_name,
                          "participants": participants, "file_id": stored.id}, tenant_id=enterprise.id)
    # 第三十三条第二款: key units report each drill to the county bureau.
    if rules.key_drill_unit(rules.UnitFacts.of(enterprise)) and enterprise.parent_id:
        notifications.notify_role(
            ctx, enterprise.parent_id, REVIEW_ROLES, f"{enterprise.name}报送应急演练情况",
            body=f"{held_on.isoformat()} {what}：{scenario[:100]}，参演 {participants} 人。",
            link=f"/drills?enterprise={enterprise.id}", dedupe_key=f"drill:{drill.id}:reported")
    return drill


def list_drills(ctx: ServiceContext, enterprise_id: int | None = None, limit: int = 500, *, offset: int = 0,
                q: str | None = None) -> list[Drill]:
    """Visible drills, latest first (an enterprise its own, a bureau its jurisdiction's);
    `q`: words of the scenario, the plan drilled or the enterprise's name."""
    q_ = _drills(ctx, enterprise_id, q)
    return list(ctx.session.scalars(q_.order_by(Drill.held_on.desc(), Drill.id.desc()).limit(limit).offset(offset)))


def count_drills(ctx: ServiceContext, enterprise_id: int | None = None, *, q: str | None = None) -> int:
    return ctx.session.scalar(select(func.count()).select_from(_drills(ctx, enterprise_id, q).subquery())) or 0


def _drills(ctx: ServiceContext, enterprise_id: int | None, q: str | None):  # noqa: ANN202
    ctx.require()
    stmt = select(Drill)
    if enterprise_id:
        stmt = stmt.where(Drill.tenant_id == enterprise_id)
    for word in (q or "").split()[:5]:
        stmt = stmt.where(Drill.scenario.contains(word, autoescape=True) | Drill.plan_name.contains(word, autoescape=True)
                          | Drill.tenant_id.in_(select(Tenant.id).where(Tenant.name.contains(word, autoescape=True))))
    return stmt


def onsite_plans(ctx: ServiceContext, filing: Filing) -> list[str]:
    """Names of the filing's 现场处置方案 documents: each must be drilled every half year."""
    return _onsite_plans(ctx, [filing.id]).get(filing.id, [])


def _onsite_plans(ctx: ServiceContext, filing_ids: list[int] | None) -> dict[int, list[str]]:
    """filing id → its on-site plan names (the document name, else the file's name), in one
    query; `filing_ids` None: of every visible filing."""
    out: dict[int, list[str]] = {}
    if filing_ids == []:
        return out
    stmt = (select(FilingMaterial.filing_id, FilingMaterial.name, StoredFile.original_name)
            .join(StoredFile, StoredFile.id == FilingMaterial.file_id).where(FilingMaterial.material == "onsite_plans"))
    if filing_ids is not None:
        stmt = stmt.where(FilingMaterial.filing_id.in_(filing_ids))
    rows = ctx.session.execute(stmt.order_by(FilingMaterial.filing_id, FilingMaterial.id))
    for filing_id, name, original in rows:
        names = out.setdefault(filing_id, [])
        name = name or original.rsplit(".", 1)[0]
        if name not in names:
            names.append(name)
    return out


# Ids sent in one IN list at most (bound parameters stay well under the drivers' limits).
ID_CHUNK = 500


@dataclass(frozen=True)
class EnterpriseDrills:
    enterprise: Tenant
    filing: Filing
    obligations: list[rules.DrillObligation]

    @property
    def overdue(self) -> list[rules.DrillObligation]:
        return [o for o in self.obligations if o.overdue]


def drill_status(ctx: ServiceContext, filing: Filing, today: date) -> EnterpriseDrills:
    """第三十三条 obligations of the enterprise under its filing in force, counted from the
    filing's date for plans not drilled yet."""
    return _drill_statuses(ctx, [filing], today)[0]


def _drill_statuses(ctx: ServiceContext, filings: list[Filing], today: date) -> list[EnterpriseDrills]:
    """drill_status of many filings in three queries, whatever their number (dashboards)."""
    general: dict[int, date] = {}
    latest: dict[int, date] = {}
    onsite: dict[tuple[int, str], date] = {}
    # A few filings are read by their ids; more than one list of ids (a jurisdiction's) by
    # reading everything visible at once, which the scope already bounds.
    chunks = [filings[i:i + ID_CHUNK] for i in range(0, len(filings), ID_CHUNK)]
    chunks = [None] if len(chunks) > 1 else chunks
    for chunk in chunks:
        drills = select(Drill.tenant_id, Drill.kind, Drill.plan_name, func.max(Drill.held_on))
        if chunk is not None:
            drills = drills.where(Drill.tenant_id.in_([f.tenant_id for f in chunk]))
        for tenant_id, kind, plan, held in ctx.session.execute(
                drills.group_by(Drill.tenant_id, Drill.kind, Drill.plan_name)):
            latest[tenant_id] = max(latest.get(tenant_id, held), held)
            if kind == "onsite":
                onsite[(tenant_id, plan)] = held
            else:
                general[tenant_id] = max(general.get(tenant_id, held), held)
    plans: dict[int, list[str]] = {}
    for chunk in chunks:
        plans.update(_onsite_plans(ctx, None if chunk is None else [f.id for f in chunk]))
    out = []
    for f in filings:
        obligations = rules.drill_obligations(
            today, last_comprehensive_or_special=general.get(f.tenant_id),
            onsite_last={name: onsite.get((f.tenant_id, name)) for name in plans.get(f.id, [])},
            since=f.accepted_on or f.deemed_on or f.published_on,
            key_unit=rules.key_drill_unit(rules.UnitFacts.of(f.tenant)), last_any=latest.get(f.tenant_id))
        out.append(EnterpriseDrills(f.tenant, f, obligations))
    return out


def in_force() -> ColumnElement[bool]:
    """Whether a filing is its enterprise's filing in force: filed, and no filing of the
    enterprise filed later (on the same day, the later one)."""
    later = aliased(Filing)
    return Filing.status.in_(FILED_STATES) & ~exists().where(
        later.tenant_id == Filing.tenant_id, later.status.in_(FILED_STATES),
        tuple_(func.coalesce(later.accepted_on, later.deemed_on), later.id)
        > tuple_(func.coalesce(Filing.accepted_on, Filing.deemed_on), Filing.id))


def filings_in_force(ctx: ServiceContext) -> list[Filing]:
    """Each visible enterprise's filing in force."""
    return list(ctx.session.scalars(select(Filing).where(in_force()).order_by(Filing.tenant_id)))


def overdue_drills(ctx: ServiceContext, today: date | None = None) -> list[EnterpriseDrills]:
    """Enterprises of the caller's view with at least one drill obligation overdue."""
    today = today or beijing_today()
    out = _drill_statuses(ctx, filings_in_force(ctx), today)
    return sorted((d for d in out if d.overdue), key=lambda d: (min(o.due for o in d.overdue), d.enterprise.name))


def _file_stem(name: ColumnElement[str]) -> ColumnElement[str]:
    """`name.rsplit(".", 1)[0]` in SQL that SQLite and PostgreSQL both speak: rtrim drops the
    trailing characters that are not dots, leaving the name up to its last dot."""
    upto_dot = func.rtrim(name, func.replace(name, ".", ""))
    return case((name.contains("."), func.substr(upto_dot, 1, func.length(upto_dot) - 1)), else_=name)


def count_overdue_drills(ctx: ServiceContext, today: date) -> int:
    """How many enterprises overdue_drills lists, counted by the database: the obligations of
    rules.drill_obligations (第三十三条), each asked as "its start is before
    rules.drill_overdue_before", over the filings in force, without building a row."""
    yearly, half_year = rules.drill_overdue_before(today, 12), rules.drill_overdue_before(today, 6)
    since = func.coalesce(Filing.accepted_on, Filing.deemed_on, Filing.published_on)
    f = (select(Filing.id, Filing.tenant_id, since.label("since"), Tenant.industry)
         .join(Tenant, Tenant.id == Filing.tenant_id).where(in_force()).subquery("f"))
    last = (select(Drill.tenant_id, func.max(Drill.held_on).filter(Drill.kind != "onsite").label("general"),
                   func.max(Drill.held_on).label("any")).group_by(Drill.tenant_id).subquery("last"))
    onsite = (select(Drill.tenant_id, Drill.plan_name, func.max(Drill.held_on).label("held"))
              .where(Drill.kind == "onsite").group_by(Drill.tenant_id, Drill.plan_name).subquery("onsite"))
    plans = (select(FilingMaterial.filing_id,
                    func.coalesce(func.nullif(FilingMaterial.name, ""), _file_stem(StoredFile.original_name))
                    .label("name"))
             .join(StoredFile, StoredFile.id == FilingMaterial.file_id)
             .where(FilingMaterial.material == "onsite_plans").subquery("plans"))
    # Per filing: how many on-site plans it has, and the oldest start among them (the filings
    # in force are picked once, below).
    per_plan = (select(plans.c.filing_id, func.count().label("n"),
                       func.min(func.coalesce(onsite.c.held, since)).label("oldest"))
                .join(Filing, Filing.id == plans.c.filing_id)
                .outerjoin(onsite, (onsite.c.tenant_id == Filing.tenant_id) & (onsite.c.plan_name == plans.c.name))
                .group_by(plans.c.filing_id).subquery("per_plan"))
    overdue = ((func.coalesce(last.c.general, f.c.since) < yearly)
               | (per_plan.c.oldest < half_year)
               | (rules.key_drill_unit_where(f.c.industry) & per_plan.c.n.is_(None)
                  & (func.coalesce(last.c.any, f.c.since) < half_year)))
    return ctx.session.scalar(
        select(func.count()).select_from(f).outerjoin(last, last.c.tenant_id == f.c.tenant_id)
        .outerjoin(per_plan, per_plan.c.filing_id == f.c.id).where(overdue)) or 0


# ---------------------------------------------------------------------------- sweep

def sweep_aftercare(ctx: ServiceContext, today: date | None = None) -> str:
    """Evaluation reminders 90, 30 and 0 days before the due date (the latest one reached
    only, once each) to the enterprise, and the bureau on the day; a notice to the
    enterprise when a drill obligation falls overdue. Idempotent through dedupe keys."""
    if not ctx.actor.is_system:
        raise PermissionDenied("只有系统定时任务可以执行备案后续检查")
    today = today or beijing_today()
    evaluations = drills = 0
    for status in _drill_statuses(ctx, filings_in_force(ctx), today):
        filing = status.filing
        if filing.evaluation_due:
            reached = [d for d, on in zip(rules.EVALUATION_REMINDER_DAYS, rules.evaluation_reminders(filing.evaluation_due))
                       if today >= on]
            if reached:
                evaluations += _remind_evaluation(ctx, filing, min(reached), today) > 0
        for o in status.overdue:
            drills += notifications.notify_role(
                ctx, filing.tenant_id, ENTERPRISE_NOTIFY_ROLES, f"应急演练逾期：{o.label}",
                body=f"应于 {o.due.isoformat()} 前完成" + (f"（上次 {o.last.isoformat()}）" if o.last else "")
                     + "。请尽快组织演练并登记演练评估报告。",
                link="/drills", dedupe_key=_drill_key(filing.tenant_id, o)) > 0
    return f"{evaluations} 件预案评估提醒，{drills} 项演练逾期提醒"


def _drill_key(tenant_id: int, o: rules.DrillObligation) -> str:
    # Plan names may be long: the key (at most 200 characters) carries a digest of the label.
    digest = hashlib.sha256(o.label.encode()).hexdigest()[:16]
    return f"drill-due:{tenant_id}:{o.kind}:{digest}:{o.due.isoformat()}"


def _remind_evaluation(ctx: ServiceContext, filing: Filing, days: int, today: date) -> int:
    due = filing.evaluation_due
    # `days` is the threshold reached (90/30/0, for the dedupe key); the text says how far off it really is.
    left = (due - today).days
    when = "今天到期" if left == 0 else f"将于 {left} 天后（{due.isoformat()}）到期"
    if today > due:
        when = f"已于 {due.isoformat()} 到期"
    key = f"filing:{filing.id}:evaluation:{due.isoformat()}:{days}"
    title = f"应急预案评估{when}"
    body = f"“{filing.title}”（{filing.filing_no}）应每三年进行一次评估（第三十五条）。请组织评估并登记评估报告。"
    sent = notifications.notify_role(ctx, filing.tenant_id, ENTERPRISE_NOTIFY_ROLES, title, body=body,
                                     link=f"/filings/{filing.id}#evaluations", dedupe_key=key)
    if days == 0:
        sent += notifications.notify_role(ctx, filing.bureau_id, REVIEW_ROLES, f"{filing.tenant.name}：{title}",
                                          body=body, link=f"/filings/{filing.id}", dedupe_key=key)
    return sent
