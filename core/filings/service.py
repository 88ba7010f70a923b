"""Emergency-plan filing (应急预案备案): drafts, materials, submission, the bureau's review
(return with a one-time list, or accept with a 备案编号) and the deadline sweep that marks
silently overdue filings as deemed filed (视为已经备案).

The statutory rules live in core.filings.rules; this module applies them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from core.audit import service as audit
from core.auth.models import User
from core.context import ServiceContext
from core.db import utcnow
from core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from core.files.service import FileStore, clean_name
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
from core.notifications import service as notifications
from core.schema import load_or_fail
from core.workflow import STALE_MESSAGE, Transition, Workflow, check_version
from tenants.models import INDUSTRIES, Tenant
from tenants.scoping import UNSCOPED

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
BEIJING = ZoneInfo("Asia/Shanghai")
ENTERPRISE_NOTIFY_ROLES = ("admin", "officer", "viewer")


def beijing_today() -> date:
    """Statutory days are Beijing calendar days, whatever the server's zone."""
    return datetime.now(BEIJING).date()


# ---------------------------------------------------------------------------- workflow

def _materials_complete(ctx: ServiceContext, filing: Filing, _data: dict) -> str | None:
    missing = missing_materials(ctx, filing)
    if missing:
        return f"以下必备材料尚未上传，不能提交：{'、'.join(rules.MATERIALS[k] for k in missing)}"
    return None


FLOW = Workflow(
    name="filing", initial="draft", states=STATUSES,
    transitions=(
        Transition("submit", ("draft",), "submitted", ENTERPRISE_ROLES, "提交备案", bureau=False,
                   guard=_materials_complete),
        Transition("return", ("submitted",), "returned", REVIEW_ROLES, "退回补正", bureau=True),
        Transition("resubmit", ("returned",), "submitted", ENTERPRISE_ROLES, "补正后重新提交", bureau=False,
                   guard=_materials_complete),
        Transition("accept", ("submitted",), "accepted", REVIEW_ROLES, "准予备案", bureau=True),
        Transition("withdraw", ("draft", "submitted", "returned"), "withdrawn", ENTERPRISE_ROLES, "撤回",
                   bureau=False),
        # Only the deadline sweep (the system) takes this one: no role holds it.
        Transition("deem", ("submitted",), "deemed", (), "逾期视为备案"),
        # Taken with the acceptance (or deeming) of the version that replaces it, never alone.
        Transition("supersede", FILED_STATES, "superseded", REVIEW_ROLES, "被新版本替代", bureau=True),
    ),
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
                 enterprise_id: int | None = None, *, today: date | None = None, limit: int = 200,
                 offset: int = 0) -> list[Filing]:
    """Visible filings. A bureau's inbox: filings awaiting review first, the earliest review
    deadline first; an enterprise sees its own, newest first. `overdue`: awaiting review
    past the 5-working-day limit (True) or not (False)."""
    ctx.require()
    if status is not None and status not in STATUSES:
        raise ValidationFailed({"status": ["状态不在可选范围内"]})
    today = today or beijing_today()
    q = select(Filing)
    if status:
        q = q.where(Filing.status == status)
    if enterprise_id:
        q = q.where(Filing.tenant_id == enterprise_id)
    late_review = (Filing.status == "submitted") & (Filing.review_due < today)
    if overdue is True:
        q = q.where(late_review)
    elif overdue is False:
        q = q.where(~late_review)
    if ctx.actor.is_bureau or ctx.actor.is_system:
        q = q.order_by(case((Filing.status == "submitted", 0), else_=1), Filing.review_due.is_(None),
                       Filing.review_due, Filing.id)
    else:
        q = q.order_by(Filing.created_at.desc(), Filing.id.desc())
    return list(ctx.session.scalars(q.limit(limit).offset(offset)))


def materials_of(ctx: ServiceContext, filing: Filing) -> list[FilingMaterial]:
    return list(ctx.session.scalars(select(FilingMaterial).where(FilingMaterial.filing_id == filing.id)
                                    .order_by(FilingMaterial.id)))


def returns_of(ctx: ServiceContext, filing: Filing) -> list[FilingReturn]:
    return list(ctx.session.scalars(select(FilingReturn).where(FilingReturn.filing_id == filing.id)
                                    .order_by(FilingReturn.round)))


def settings_for(ctx: ServiceContext, bureau_id: int) -> FilingSettings | None:
    # Deliberately unscoped: an enterprise's filing follows its bureau's settings although
    # the bureau's row lies outside the enterprise's scope.
    return ctx.session.scalar(select(FilingSettings).where(FilingSettings.tenant_id == bureau_id)
                              .execution_options(**{UNSCOPED: True}))


def required_for(ctx: ServiceContext, filing: Filing) -> dict[str, bool]:
    """第二十七条 materials for this filing: the enterprise's industry, the bureau's overrides."""
    settings = settings_for(ctx, filing.bureau_id)
    return rules.required_materials(filing.tenant.industry, overrides_for(settings, filing.tenant.industry))


def overrides_for(settings: FilingSettings | None, industry: str | None) -> dict[str, bool]:
    """The bureau's material overrides that apply to an industry: its own entry over "*"."""
    table = settings.material_overrides if settings else {}
    return {**table.get("*", {}), **table.get(industry or "", {})}


def evaluation_due_for(ctx: ServiceContext, filing: Filing, start: date) -> date | None:
    """第三十五条: when the next evaluation of `filing` falls due, counting from `start`
    (publication, or the last evaluation), with the bureau's cycle for the industry."""
    settings = settings_for(ctx, filing.bureau_id)
    years = (settings.evaluation_years if settings else {}).get(filing.tenant.industry or "")
    return rules.evaluation_due(start, filing.tenant.industry, years)


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
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    # Deliberately unscoped: an enterprise reads which bureau reviewer returned its filing.
    rows = ctx.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))
                               .execution_options(**{UNSCOPED: True}))
    return dict(rows.all())


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


def _editable(ctx: ServiceContext, filing_id: int) -> Filing:
    filing = get_filing(ctx, filing_id)
    ctx.require(*ENTERPRISE_ROLES, bureau=False, message="只有企业管理员或安全员可以修改备案材料")
    if filing.status not in EDITABLE:
        raise Conflict(f"当前状态为“{filing.status_label}”，不能修改备案材料")
    return filing


def add_material(ctx: ServiceContext, store: FileStore, filing_id: int, material_key: Any, stream: BinaryIO,
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
    stored = store.store_upload(ctx, stream, filename, MATERIAL_KINDS, tenant_id=filing.tenant_id)
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
    a material of the checklist."""
    refused = "退回时须至少列出一项需补正的材料（一次性告知）"
    if items is None or items == []:
        raise ValidationFailed({"items": [refused]}, message=refused)
    if not isinstance(items, list) or len(items) > RETURN_ITEMS_MAX:
        raise ValidationFailed({"items": [f"补正事项应为不超过{RETURN_ITEMS_MAX}项的列表"]})
    out, errors = [], {}
    for i, item in enumerate(items, 1):
        key = f"items.{i}"
        if not isinstance(item, dict) or not set(item) <= {"material", "note"}:
            errors[key] = [f"第{i}项：格式应为 {{\"material\": …, \"note\": …}}"]
            continue
        if item.get("material") not in rules.MATERIALS:
            errors[key] = [f"第{i}项：材料类别不在可选范围内"]
            continue
        note = item.get("note") or ""
        if not isinstance(note, str) or len(note.strip()) > NOTE_MAX:
            errors[key] = [f"第{i}项：说明应为不超过{NOTE_MAX}字的文字"]
            continue
        out.append({"material": item["material"], "note": note.strip()})
    if errors:
        raise ValidationFailed(errors, message=next(iter(errors.values()))[0])
    return out


def transition(ctx: ServiceContext, filing_id: int, action: Any, version: Any, comment: Any = None,
               items: Any = None, *, today: date | None = None) -> Filing:
    """submit / resubmit / withdraw (enterprise), return / accept (bureau).

    return needs the one-time list of items; accept issues the 备案编号."""
    filing = get_filing(ctx, filing_id)
    ctx.require()
    version = check_version(version)
    if comment is not None and not isinstance(comment, str):
        raise ValidationFailed({"comment": ["意见应为文字"]})
    comment = (comment or "").strip() or None
    if comment and len(comment) > TEXT_MAX:
        raise ValidationFailed({"comment": [f"意见不能超过{TEXT_MAX}字"]})
    if not isinstance(action, str) or not action or action in SYSTEM_ACTIONS:
        raise ValidationFailed({"action": ["操作为必填项，且应为 submit、resubmit、return、accept 或 withdraw"]})
    t = FLOW.transition(action)
    ctx.require(*t.roles, bureau=t.bureau, message=f"当前角色无权执行“{t.label}”")
    # Checked here as well as in the engine so nothing (a number, a return) is written first.
    if version != filing.version:
        raise Conflict(STALE_MESSAGE)
    if filing.status not in t.source:
        raise Conflict(f"当前状态为“{filing.status_label}”，不能执行“{t.label}”")
    clean_items = _clean_items(items) if t.name == "return" else None
    today = today or beijing_today()
    stamps: dict[str, Any] = {}
    if t.name in ("submit", "resubmit"):
        due = rules.review_deadline(ctx.session, today)
        stamps.update(received_on=today, review_due=due.date, review_due_estimated=due.estimated)
        if t.name == "submit":
            stamps["late"] = rules.is_late_filing(ctx.session, filing.published_on, today)
    elif t.name == "accept":
        stamps.update(accepted_on=today, accepted_by=ctx.actor.user_id,
                      evaluation_due=evaluation_due_for(ctx, filing, filing.published_on))
        stamps.update(_allocate_number(ctx, filing, today))
    data: dict[str, Any] = {"comment": comment} if comment else {}
    if clean_items is not None:
        data["items"] = clean_items
    if "filing_no" in stamps:
        data["filing_no"] = stamps["filing_no"]
    before = {k: getattr(filing, k) for k in stamps}
    for k, v in stamps.items():
        setattr(filing, k, v)
    try:
        # The stamps ride on the transition's one conditional UPDATE (one version step):
        # no autoflush, or the guard's queries would write them in an UPDATE of their own.
        with ctx.session.no_autoflush:
            FLOW.apply(ctx, filing, t.name, version=version, data=data, obj_type="filing",
                       summary=f"{t.label}预案备案“{filing.title}”：{FLOW.label(filing.status)} → "
                               f"{FLOW.label(t.target)}" + (f"，备案编号 {stamps['filing_no']}"
                                                           if "filing_no" in stamps else ""))
    except DomainError:
        # After a failed flush the transaction is over and the caller's rollback restores
        # the object; before it, the stamps are undone here.
        if ctx.session.is_active:
            for k, v in before.items():
                setattr(filing, k, v)
        raise
    if clean_items is not None:
        done = ctx.session.scalar(select(func.count(FilingReturn.id)).where(FilingReturn.filing_id == filing.id))
        ctx.session.add(FilingReturn(tenant_id=filing.tenant_id, filing_id=filing.id, round=(done or 0) + 1,
                                     returned_by=ctx.actor.user_id, returned_at=utcnow(), comment=comment,
                                     items=clean_items))
        ctx.session.flush()
    if t.name == "accept" and filing.supersedes_id:
        _supersede(ctx, filing, today)
    return filing


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
                                .execution_options(**{UNSCOPED: True}))
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
    ctx.session.flush()
    audit.record(ctx, "filing.settings", "filing_settings", settings.id, "修改备案设置",
                 payload={"number_format": settings.number_format, "material_overrides": settings.material_overrides,
                          "evaluation_years": settings.evaluation_years},
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
            if key in rules.STATUTORY_MATERIALS or (
                    key == "review_opinion" and scope in rules.REVIEW_REQUIRED_INDUSTRIES and not table[key]):
                return f"{where}：“{rules.MATERIALS[key]}”是法定必备材料，不能改为可选"
    return None


# ---------------------------------------------------------------------------- deadline sweep

def sweep_deadlines(ctx: ServiceContext, today: date | None = None) -> str:
    """第二十八条 deadlines of filings awaiting review. Reviewers are reminded from the 4th
    working day after receipt; after the 5th, a filing neither accepted nor returned is
    deemed filed (逾期视为备案): it gets its number, and the enterprise and the bureau are
    told. Idempotent: reminders and notices carry dedupe keys."""
    if not ctx.actor.is_system:
        raise PermissionDenied("只有系统定时任务可以执行备案期限检查")
    today = today or beijing_today()
    deemed = reminded = 0
    pending = list(ctx.session.scalars(select(Filing).where(Filing.status == "submitted")
                                       .order_by(Filing.review_due, Filing.id)))
    for filing in pending:
        if filing.review_due_estimated:
            # The year's holidays may have been loaded since: count again.
            due = rules.review_deadline(ctx.session, filing.received_on)
            filing.review_due, filing.review_due_estimated = due.date, due.estimated
        if rules.is_deemed_filed(ctx.session, filing.received_on, today):
            _deem(ctx, filing)
            deemed += 1
        elif today >= rules.review_reminder_date(ctx.session, filing.received_on):
            reminded += _remind(ctx, filing) > 0
    return f"{deemed} 件备案逾期视为备案，{reminded} 件备案提醒审查"


def _deem(ctx: ServiceContext, filing: Filing) -> None:
    # Deemed filed from the day after the last working day of the limit, even if the
    # sweep runs later than that.
    deemed_on = filing.review_due + timedelta(days=1)
    stamps = {"deemed_on": deemed_on,
              "evaluation_due": evaluation_due_for(ctx, filing, filing.published_on),
              **_allocate_number(ctx, filing, deemed_on)}
    for k, v in stamps.items():
        setattr(filing, k, v)
    FLOW.apply(ctx, filing, "deem", version=None, data={"filing_no": stamps["filing_no"]}, obj_type="filing",
               summary=f"预案备案“{filing.title}”审查期限（{filing.review_due.isoformat()}）届满未予处理，"
                       f"视为已经备案，备案编号 {stamps['filing_no']}")
    if filing.supersedes_id:
        _supersede(ctx, filing, deemed_on)
    from core.plugins.events import emit
    emit(ctx, "deadline.passed", tenant_id=filing.tenant_id, object_type="filing", object_id=filing.id,
         payload={"deadline": filing.review_due.isoformat(), "what": "filing.review"})
    title = f"预案备案“{filing.title}”逾期视为已经备案"
    body = (f"应急管理局自 {filing.received_on.isoformat()} 收到备案材料起5个工作日内（至 "
            f"{filing.review_due.isoformat()}）未予备案也未说明理由，依法视为已经备案，"
            f"备案编号 {filing.filing_no}。")
    link = f"/filings/{filing.id}"
    key = f"filing:{filing.id}:deemed"
    notifications.notify_role(ctx, filing.tenant_id, ENTERPRISE_NOTIFY_ROLES, title, body=body, link=link,
                              dedupe_key=key)
    notifications.notify_role(ctx, filing.bureau_id, REVIEW_ROLES, f"{filing.tenant.name}{title}", body=body,
                              link=link, dedupe_key=key)


def _remind(ctx: ServiceContext, filing: Filing) -> int:
    return notifications.notify_role(
        ctx, filing.bureau_id, REVIEW_ROLES, f"预案备案审查即将到期：{filing.tenant.name}",
        body=f"“{filing.title}”于 {filing.received_on.isoformat()} 收到，须在 {filing.review_due.isoformat()} "
             f"前完成审查（准予备案或一次性告知补正），逾期将视为已经备案。",
        link=f"/filings/{filing.id}",
        # One reminder per submission: a resubmission restarts the clock and reminds again.
        dedupe_key=f"filing:{filing.id}:remind:{filing.received_on.isoformat()}")


# --- what the filing page shows ---

def can_edit(ctx: ServiceContext, filing: Filing) -> bool:
    """Whether the caller may change the filing's materials now (its enterprise, while a
    draft or returned)."""
    return (filing.status in EDITABLE and not ctx.actor.is_bureau
            and ctx.actor.has_role(*ENTERPRISE_ROLES))


def bureau_name(ctx: ServiceContext, filing: Filing) -> str:
    """The filing bureau's name; an enterprise's scope hides the bureau row itself."""
    if filing.bureau is not None:
        return filing.bureau.name
    from tenants.service import parent_name
    return parent_name(ctx, filing.tenant) or ""


def filing_deadline_of(ctx: ServiceContext, filing: Filing):  # noqa: ANN201
    """第二十六条 deadline of this filing (a WorkdayResult, possibly estimated)."""
    return rules.filing_deadline(ctx.session, filing.published_on)


def review_days_left(ctx: ServiceContext, filing: Filing, today: date) -> int | None:
    """Working days left in the bureau's review (negative: overdue by that many)."""
    if filing.status != "submitted" or filing.review_due is None:
        return None
    from core.calendar.service import working_days_between
    return working_days_between(ctx.session, today, filing.review_due)
