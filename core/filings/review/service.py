"""Emergency-plan filing (应急预案备案): drafts, materials, submission, the bureau's review
(return with a one-time list, or accept with a 备案编号) and the deadline sweep that marks
silently overdue filings as deemed filed (视为已经备案).

The statutory rules live in core.filings.rules; this module applies them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, BinaryIO

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from core.audit import service as audit
from core.audit.labels import action_label
from core.auth.models import User
from core.auth.service import display_names
from core.calendar.service import beijing_date, beijing_today, working_days_between
from core.context import ServiceContext
from core.db import has_writes, side_session, utcnow
from core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    refuse,
)
from core.files.service import clean_name
from core.filings import rules
from core.filings.models import (
    DEFAULT_NUMBER_FORMAT,
    FILED_STATES,
    STATUSES,
    Filing,
    FilingCounter,
    FilingMaterial,
    FilingReturn,
    FilingSettings,
    RevisionTrigger,
)
from core.filings.schemas import FilingCreateIn
from core.i18n import mark
from core.notifications import service as notifications
from core.schema import load_or_fail
from core.workflow import (
    REMIND,
    UNCONFIRMED,
    Deadline,
    Transition,
    Workflow,
    check_version,
    step_comment,
)
from tenants.models import INDUSTRIES, Section, SectionAssignment, Tenant
from tenants.scoping import ANCESTORS, UNSCOPED
from tenants.service import parent_name

ENTERPRISE_ROLES = ("admin", "officer")
REVIEW_ROLES = ("admin", "reviewer")
# Plan documents are PDF or Word; tables (资源调查清单) may be Excel; scans may be images.
MATERIAL_KINDS = frozenset({"pdf", "docx", "xlsx", "jpg", "png"})
EDITABLE = ("draft", "returned")
TITLE_MAX = 300
TEXT_MAX = 2000
NOTE_MAX = 500
NAME_MAX = 200
RETURN_ITEMS_MAX = 50
EVALUATION_YEARS_MAX = 10
ENTERPRISE_NOTIFY_ROLES = ("admin", "officer", "viewer")


# ---------------------------------------------------------------------------- workflow

def _materials_complete(ctx: ServiceContext, filing: Filing, _data: dict) -> str | None:
    missing = missing_materials(ctx, filing)
    if missing:
        return f"以下必备材料尚未上传，不能提交：{'、'.join(rules.MATERIALS[k] for k in missing)}"
    return None


def _corrected(ctx: ServiceContext, filing: Filing, data: dict) -> str | None:
    """A resubmission answers the return: every material it named has a new document."""
    left = uncorrected(ctx, filing)
    if left:
        return (f"以下退回补正的材料尚未修改，不能重新提交：{'、'.join(rules.MATERIALS[k] for k in left)}"
                "（请上传补正后的文件）")
    return _materials_complete(ctx, filing, data)


# ------------------------------------------------------------- what entering a state stamps
# On-enter effects of FLOW: the engine runs them after every check, so no number is issued
# and no date stamped for a step that is refused; `data["_today"]` is the step's day.

def _stamp_receipt(ctx: ServiceContext, filing: Filing, data: dict) -> dict:
    """(Re)submitted: the bureau's review limit starts, and the section that will review it."""
    today = data["_today"]
    due = rules.review_deadline(ctx.session, today)
    section = routed_section(ctx, filing)
    return {"received_on": today, "review_due": due.date, "review_due_estimated": due.estimated,
            "review_section_id": section.id if section else None}


def _stamp_first_submission(ctx: ServiceContext, filing: Filing, data: dict) -> dict:
    today = data["_today"]
    return {"first_submitted_on": today, "late": rules.late_filing(ctx.session, filing.published_on, today)}


def _stamp_acceptance(ctx: ServiceContext, filing: Filing, data: dict) -> dict:
    """Accepted: the 备案编号, the opinion, the next evaluation, and what the 备案登记表 says."""
    today = data["_today"]
    stamps = {"accepted_on": today, "accepted_by": ctx.actor.user_id, "review_opinion": data.get("comment"),
              "evaluation_due": evaluation_due_for(ctx, filing, filing.published_on),
              **_allocate_number(ctx, filing, today)}
    stamps["certificate"] = {"content": certificate_content(ctx, filing, **stamps)}
    return stamps


def _stamp_deeming(ctx: ServiceContext, filing: Filing, _data: dict) -> dict:
    """第二十八条: filed from the day after the last working day of the limit, even if the
    sweep runs later than that; the limit as the calendar stands now."""
    review_due = rules.review_deadline(ctx.session, filing.received_on).date
    deemed_on = review_due + timedelta(days=1)
    stamps = {"review_due": review_due, "deemed_on": deemed_on,
              "evaluation_due": evaluation_due_for(ctx, filing, filing.published_on),
              **_allocate_number(ctx, filing, deemed_on)}
    stamps["certificate"] = {"content": certificate_content(ctx, filing, **stamps)}
    return stamps


def _returned_items(ctx: ServiceContext, filing: Filing, data: dict) -> dict:
    """The return's one-time list, cleaned and checked against 第二十八条."""
    items = _clean_items(data.get("items"))
    if items:
        _check_one_time(ctx, filing, items)
    return {"items": items}


FLOW = Workflow(
    name="filing", initial="draft", states=STATUSES,
    transitions=(
        Transition("submit", ("draft",), "submitted", ENTERPRISE_ROLES, "提交备案", bureau=False,
                   guard=_materials_complete,
                   on_enter=(_stamp_receipt, _stamp_first_submission)),
        Transition("return", ("submitted",), "returned", REVIEW_ROLES, "退回补正", bureau=True,
                   authority=lambda ctx, f: review_authority(ctx, f),
                   checks=(lambda c, f, d: _check_limit_open(c, f, "return", d["_today"]),
                           _returned_items)),
        Transition("resubmit", ("returned",), "submitted", ENTERPRISE_ROLES, "补正后重新提交", bureau=False,
                   guard=_corrected, on_enter=(_stamp_receipt,)),
        Transition("accept", ("submitted",), "accepted", REVIEW_ROLES, "准予备案", bureau=True,
                   authority=lambda ctx, f: review_authority(ctx, f),
                   checks=(lambda c, f, d: _check_limit_open(c, f, "accept", d["_today"]),),
                   on_enter=(_stamp_acceptance,), records=("filing_no",)),
        Transition("withdraw", ("draft", "submitted", "returned"), "withdrawn", ENTERPRISE_ROLES, "撤回",
                   bureau=False, checks=(lambda c, f, d: _check_limit_open(c, f, "withdraw", d["_today"]),)),
        # Only the deadline sweep (the system) takes this one: no role holds it.
        Transition("deem", ("submitted",), "deemed", (), "逾期视为备案",
                   on_enter=(_stamp_deeming,), records=("filing_no",)),
        # Taken with the acceptance (or deeming) of the version that replaces it, never alone.
        Transition("supersede", FILED_STATES, "superseded", REVIEW_ROLES, "被新版本替代", bureau=True),
    ),
    # 第二十八条: five working days to accept or return, else 视为已经备案 (the sweep, or a reader).
    deadlines={"submitted": Deadline(
        rules.REVIEW_LIMIT, "received_on", then="deem", what="filing.review",
        tell=lambda c, f, moment: _tell_review(c, f, moment),
        summary=lambda f, st: f"预案备案“{f.title}”审查期限（{f.review_due.isoformat()}）届满未予处理，"
                              f"视为已经备案，备案编号 {st.stamps['filing_no']}")},
    obj_type="filing",
)
# Consequences of other steps: no button, not accepted from a client.
SYSTEM_ACTIONS = ("deem", "supersede")


# ---------------------------------------------------------------------------- reading

def get_filing(ctx: ServiceContext, filing_id: int) -> Filing:
    """A visible filing; another jurisdiction's filing is NotFound (the tenant scoping filters it)."""
    ctx.require()
    # A SELECT (not session.get) so the scope applies even when the row is already loaded.
    filing = ctx.session.scalar(select(Filing).where(Filing.id == filing_id))
    if filing is None:
        raise NotFound("备案不存在或无权访问")
    return filing


def list_filings(ctx: ServiceContext, status: str | None = None, overdue: bool | None = None,
                 enterprise_id: int | None = None, *, q: str | None = None, today: date | None = None,
                 limit: int | None = 200, offset: int = 0) -> list[Filing]:
    """Visible filings. A bureau's inbox: filings awaiting review first, the earliest review
    deadline first; an enterprise sees its own, newest first. `overdue`: awaiting review
    past the 5-working-day limit (True) or not (False); `q`: words of the plan's name, the
    enterprise's name or the 备案编号."""
    today = today or beijing_today()
    deem_due(ctx, today)
    stmt = _filtered(ctx, status, overdue, enterprise_id, q, today)
    if ctx.actor.is_bureau or ctx.actor.is_system:
        stmt = stmt.order_by(case((Filing.status == "submitted", 0), else_=1), Filing.review_due.is_(None),
                             Filing.review_due, Filing.id)
    else:
        stmt = stmt.order_by(Filing.created_at.desc(), Filing.id.desc())
    return list(ctx.session.scalars(stmt.limit(limit).offset(offset)))


def count_filings(ctx: ServiceContext, status: str | None = None, overdue: bool | None = None,
                  enterprise_id: int | None = None, *, q: str | None = None, today: date | None = None) -> int:
    """How many filings list_filings would give without a limit."""
    stmt = _filtered(ctx, status, overdue, enterprise_id, q, today or beijing_today())
    return ctx.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def _filtered(ctx: ServiceContext, status: str | None, overdue: bool | None, enterprise_id: int | None,
              q: str | None, today: date):  # noqa: ANN202
    ctx.require()
    if status is not None and status not in STATUSES:
        raise ValidationFailed({"status": ["状态不在可选范围内"]})
    stmt = select(Filing)
    if status:
        stmt = stmt.where(Filing.status == status)
    if enterprise_id:
        stmt = stmt.where(Filing.tenant_id == enterprise_id)
    late_review = (Filing.status == "submitted") & (Filing.review_due < today)
    if overdue is True:
        stmt = stmt.where(late_review)
    elif overdue is False:
        stmt = stmt.where(~late_review)
    for word in (q or "").split()[:5]:
        stmt = stmt.where(Filing.title.contains(word, autoescape=True) | Filing.filing_no.contains(word, autoescape=True)
                          | Filing.tenant_id.in_(select(Tenant.id).where(Tenant.name.contains(word, autoescape=True))))
    return stmt


def materials_of(ctx: ServiceContext, filing: Filing) -> list[FilingMaterial]:
    return list(ctx.session.scalars(select(FilingMaterial).where(FilingMaterial.filing_id == filing.id)
                                    .order_by(FilingMaterial.id)))


def returns_of(ctx: ServiceContext, filing: Filing) -> list[FilingReturn]:
    return list(ctx.session.scalars(select(FilingReturn).where(FilingReturn.filing_id == filing.id)
                                    .order_by(FilingReturn.round)))


def settings_for(ctx: ServiceContext, bureau_id: int) -> FilingSettings | None:
    # Shared down (tenants.scoping.SharedDown): an enterprise's filing follows its bureau's.
    return ctx.session.scalar(select(FilingSettings).where(FilingSettings.tenant_id == bureau_id))


def required_for(ctx: ServiceContext, filing: Filing) -> dict[str, bool]:
    """第二十七条 materials for this filing: the enterprise's industry, the bureau's overrides."""
    settings = settings_for(ctx, filing.bureau_id)
    return rules.required_materials(rules.UnitFacts.of(filing.tenant), overrides_for(settings, filing.tenant.industry))


def overrides_for(settings: FilingSettings | None, industry: str | None) -> dict[str, bool]:
    """The bureau's material overrides that apply to an industry: its own entry over "*"."""
    table = settings.material_overrides if settings else {}
    return {**table.get("*", {}), **table.get(industry or "", {})}


def evaluation_due_for(ctx: ServiceContext, filing: Filing, start: date) -> date | None:
    """第三十五条: when the next evaluation of `filing` falls due, counting from `start`
    (publication, or the last evaluation), with the bureau's cycle for the industry."""
    settings = settings_for(ctx, filing.bureau_id)
    years = (settings.evaluation_years if settings else {}).get(filing.tenant.industry or "")
    return rules.evaluation_due(start, rules.UnitFacts.of(filing.tenant), years)


@dataclass(frozen=True)
class MaterialStatus:
    key: str
    label: str
    required: bool
    count: int

    @property
    def present(self) -> bool:
        return self.count > 0


def completeness(ctx: ServiceContext, filing: Filing) -> list[MaterialStatus]:
    """Per material of rules.MATERIALS: whether it is required and how many files it has."""
    ctx.require()
    required = required_for(ctx, filing)
    counts = dict(ctx.session.execute(
        select(FilingMaterial.material, func.count(FilingMaterial.id))
        .where(FilingMaterial.filing_id == filing.id).group_by(FilingMaterial.material)).all())
    return [MaterialStatus(key, label, required[key], counts.get(key, 0)) for key, label in rules.MATERIALS.items()]


def missing_materials(ctx: ServiceContext, filing: Filing) -> list[str]:
    """Keys of required materials with no file yet, in checklist order."""
    return [m.key for m in completeness(ctx, filing) if m.required and not m.present]


def people(ctx: ServiceContext, ids) -> dict[int, str]:  # noqa: ANN001
    """Display names of users (reviewers and officers) named on a filing."""
    return display_names(ctx, ids)


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    needs_items: bool


def actions(ctx: ServiceContext, filing: Filing) -> list[Action]:
    """The workflow buttons the caller may press on `filing`."""
    return [Action(t.name, t.label, t.name == "return") for t in FLOW.available(ctx, filing)
            if t.name not in SYSTEM_ACTIONS]


# ---------------------------------------------------------------------------- writing

def create_filing(ctx: ServiceContext, data: dict) -> Filing:
    """A draft filing of the caller's enterprise, to be filed with its bureau."""
    ctx.require(*ENTERPRISE_ROLES, bureau=False, message="只有企业管理员或安全员可以创建备案")
    if ctx.actor.tenant_id is None:
        raise PermissionDenied("只有企业可以创建备案")
    args = load_or_fail(FilingCreateIn(), data)
    title = args["title"].strip()
    if not title:
        raise ValidationFailed({"title": ["预案名称不能为空"]})
    if args["published_on"] > beijing_today():
        raise ValidationFailed({"published_on": ["公布日期不能晚于今天"]})
    enterprise = ctx.session.scalar(select(Tenant).where(Tenant.id == ctx.actor.tenant_id))
    if enterprise is None or enterprise.parent_id is None:
        raise PermissionDenied("本企业未归属任何应急管理局，不能备案")
    filing = Filing(tenant_id=enterprise.id, bureau_id=enterprise.parent_id, title=title,
                    published_on=args["published_on"], status=FLOW.initial, created_by=ctx.actor.user_id)
    ctx.session.add(filing)
    ctx.session.flush()
    audit.record(ctx, "filing.create", "filing", filing.id, f"创建预案备案“{title}”",
                 payload={"title": title, "published_on": filing.published_on.isoformat()},
                 tenant_id=filing.tenant_id)
    return filing


def edit_refusal(ctx: ServiceContext, filing: Filing) -> DomainError | None:
    """Why the caller may not change the filing's materials now (its enterprise may, while
    a draft or returned); None when it may. The page's upload form and the action ask it."""
    if refused := ctx.refusal(*ENTERPRISE_ROLES, bureau=False, message="只有企业管理员或安全员可以修改备案材料"):
        return refused
    if filing.status not in EDITABLE:
        return Conflict(f"当前状态为“{filing.status_label}”，不能修改备案材料")
    return None


def _editable(ctx: ServiceContext, filing_id: int) -> Filing:
    filing = get_filing(ctx, filing_id)
    refuse(edit_refusal(ctx, filing))
    return filing


def add_material(ctx: ServiceContext, filing_id: int, material_key: Any, stream: BinaryIO,
                 filename: str, name: str | None = None) -> FilingMaterial:
    """Upload one document of a draft or returned filing (PDF, DOCX, XLSX, JPG or PNG)."""
    filing = _editable(ctx, filing_id)
    if material_key not in rules.MATERIALS:
        raise ValidationFailed({"material": ["材料类别不在可选范围内"]})
    if name is not None and not isinstance(name, str):
        raise ValidationFailed({"name": ["材料名称应为文字"]})
    name = clean_name(name) or None
    if name and len(name) > NAME_MAX:
        raise ValidationFailed({"name": [f"材料名称不能超过{NAME_MAX}字"]})
    stored = ctx.house.files.store_upload(ctx, stream, filename, MATERIAL_KINDS, tenant_id=filing.tenant_id)
    row = FilingMaterial(tenant_id=filing.tenant_id, filing_id=filing.id, material=material_key, name=name,
                         file_id=stored.id, uploaded_by=ctx.actor.user_id, uploaded_at=utcnow())
    ctx.session.add(row)
    ctx.session.flush()
    label = rules.MATERIALS[material_key] + (f"（{name}）" if name else "")
    audit.record(ctx, "filing.material.add", "filing", filing.id,
                 f"备案“{filing.title}”上传材料：{label}，文件“{stored.original_name}”",
                 payload={"material": material_key, "name": name, "file_id": stored.id, "sha256": stored.sha256},
                 tenant_id=filing.tenant_id)
    return row


def remove_material(ctx: ServiceContext, filing_id: int, material_id: int) -> Filing:
    """Take a document off a draft or returned filing (the stored file itself is kept)."""
    filing = _editable(ctx, filing_id)
    row = ctx.session.scalar(select(FilingMaterial).where(FilingMaterial.id == material_id,
                                                          FilingMaterial.filing_id == filing.id))
    if row is None:
        raise NotFound("备案材料不存在或无权访问")
    ctx.session.delete(row)
    ctx.session.flush()
    audit.record(ctx, "filing.material.remove", "filing", filing.id,
                 f"备案“{filing.title}”删除材料：{rules.MATERIALS.get(row.material, row.material)}",
                 payload={"material": row.material, "file_id": row.file_id}, tenant_id=filing.tenant_id)
    return filing


def _clean_items(items: Any) -> list[dict]:
    """The one-time correction list (一次性告知) of a return: at least one item, each naming
    a material of the checklist once and saying what is wrong with it (第二十八条: the
    enterprise must learn at once everything it has to supply). Errors are keyed
    `items.<material>` (`items.<n>` when the material itself is unknown)."""
    refused = "退回时须至少列出一项需补正的材料（一次性告知）"
    if items is None or items == []:
        raise ValidationFailed({"items": [refused]}, message=refused)
    if not isinstance(items, list) or len(items) > RETURN_ITEMS_MAX:
        raise ValidationFailed({"items": [f"补正事项应为不超过{RETURN_ITEMS_MAX}项的列表"]})
    out, errors, seen = [], {}, set()
    for i, item in enumerate(items, 1):
        if not isinstance(item, dict) or not set(item) <= {"material", "note"}:
            errors[f"items.{i}"] = [f"第{i}项：格式应为 {{\"material\": …, \"note\": …}}"]
            continue
        material = item.get("material")
        if not isinstance(material, str) or material not in rules.MATERIALS:
            errors[f"items.{i}"] = [f"第{i}项：材料类别不在可选范围内"]
            continue
        key, label = f"items.{material}", rules.MATERIALS[material]
        if material in seen:
            errors[key] = [f"“{label}”重复列出"]
            continue
        seen.add(material)
        note = item.get("note")
        note = note.strip() if isinstance(note, str) else note
        if not isinstance(note, str | None) or (note and len(note) > NOTE_MAX):
            errors[key] = [f"“{label}”：问题说明应为不超过{NOTE_MAX}字的文字"]
        elif not note:
            errors[key] = [f"“{label}”：请填写问题说明（说明需要如何补正）"]
        else:
            out.append({"material": material, "note": note})
    if errors:
        raise ValidationFailed(errors, message=next(iter(errors.values()))[0])
    return out


def changed_since(ctx: ServiceContext, filing: Filing, since) -> set[str]:  # noqa: ANN001
    """Material keys the enterprise uploaded a document for after `since` (a return's time)."""
    return set(ctx.session.scalars(select(FilingMaterial.material).where(
        FilingMaterial.filing_id == filing.id, FilingMaterial.uploaded_at > since)))


def _check_one_time(ctx: ServiceContext, filing: Filing, items: list[dict]) -> None:
    """第二十八条 一次性告知: a later return may name only what the first list named, or a
    material the enterprise changed after the first return; anything else should have
    been on the first list."""
    rounds = returns_of(ctx, filing)
    if not rounds:
        return
    first = rounds[0]
    allowed = {i["material"] for i in first.items} | changed_since(ctx, filing, first.returned_at)
    late = [i["material"] for i in items if i["material"] not in allowed]
    if late:
        names = "、".join(f"“{rules.MATERIALS[m]}”" for m in late)
        day = (first.notice or {}).get("returned_on") or beijing_date(first.returned_at).isoformat()
        message = (f"第二十八条要求一次性告知需要补齐的材料：{names}不在首次退回（{day}）"
                   f"告知的清单中，企业此后也未修改，不能再要求补正")
        raise ValidationFailed({f"items.{m}": [message] for m in late}, message=message)


def returnable(ctx: ServiceContext, filing: Filing) -> set[str] | None:
    """Materials a new return may name (see _check_one_time); None: any (no return yet)."""
    rounds = returns_of(ctx, filing)
    if not rounds:
        return None
    return {i["material"] for i in rounds[0].items} | changed_since(ctx, filing, rounds[0].returned_at)


def uncorrected(ctx: ServiceContext, filing: Filing) -> list[str]:
    """Materials named on the latest return that have had no new document since it."""
    rounds = returns_of(ctx, filing)
    if filing.status != "returned" or not rounds:
        return []
    latest = rounds[-1]
    changed = changed_since(ctx, filing, latest.returned_at)
    return [i["material"] for i in latest.items if i["material"] not in changed]


def transition(ctx: ServiceContext, filing_id: int, action: Any, version: Any, comment: Any = None,
               items: Any = None, *, today: date | None = None) -> Filing:
    """submit / resubmit / withdraw (enterprise), return / accept (bureau).

    return needs the one-time list of items; accept issues the 备案编号. A filing whose
    review limit has passed is deemed filed first (第二十八条), so nothing else can happen
    to it any more."""
    today = today or beijing_today()
    deem_due(ctx, today, filing_id=filing_id)
    filing = get_filing(ctx, filing_id)
    ctx.require()
    version = check_version(version)
    comment = step_comment(comment, TEXT_MAX)
    if not isinstance(action, str) or not action or action in SYSTEM_ACTIONS:
        raise ValidationFailed({"action": ["操作为必填项，且应为 submit、resubmit、return、accept 或 withdraw"]})
    t = FLOW.transition(action)
    if filing.status == "deemed" and t.name in ("return", "accept", "withdraw"):
        raise Conflict(f"审查期限（{filing.review_due.isoformat()}）已届满，依照第二十八条该备案已视为已经备案"
                       f"（备案编号 {filing.filing_no}），不能再{t.label}")
    data: dict[str, Any] = {"comment": comment} if comment else {}
    if t.name == "return":
        data["items"] = items  # cleaned by the transition's check, after the engine's own
    was = filing.status
    # Checks, then the effects (the 备案编号 is issued only for a step that goes ahead).
    step = FLOW.apply(ctx, filing, t.name, version=version, data={**data, "_today": today}, obj_type="filing",
               summary=lambda f, step: f"{step.transition.label}预案备案“{f.title}”：{FLOW.label(step.source)} → "
                                       f"{FLOW.label(step.transition.target)}"
                                       + (f"，备案编号 {step.stamps['filing_no']}" if "filing_no" in step.stamps else ""))
    clean_items = step.data.get("items")
    if clean_items is not None:
        done = ctx.session.scalar(select(func.count(FilingReturn.id)).where(FilingReturn.filing_id == filing.id))
        returned = FilingReturn(tenant_id=filing.tenant_id, filing_id=filing.id, round=(done or 0) + 1,
                                returned_by=ctx.actor.user_id, returned_at=utcnow(), comment=comment,
                                items=clean_items)
        returned.notice = notice_content(ctx, filing, returned, today)
        ctx.session.add(returned)
        ctx.session.flush()
    if t.name == "accept" and filing.supersedes_id:
        _supersede(ctx, filing, today)
    _tell_next(ctx, filing, t.name, clean_items, was)
    return filing


# ---------------------------------------------------------------------------- who acts next

def routed_section(ctx: ServiceContext, filing: Filing) -> Section | None:
    """The section that is to review the filing, chosen when it is (re)submitted: the
    filing desk the bureau names on 备案设置, else the section supervising the enterprise;
    None when the bureau has neither (then any of its reviewers may). Sections are shared
    down, so the enterprise submitting a filing reads the section of its bureau."""
    settings = settings_for(ctx, filing.bureau_id)
    section_id = settings.desk_section_id if settings and settings.desk_section_id else ctx.session.scalar(
        select(SectionAssignment.section_id).where(SectionAssignment.tenant_id == filing.tenant_id))
    return _section(ctx, filing, section_id)


def _section(ctx: ServiceContext, filing: Filing, section_id: int | None) -> Section | None:
    if section_id is None:
        return None
    return ctx.session.scalar(select(Section).where(Section.id == section_id, Section.tenant_id == filing.bureau_id))


def review_authority(ctx: ServiceContext, filing: Filing) -> str | None:
    """Who may return or accept a filing: the filing bureau's admin, or a reviewer of the
    section it was routed to when submitted. Every user of a bureau above reads it, but
    only the filing bureau acts on it."""
    a = ctx.actor
    if a.tenant_id != filing.bureau_id:
        return "只有受理该备案的应急管理局可以审查"
    if a.role == "admin":
        return None
    section = _section(ctx, filing, filing.review_section_id)
    if section is not None and a.section_id != section.id:
        return f"该备案由“{section.name}”审查，本股室不能办理"
    return None


def reviewers_of(ctx: ServiceContext, filing: Filing) -> list[int]:
    """Users to tell when a filing awaits review, all of whom may act on it: the active
    reviewers of its section (or, without a section, of the bureau); when there is none,
    the bureau's admins."""
    q = (select(User.id).where(User.tenant_id == filing.bureau_id, User.active.is_(True))
         .order_by(User.id).execution_options(**{ANCESTORS: True}))
    reviewers = q.where(User.role == "reviewer")
    if filing.review_section_id is not None:
        reviewers = reviewers.where(User.section_id == filing.review_section_id)
    return list(ctx.session.scalars(reviewers)) or list(ctx.session.scalars(q.where(User.role == "admin")))


def _tell_next(ctx: ServiceContext, filing: Filing, action: str, items: list[dict] | None, was: str) -> None:
    """Every step tells the person who must act next, once (the dedupe key names the step
    by the version it produced), with a link straight to the filing."""
    link, key = f"/filings/{filing.id}", f"filing:{filing.id}:{action}:{filing.version}"
    ent = filing.tenant.name
    if action == "withdraw" and was != "submitted":
        return  # a draft or a returned filing waits for nobody at the bureau
    if action in ("submit", "resubmit", "withdraw"):
        title = {"submit": f"新的预案备案待审查：{ent}", "resubmit": f"补正后重新提交，待审查：{ent}",
                 "withdraw": f"企业已撤回预案备案：{ent}"}[action]
        body = (f"“{filing.title}”于 {filing.received_on.isoformat()} 收到，请在 {filing.review_due.isoformat()} "
                f"前完成形式审查（准予备案或一次性告知补正），逾期视为已经备案（第二十八条）。"
                if action != "withdraw" else f"“{filing.title}”已由企业撤回，无需继续审查。")
        for uid in reviewers_of(ctx, filing):
            notifications.notify(ctx, uid, title, body=body, link=link, dedupe_key=key)
        return
    if action == "return":
        lines = "；".join(f"{i + 1}. {rules.MATERIALS[it['material']]}：{it['note']}" for i, it in enumerate(items or []))
        title, body = (f"预案备案被退回补正：需补正 {len(items or [])} 项材料",
                       f"“{filing.title}”经形式审查材料不齐全，请一次性补正以下材料后重新提交：{lines}")
    elif action == "accept":
        title, body = (f"预案备案已准予备案：{filing.filing_no}",
                       f"“{filing.title}”经形式审查予以备案，备案编号 {filing.filing_no}，可打印备案登记表。")
    else:
        return
    notifications.notify_role(ctx, filing.tenant_id, ENTERPRISE_NOTIFY_ROLES, title, body=body, link=link,
                              dedupe_key=key)


def _supersede(ctx: ServiceContext, new: Filing, on: date) -> None:
    """第三十七条: a re-filed version replaces the one it revises. The old filing (and its
    certificate) is marked superseded, its history kept, and the revision triggers that
    required re-filing are settled by the new version."""
    old = ctx.session.scalar(select(Filing).where(Filing.id == new.supersedes_id))
    if old is None or old.status not in FILED_STATES:
        raise Conflict("原备案已不再有效（已被其他版本替代），不能以本版本替代")
    old.superseded_on, old.revision_needed = on, False
    FLOW.apply(ctx, old, "supersede", version=old.version, data={"filing_no": new.filing_no}, obj_type="filing",
               summary=f"预案备案“{old.title}”（{old.filing_no}）被重新备案的新版本（{new.filing_no}）替代")
    settled = []
    for trigger in ctx.session.scalars(select(RevisionTrigger).where(RevisionTrigger.filing_id == old.id,
                                                                     RevisionTrigger.resolved_on.is_(None))):
        trigger.resolved_on, trigger.resolution, trigger.resolved_filing_id = on, "refiled", new.id
        settled.append(trigger.id)
    ctx.session.flush()
    if settled:
        audit.record(ctx, "filing.revision_settled", "filing", old.id,
                     f"预案“{old.title}”的修订情形由重新备案（{new.filing_no}）办结",
                     payload={"trigger_ids": settled, "resolved_filing_id": new.id}, tenant_id=old.tenant_id)


def certificate_content(ctx: ServiceContext, filing: Filing, **stamps) -> dict:
    """What the 备案登记表 of a filed plan set says (core.filings.certificate prints it);
    `stamps`: the filing's values being set by the step that files it."""
    def value(name: str):  # noqa: ANN202
        return stamps[name] if name in stamps else getattr(filing, name)
    ent = filing.tenant
    handler = people(ctx, {filing.created_by}).get(filing.created_by, "")
    accepted_on, deemed_on = value("accepted_on"), value("deemed_on")
    return {"filing_no": value("filing_no"), "bureau_name": bureau_name(ctx, filing),
            "enterprise_name": ent.name, "address": ent.address or "", "postal_code": ent.postal_code or "",
            "legal_representative": ent.legal_representative or "", "handler": handler, "phone": ent.phone or "",
            "fax": ent.fax or "", "title": filing.title, "filed_on": (accepted_on or deemed_on).isoformat(),
            "deemed": accepted_on is None and deemed_on is not None}


def notice_content(ctx: ServiceContext, filing: Filing, returned: FilingReturn, on: date | None = None) -> dict:
    """What the 补正告知书 of a return says (core.filings.notice prints it); `on`: the day of
    the return (default: the Beijing date it was recorded)."""
    return {"enterprise_name": filing.tenant.name, "title": filing.title,
            "received_on": filing.received_on.isoformat() if filing.received_on else None,
            "bureau_name": bureau_name(ctx, filing),
            "returned_on": (on or beijing_date(returned.returned_at)).isoformat(),
            "items": [[rules.MATERIALS.get(i["material"], i["material"]), i["note"]] for i in returned.items],
            "comment": returned.comment}


# ---------------------------------------------------------------------------- numbering

def _next_seq(ctx: ServiceContext, bureau_id: int, year: int) -> int:
    """The bureau's next sequence number for `year`, in the caller's transaction: the row
    lock taken by the UPDATE queues concurrent acceptances, and a rollback returns the
    number, so numbers have neither gaps nor duplicates."""
    s = ctx.session
    bump = (update(FilingCounter).where(FilingCounter.bureau_id == bureau_id, FilingCounter.year == year)
            .values(last_seq=FilingCounter.last_seq + 1).returning(FilingCounter.last_seq)
            .execution_options(synchronize_session=False))
    seq = s.execute(bump).scalar()
    if seq is None:
        # First number of the year: create the row; of two first acceptances at once, the
        # second's insert does nothing and its UPDATE waits for the first to finish.
        insert = postgresql.insert if s.get_bind().dialect.name == "postgresql" else sqlite.insert
        s.execute(insert(FilingCounter).values(bureau_id=bureau_id, year=year, last_seq=0)
                  .on_conflict_do_nothing(index_elements=["bureau_id", "year"]))
        seq = s.execute(bump).scalar()
    return seq


def format_number(fmt: str, short: str, year: int, seq: int) -> str:
    return fmt.format(short=short, year=year, seq=seq)


def _allocate_number(ctx: ServiceContext, filing: Filing, on: date) -> dict[str, Any]:
    """The 备案编号 of the filing's bureau for the year of `on`, formatted per its settings."""
    seq = _next_seq(ctx, filing.bureau_id, on.year)
    settings = settings_for(ctx, filing.bureau_id)
    bureau = ctx.session.scalar(select(Tenant).where(Tenant.id == filing.bureau_id)
                                .execution_options(**{ANCESTORS: True}))
    short = bureau.short_name or bureau.name
    fmt = settings.number_format if settings else DEFAULT_NUMBER_FORMAT
    return {"filing_no": format_number(fmt, short, on.year, seq), "filing_year": on.year, "filing_seq": seq}


def update_settings(ctx: ServiceContext, data: dict) -> FilingSettings:
    """A bureau admin sets its number format, material requirements per industry ("*": all
    industries) and evaluation cycles per industry. Keys left out keep their value."""
    ctx.require("admin", bureau=True, message="只有应急管理局管理员可以修改备案设置")
    if ctx.actor.tenant_id is None:
        raise PermissionDenied("只有应急管理局可以修改备案设置")
    errors: dict[str, list[str]] = {}
    fmt = data.get("number_format")
    if fmt is not None:
        try:
            sample = format_number(fmt, "乌应急", 2024, 12) if isinstance(fmt, str) else None
        except (KeyError, IndexError, ValueError):
            sample = None
        if not sample or "{seq" not in fmt or len(fmt) > 100:
            errors["number_format"] = ["编号格式无效：可用 {short}、{year}、{seq}，且须包含 {seq}"]
    overrides = data.get("material_overrides")
    if overrides is not None:
        problem = _check_overrides(overrides)
        if problem:
            errors["material_overrides"] = [problem]
    years = data.get("evaluation_years")
    if years is not None and (not isinstance(years, dict) or not set(years) <= INDUSTRIES.keys() or not all(
            isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= EVALUATION_YEARS_MAX
            for v in years.values())):
        errors["evaluation_years"] = [f"评估周期应为 {{行业: 1至{EVALUATION_YEARS_MAX}年}}"]
    elif years:
        # 第三十五条: these units evaluate at least every three years; a bureau may only shorten it.
        longer = [INDUSTRIES[k] for k, v in years.items() if k in rules.EVALUATION_EVERY_3_YEARS and v > 3]
        if longer:
            errors["evaluation_years"] = [f"{'、'.join(longer)}：法定每三年至少评估一次，评估周期不能超过3年"]
    desk = data.get("desk_section_id")
    if desk is not None and (isinstance(desk, bool) or not isinstance(desk, int) or not 0 < desk < 2**31 or ctx.session.scalar(
            select(Section.id).where(Section.id == desk, Section.tenant_id == ctx.actor.tenant_id)) is None):
        errors["desk_section_id"] = ["受理备案的股室须为本局的股室"]
    if errors:
        raise ValidationFailed(errors)
    settings = settings_for(ctx, ctx.actor.tenant_id)
    if settings is None:
        settings = FilingSettings(tenant_id=ctx.actor.tenant_id, number_format=DEFAULT_NUMBER_FORMAT,
                                  material_overrides={}, evaluation_years={})
        ctx.session.add(settings)
    if fmt is not None:
        settings.number_format = fmt
    if overrides is not None:
        settings.material_overrides = {k: dict(v) for k, v in overrides.items() if v}
    if years is not None:
        settings.evaluation_years = dict(years)
    if "desk_section_id" in data:
        settings.desk_section_id = desk
    ctx.session.flush()
    audit.record(ctx, "filing.settings", "filing_settings", settings.id, "修改备案设置",
                 payload={"number_format": settings.number_format, "material_overrides": settings.material_overrides,
                          "evaluation_years": settings.evaluation_years, "desk_section_id": settings.desk_section_id},
                 tenant_id=ctx.actor.tenant_id)
    return settings


def _check_overrides(overrides: Any) -> str | None:
    if not isinstance(overrides, dict):
        return "材料要求应为 {行业或“*”: {材料类别: 是否必需}}"
    for scope, table in overrides.items():
        where = "全部行业" if scope == "*" else INDUSTRIES.get(scope)
        if where is None:
            return f"行业“{scope}”不在可选范围内"
        if not isinstance(table, dict) or not all(isinstance(v, bool) for v in table.values()):
            return f"{where}：材料要求应为 {{材料类别: 是否必需}}"
        for key in table:
            if key not in rules.MATERIALS:
                return f"{where}：材料类别“{key}”不在可选范围内"
            if (key in rules.STATUTORY_MATERIALS and not table[key]) or (
                    key == "review_opinion" and scope in rules.REVIEW_REQUIRED_INDUSTRIES and not table[key]):
                return f"{where}：“{rules.MATERIALS[key]}”是法定必备材料，不能改为可选"
    return None


# ---------------------------------------------------------------------------- deadlines

CALENDAR_PENDING = "节假日安排未导入，期限待确认"


def _check_limit_open(ctx: ServiceContext, filing: Filing, action: str, today: date) -> None:
    """第二十八条: once the 5 working days have passed the plan is filed (deemed); a return,
    a withdrawal or an acceptance then comes too late. While the limit cannot be confirmed
    for want of a holiday notice, a return or withdrawal waits too; an acceptance is lawful
    whenever it happens, so it may go ahead."""
    if filing.status != "submitted":
        return
    t = FLOW.transition(action)
    state = rules.review_limit_state(ctx.session, filing.received_on, today)
    if state == rules.LIMIT_PASSED:
        raise Conflict(f"审查期限已于 {rules.review_deadline(ctx.session, filing.received_on).date.isoformat()} "
                       f"届满，依照第二十八条该备案视为已经备案，不能再{t.label}")
    if state == rules.LIMIT_UNCONFIRMED and t.name != "accept":
        years = "、".join(map(str, rules.review_deadline(ctx.session, filing.received_on).unknown_years))
        raise Conflict(f"{CALENDAR_PENDING}：{years}年节假日安排尚未导入，无法确认5个工作日的审查期限是否已届满，"
                       f"暂不能{t.label}；请市级应急管理局管理员在“工作日历”中导入后再办理")


@dataclass(frozen=True)
class ReviewClock:
    """The bureau's review limit of a filing awaiting review, counted on the current calendar."""

    due: date
    estimated: bool
    note: str
    state: str          # rules.LIMIT_OPEN / LIMIT_PASSED / LIMIT_UNCONFIRMED
    days_left: int      # working days left (negative: passed by that many)


def review_clock(ctx: ServiceContext, filing: Filing, today: date | None = None) -> ReviewClock | None:
    """The review limit as the calendar stands now (never the copy stored at submission)."""
    if filing.status != "submitted" or filing.received_on is None:
        return None
    today = today or beijing_today()
    due = rules.review_deadline(ctx.session, filing.received_on)
    return ReviewClock(due.date, due.estimated, due.note,
                       rules.review_limit_state(ctx.session, filing.received_on, today),
                       working_days_between(ctx.session, today, due.date))


def read_filing(ctx: ServiceContext, filing_id: int, today: date | None = None) -> Filing:
    """A visible filing as it stands today: one whose review limit has passed is deemed
    filed first (第二十八条 takes effect when the limit passes, not when a sweep runs)."""
    deem_due(ctx, today, filing_id=filing_id)
    return get_filing(ctx, filing_id)


def deem_due(ctx: ServiceContext, today: date | None = None, *, filing_id: int | None = None) -> list[int]:
    """Deem filed (视为已经备案) every filing visible to the caller (or the one named) whose
    review limit has certainly passed, each in a transaction of its own, so that the
    caller's request (even one that is then refused) cannot roll the deeming back. Called
    before a filing is read or acted on; the sweep does the same for everyone. Returns the
    ids deemed. A caller holding uncommitted writes is left alone (the sweep follows)."""
    today = today or beijing_today()
    q = select(Filing.id).where(Filing.status == "submitted", Filing.review_due < today,
                                Filing.review_due_estimated.is_(False))
    if filing_id is not None:
        q = q.where(Filing.id == filing_id)
    # No autoflush: a change the caller has not flushed yet must not take the
    # write lock the deeming's own transaction is about to need.
    with ctx.session.no_autoflush:
        ids = list(ctx.session.scalars(q))
    if not ids or has_writes(ctx.session):
        return []
    done = []
    for fid in ids:
        with side_session(ctx.session) as s:
            # The sweep deems under its own name; a reader's request as "deadline".
            system = ServiceContext.system(s, ctx.actor.username if ctx.actor.is_system else "deadline")
            filing = s.scalar(select(Filing).where(Filing.id == fid, Filing.status == "submitted"))
            if filing is None or not rules.is_deemed_filed(s, filing.received_on, today):
                continue
            try:
                FLOW.pass_deadline(system, filing)
                s.commit()
                done.append(fid)
            except Conflict:
                s.rollback()  # deemed (or acted on) by someone else meanwhile
    if done:  # the deemed filings (and any version they superseded) read anew
        for obj in list(ctx.session.identity_map.values()):
            if isinstance(obj, Filing):
                ctx.session.expire(obj)
    return done


def recount_deadlines(ctx: ServiceContext) -> int:
    """Count the open deadlines again on the current calendar: the review limit of every
    filing awaiting review, and the 逾期报备 flag left undecided at submission because the
    count reached a year without a holiday notice. Run when a year's notice is loaded (and
    by the sweep). The calendar is national, so every jurisdiction's filings are recounted
    whoever loads it: the query is deliberately unscoped and returns only a count. Each
    changed filing is audited."""
    changed: set[int] = set()
    open_ = (Filing.status == "submitted") | (Filing.late.is_(None) & Filing.first_submitted_on.is_not(None))
    rows = ctx.session.execute(select(Filing.id, Filing.tenant_id, Filing.title, Filing.status, Filing.received_on,
                                      Filing.published_on, Filing.first_submitted_on, Filing.review_due,
                                      Filing.review_due_estimated, Filing.late)
                               .where(open_).order_by(Filing.id).execution_options(**{UNSCOPED: True})).all()
    for f in rows:
        before = (f.review_due, f.review_due_estimated, f.late)
        due, estimated, late = before
        if f.status == "submitted" and f.received_on:
            limit = rules.review_deadline(ctx.session, f.received_on)
            due, estimated = limit.date, limit.estimated
        if f.late is None and f.first_submitted_on:
            late = rules.late_filing(ctx.session, f.published_on, f.first_submitted_on)
        after = (due, estimated, late)
        if after == before:
            continue
        changed.add(f.id)
        # Not a step of the filing: its version stays, so a reviewer's open page can still act.
        ctx.session.execute(update(Filing).where(Filing.id == f.id)
                            .values(review_due=due, review_due_estimated=estimated, late=late)
                            .execution_options(synchronize_session=False, **{UNSCOPED: True}))
        parts = []
        if after[:2] != before[:2]:
            parts.append(f"审查期限 {before[0]}{'（估算）' if before[1] else ''} → {due}{'（估算）' if estimated else ''}")
        if late != before[2]:
            parts.append("逾期报备：" + {True: "是", False: "否", None: "待确认"}[late])
        audit.record(ctx, "filing.recount", "filing", f.id,
                     f"按最新节假日安排重新计算预案备案“{f.title}”的期限：{'；'.join(parts)}",
                     payload={"review_due": str(due), "review_due_estimated": estimated, "late": late},
                     tenant_id=f.tenant_id)
    for obj in list(ctx.session.identity_map.values()):
        if isinstance(obj, Filing) and obj.id in changed:
            ctx.session.expire(obj, ["review_due", "review_due_estimated", "late"])  # read the new values
    return len(changed)


def recount_on_calendar_change(ctx: ServiceContext) -> tuple[str, dict] | None:
    """Listens for calendar.changed (the filings manifest): a loaded notice moves limits."""
    n = recount_deadlines(ctx)
    return (mark("已按新的节假日安排重新计算 %(n)s 件备案的期限"), {"n": n}) if n else None


def sweep_deadlines(ctx: ServiceContext, today: date | None = None) -> str:
    """第二十八条 deadlines of filings awaiting review. Deadlines are first counted again
    (a year's holiday notice may have been loaded since). Reviewers are reminded from the
    4th working day after receipt; after the 5th, a filing neither accepted nor returned is
    deemed filed (逾期视为备案): it gets its number, and the enterprise and the bureau are
    told. A limit that has passed only on an estimate waits, and the bureau's admins are
    told why. Idempotent: reminders and notices carry dedupe keys."""
    if not ctx.actor.is_system:
        raise PermissionDenied("只有系统定时任务可以执行备案期限检查")
    today = today or beijing_today()
    if has_writes(ctx.session):
        recount_deadlines(ctx)
    else:
        # Recounted and committed first, so each deeming below commits on its own: one
        # deemed meanwhile by a reader leaves the others (and the recount) standing.
        with side_session(ctx.session) as s:
            recount_deadlines(ServiceContext.system(s, ctx.actor.username))
            s.commit()
    deemed = len(deem_due(ctx, today))
    pending = ctx.session.scalars(select(Filing).where(Filing.status == "submitted")
                                  .order_by(Filing.review_due, Filing.id)).all()
    # The workflow reads the state's deadline; a limit passed here was left by deem_due only
    # when the sweep's own session had written first.
    done = FLOW.sweep(ctx, pending, today)
    return (f"{deemed + done.passed} 件备案逾期视为备案，{done.reminded} 件备案提醒审查"
            + (f"，{done.waiting} 件备案{CALENDAR_PENDING}" if done.waiting else ""))


def _tell_review(ctx: ServiceContext, filing: Filing, moment: str) -> int:
    """What the review deadline says to whom (Deadline.tell of 待审查)."""
    if moment == REMIND:
        return _remind(ctx, filing)
    if moment == UNCONFIRMED:
        return _tell_unconfirmed(ctx, filing)
    return _deemed(ctx, filing)


def _tell_unconfirmed(ctx: ServiceContext, filing: Filing) -> int:
    due = rules.review_deadline(ctx.session, filing.received_on)
    years = "、".join(map(str, due.unknown_years))
    return notifications.notify_role(
        ctx, filing.bureau_id, ("admin",), f"备案审查期限待确认：{filing.tenant.name}",
        body=f"“{filing.title}”于 {filing.received_on.isoformat()} 收到，按周一至周五估算的审查期限"
             f"（{due.date.isoformat()}）已过，但{years}年节假日安排尚未导入，系统不会据估算视为备案、发放备案编号。"
             f"请市级应急管理局管理员在“工作日历”中导入{years}年节假日安排，导入后期限自动重新计算。",
        link=f"/filings/{filing.id}", dedupe_key=f"filing:{filing.id}:unconfirmed:{filing.received_on.isoformat()}")


def _deemed(ctx: ServiceContext, filing: Filing) -> int:
    """After the system deemed the filing filed: the version it replaces goes, and the
    enterprise and the bureau are told."""
    if filing.supersedes_id:
        _supersede(ctx, filing, filing.deemed_on)
    title = f"预案备案“{filing.title}”逾期视为已经备案"
    body = (f"应急管理局自 {filing.received_on.isoformat()} 收到备案材料起5个工作日内（至 "
            f"{filing.review_due.isoformat()}）未予备案也未说明理由，依法视为已经备案，"
            f"备案编号 {filing.filing_no}。")
    link = f"/filings/{filing.id}"
    key = f"filing:{filing.id}:deemed"
    return (notifications.notify_role(ctx, filing.tenant_id, ENTERPRISE_NOTIFY_ROLES, title, body=body, link=link,
                                      dedupe_key=key)
            + notifications.notify_role(ctx, filing.bureau_id, REVIEW_ROLES, f"{filing.tenant.name}{title}", body=body,
                                        link=link, dedupe_key=key))


def _remind(ctx: ServiceContext, filing: Filing) -> int:
    return notifications.notify_role(
        ctx, filing.bureau_id, REVIEW_ROLES, f"预案备案审查即将到期：{filing.tenant.name}",
        body=f"“{filing.title}”于 {filing.received_on.isoformat()} 收到，须在 {filing.review_due.isoformat()} "
             f"前完成审查（准予备案或一次性告知补正），逾期将视为已经备案。",
        link=f"/filings/{filing.id}",
        # One reminder per submission: a resubmission restarts the clock and reminds again.
        dedupe_key=f"filing:{filing.id}:remind:{filing.received_on.isoformat()}")


# --- what the filing page shows ---

@dataclass(frozen=True)
class HistoryEntry:
    """One step in a filing's life as the page shows it, from the audit trail."""

    at: Any            # naive UTC datetime
    actor: str         # display name; "系统" for sweeps and deadlines
    action: str        # audit action code
    label: str         # the action in Chinese
    summary: str
    comment: str | None
    items: list[dict]  # a return's one-time list, with material labels


def history(ctx: ServiceContext, filing: Filing) -> list[HistoryEntry]:
    """Who did what to the filing and when, with comments, oldest first (a visible filing)."""
    events = audit.history(ctx, "filing", filing.id, filing.tenant_id)
    names = people(ctx, {e.actor_id for e in events})
    out = []
    for e in events:
        payload = e.payload or {}
        comment = payload.get("comment") or payload.get("note")
        items = [{**i, "label": rules.MATERIALS.get(i.get("material"), i.get("material"))}
                 for i in payload.get("items") or [] if isinstance(i, dict)]
        actor = names.get(e.actor_id) or ("系统" if e.actor_id is None else e.actor_name)
        out.append(HistoryEntry(e.created_at, actor, e.action, action_label(e.action), e.summary,
                                comment if isinstance(comment, str) else None, items))
    return out


def bureau_name(ctx: ServiceContext, filing: Filing) -> str:
    """The filing bureau's name; an enterprise's scope hides the bureau row itself."""
    if filing.bureau is not None:
        return filing.bureau.name
    return parent_name(ctx, filing.tenant) or ""


def filing_deadline_of(ctx: ServiceContext, filing: Filing):  # noqa: ANN201
    """第二十六条 deadline of this filing (a WorkdayResult, possibly estimated)."""
    return rules.filing_deadline(ctx.session, filing.published_on)


def next_step(ctx: ServiceContext, filing: Filing, today: date | None = None) -> str | None:
    """What the caller has to do next on the filing, in one sentence (None: nothing)."""
    a = ctx.actor
    if not a.is_bureau and a.has_role(*ENTERPRISE_ROLES):
        if filing.status == "draft":
            missing = missing_materials(ctx, filing)
            return f"上传 {len(missing)} 项必备材料后提交备案" if missing else "必备材料已齐全，请提交备案"
        if filing.status == "returned":
            left = uncorrected(ctx, filing)
            return f"补正 {len(left)} 项材料后重新提交" if left else "补正材料已上传，请重新提交"
        if filing.status == "submitted":
            return f"等待应急管理局审查（审查期限 {filing.review_due.isoformat()}）"
        return None
    if filing.status == "submitted" and review_authority(ctx, filing) is None:
        clock = review_clock(ctx, filing, today)
        if clock and clock.state == rules.LIMIT_OPEN:
            return (f"请在 {clock.due.isoformat()} 前审查：材料齐全的准予备案，不齐全的一次性告知补正；"
                    "逾期视为已经备案（第二十八条）")
    return None


def late_now(ctx: ServiceContext, filing: Filing) -> bool | None:
    """第二十六条 逾期报备 of the first submission, on the current calendar (None: 待确认)."""
    if filing.first_submitted_on is None:
        return filing.late
    return rules.late_filing(ctx.session, filing.published_on, filing.first_submitted_on)
