"""A campaign's tasks: filled in field by field, handed in with their evidence, reviewed.

assigned (未开始) → in_progress (填报中, on the first save) → submitted (待审核) → accepted
(已完成) or returned (已退回, with the reviewer's comment) → submitted again. An item the
bureau does not review is completed (已完成) directly. Who acts is the task's party: the
enterprise itself, the responsible section, or the bureau. Overdue is derived from the
deadline, never stored; the sweep reminds before it and tells once when it passes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, BinaryIO

from sqlalchemy import and_, func, not_, select
from sqlalchemy.orm import joinedload

from core.audit import service as audit
from core.auth.service import display_names
from core.calendar.service import beijing_today
from core.campaigns import rules
from core.campaigns import service as campaigns
from core.campaigns.models import (
    DONE,
    TASK_STATUSES,
    Campaign,
    CampaignTask,
    Inspection,
)
from core.campaigns.rules import FILE_TYPES, Item
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
from core.i18n import mark as _
from core.ledgers import service as ledgers
from core.ledgers.models import Hazard
from core.notifications import service as notifications
from core.workflow import (
    STALE_MESSAGE,
    Transition,
    Workflow,
    check_version,
    flush_or_conflict,
    named_section,
    step_comment,
)
from tenants.models import Tenant

ACTING_ROLES = ("admin", "officer", "reviewer")
EVIDENCE_KINDS = {"pdf", "docx", "xlsx", "jpg", "png"}
COMMENT_MAX = 2000
REMIND_DAYS = 3
TELL_LATE_DAYS = 7


# ---------------------------------------------------------------------------- who acts

def party_problem(ctx: ServiceContext, task: CampaignTask) -> str | None:
    """Only the task's party fills it in: the enterprise itself; for a section's item a
    member of that section (or the bureau's admin); for the bureau's own item the bureau."""
    if ctx.actor.is_system:
        return None
    if task.party == "enterprise":
        ok = not ctx.actor.is_bureau and ctx.actor.tenant_id == task.tenant_id and ctx.actor.role in ("admin", "officer")
        return None if ok else "该工作由企业本身填报"
    campaign = ctx.session.get(Campaign, task.campaign_id)
    if not ctx.actor.is_bureau or ctx.actor.tenant_id != campaign.tenant_id:
        return "该工作由发布专项整治的应急管理局办理"
    if ctx.actor.role not in campaigns.REVIEW_ROLES:
        return "只有应急管理局的管理员或审查人员可以办理"
    return named_section("section_id")(ctx, task)


def reviewing_bureau(ctx: ServiceContext, task: CampaignTask) -> str | None:
    """The campaign's own bureau reviews (its responsible section, or its admin)."""
    campaign = ctx.session.get(Campaign, task.campaign_id)
    if ctx.actor.tenant_id != campaign.tenant_id:
        return "只有发布该专项整治的应急管理局可以审核"
    return named_section("section_id")(ctx, task)


def _item(ctx: ServiceContext, task: CampaignTask) -> Item:
    return campaigns.item(ctx, ctx.session.get(Campaign, task.campaign_id), task.item_id)


def _reviewed(ctx: ServiceContext, task: CampaignTask, _data: dict) -> str | None:
    return None if _item(ctx, task).review else "该工作无需审核，请直接办结"


def _unreviewed(ctx: ServiceContext, task: CampaignTask, _data: dict) -> str | None:
    return "该工作须提交应急管理局审核" if _item(ctx, task).review else None


def _complete(ctx: ServiceContext, task: CampaignTask, _data: dict) -> None:
    if task.party == "section" and ctx.session.scalar(select(Inspection.id).where(
            Inspection.task_id == task.id, Inspection.status == "done").limit(1)):
        return  # the inspection done on site is the section's record
    headcount = ctx.session.scalar(select(Tenant.headcount).where(Tenant.id == task.tenant_id))
    fields = _item(ctx, task).fields
    data = task.data or {}
    distinct = {f["id"]: len(set(ctx.session.scalars(select(StoredFile.sha256).where(
        StoredFile.id.in_(data.get(f["id"]) or [])))))
        for f in fields if f["type"] == "employee_files"}
    problems = rules.submission_problems(fields, data, headcount, distinct)
    if problems:
        raise ValidationFailed({f"data.{k}": [v] for k, v in problems.items()}, message=next(iter(problems.values())))


def _hand_in(ctx: ServiceContext, task: CampaignTask, _data: dict) -> dict:
    """Stamps, and the checklist's findings registered in the problem ledger — once: a
    resubmission after a return registers only findings not yet registered."""
    it = _item(ctx, task)
    data = dict(task.data or {})
    registered = dict(data.get("_findings") or {})
    fresh = [(f"{fid}:{i}", fid, text, entry) for fid, i, text, entry in rules.findings_of(it.fields, data)
             if f"{fid}:{i}" not in registered]
    if fresh:
        names = display_names(ctx, [ctx.actor.user_id]) if ctx.actor.user_id else {}
        try:
            hazards = ledgers.register_findings(
                ctx, task.tenant_id, task.campaign_id,
                [{"description": f"{e['note']}（{text}）"[:1000], "location": it.title[:200], "measures": e["measures"],
                  "owner": e["owner"], "due_on": e["due_on"]} for _, _, text, e in fresh],
                source="专项检查", found_by=names.get(ctx.actor.user_id, ctx.actor.username)[:50],
                department=it.title[:100], found_on=beijing_today())
        except ValidationFailed as e:
            # Named by the checklist item the page shows, not by the ledger's row.
            n = int(next(iter(e.errors)).rsplit(".", 1)[-1])
            fid, text = fresh[n][1], fresh[n][2]
            raise ValidationFailed({f"data.{fid}": [f"“{text}”：{e.message.split('：', 1)[-1]}"]}) from None
        registered.update({key: h.id for (key, _, _, _), h in zip(fresh, hazards)})
        data["_findings"] = registered
    return {"submitted_at": utcnow(), "submitted_by": ctx.actor.user_id, "data": data}


def _stamp_review(ctx: ServiceContext, _task, data: dict) -> dict:  # noqa: ANN001
    return {"reviewed_by": ctx.actor.user_id, "reviewed_at": utcnow(), "comment": data.get("comment")}


OPEN = ("assigned", "in_progress", "returned")
FLOW = Workflow(
    name="campaign_task", initial="assigned", states=TASK_STATUSES, obj_type="campaign_task",
    transitions=(
        Transition("submit", OPEN, "submitted", ACTING_ROLES, _("提交审核"), authority=party_problem,
                   guard=_reviewed, checks=(_complete,), on_enter=(_hand_in,)),
        Transition("complete", OPEN, "accepted", ACTING_ROLES, _("办结"), authority=party_problem,
                   guard=_unreviewed, checks=(_complete,), on_enter=(_hand_in,)),
        Transition("accept", ("submitted",), "accepted", campaigns.REVIEW_ROLES, _("审核通过"), bureau=True,
                   authority=reviewing_bureau, on_enter=(_stamp_review,)),
        Transition("return", ("submitted",), "returned", campaigns.REVIEW_ROLES, _("退回"), bureau=True,
                   authority=reviewing_bureau, requires={"comment": "退回意见"}, on_enter=(_stamp_review,)),
    ),
)


# ---------------------------------------------------------------------------- reading

def get_task(ctx: ServiceContext, task_id: int) -> CampaignTask:
    ctx.require()
    task = ctx.session.scalar(select(CampaignTask).where(CampaignTask.id == task_id))
    if task is None:
        raise NotFound("任务不存在或无权访问")
    return task


@dataclass(frozen=True)
class TaskFilter:
    campaign_id: int | None = None
    status: str | None = None
    item_id: str | None = None
    enterprise_id: int | None = None
    section_id: int | None = None
    overdue: bool | None = None
    party: str | None = None
    open_only: bool = False     # still with its party: not started, in progress or returned

    def apply(self, stmt, today: date):  # noqa: ANN001, ANN201
        if self.status is not None and self.status not in TASK_STATUSES:
            raise ValidationFailed({"status": ["状态不在可选范围内"]})
        for name, col in (("campaign_id", CampaignTask.campaign_id), ("status", CampaignTask.status),
                          ("item_id", CampaignTask.item_id), ("enterprise_id", CampaignTask.tenant_id),
                          ("section_id", CampaignTask.section_id), ("party", CampaignTask.party)):
            if getattr(self, name) is not None:
                stmt = stmt.where(col == getattr(self, name))
        if self.open_only:
            stmt = stmt.where(CampaignTask.status.in_(OPEN))
        if self.overdue is not None:
            late = and_(CampaignTask.status.not_in(DONE), CampaignTask.due_on < today)
            stmt = stmt.where(late if self.overdue else not_(late))
        return stmt


def _visible_tasks(ctx: ServiceContext, stmt):  # noqa: ANN001, ANN202
    """Published campaigns only; an enterprise its own tasks (the scoping already keeps it
    to them)."""
    return stmt.where(CampaignTask.campaign_id.in_(select(Campaign.id).where(Campaign.status == "published")))


def list_tasks(ctx: ServiceContext, where: TaskFilter = TaskFilter(), *, limit: int = 50,  # noqa: B008
               offset: int = 0) -> list[CampaignTask]:
    """The caller's tasks, soonest deadline first: an enterprise's own, a bureau's those of
    its campaigns and below."""
    ctx.require()
    stmt = where.apply(_visible_tasks(ctx, select(CampaignTask)), beijing_today()).options(
        joinedload(CampaignTask.tenant), joinedload(CampaignTask.campaign))
    return list(ctx.session.scalars(stmt.order_by(CampaignTask.due_on, CampaignTask.id).limit(limit).offset(offset)))


def count_tasks(ctx: ServiceContext, where: TaskFilter = TaskFilter()) -> int:  # noqa: B008
    ctx.require()
    return ctx.session.scalar(where.apply(_visible_tasks(ctx, select(func.count(CampaignTask.id))),
                                          beijing_today())) or 0


@dataclass(frozen=True)
class TaskView:
    """What a task page and the API show: the task, its item as the campaign runs it, its
    files by field, its problem ledger, what the caller may do."""

    task: CampaignTask
    campaign: Campaign
    item: Item
    files: dict[str, list[StoredFile]]
    hazards: list[Hazard]
    actions: list[Transition]
    may_edit: bool
    headcount: int | None
    overdue: bool
    # A `ledger` field of another ledger type: its type and the cells of the rows uploaded
    # for the campaign.
    ledgers: dict[str, tuple[Any, list[Any]]]


def _other_ledgers(ctx: ServiceContext, task: CampaignTask, it: Item) -> dict[str, tuple[Any, list[Any]]]:
    out = {}
    for f in it.fields:
        if f["type"] != "ledger" or f["ledger"] == ledgers.HAZARDS.id:
            continue
        try:
            lt = ledgers.ledger_type(ctx, f["ledger"])
        except NotFound:
            continue  # its plugin is not enabled for the enterprise: nothing to upload against
        rows = ledgers.list_rows(ctx, lt, enterprise_id=task.tenant_id, campaign_id=task.campaign_id, limit=500)
        out[f["id"]] = (lt, [ledgers.cells(lt, r.values) for r in rows])
    return out


def view(ctx: ServiceContext, task_id: int) -> TaskView:
    task = get_task(ctx, task_id)
    campaign = ctx.session.get(Campaign, task.campaign_id)
    it = campaigns.item(ctx, campaign, task.item_id)
    ids = [i for f in it.fields if f["type"] in FILE_TYPES for i in (task.data or {}).get(f["id"]) or []]
    stored = {f.id: f for f in ctx.session.scalars(select(StoredFile).where(StoredFile.id.in_(ids)))} if ids else {}
    files = {f["id"]: [stored[i] for i in (task.data or {}).get(f["id"]) or [] if i in stored]
             for f in it.fields if f["type"] in FILE_TYPES}
    hazards = list(ctx.session.scalars(select(Hazard).where(Hazard.campaign_id == campaign.id,
                                                            Hazard.tenant_id == task.tenant_id)
                                       .order_by(Hazard.id))) if task.party != "bureau" else []
    headcount = ctx.session.scalar(select(Tenant.headcount).where(Tenant.id == task.tenant_id))
    return TaskView(task, campaign, it, files, hazards, FLOW.available(ctx, task), edit_refusal(ctx, task) is None,
                    headcount, task.overdue_on(beijing_today()), _other_ledgers(ctx, task, it))


@dataclass(frozen=True)
class Dashboard:
    """What the 工作台 shows of campaigns: an enterprise's open tasks, soonest first, or a
    bureau's tasks awaiting review; and how many are overdue."""

    tasks: list[CampaignTask]
    titles: dict[tuple[int, str], str]
    waiting: int
    overdue: int


def dashboard(ctx: ServiceContext, limit: int = 5) -> Dashboard:
    where = TaskFilter(status="submitted") if ctx.actor.is_bureau else TaskFilter(party="enterprise", open_only=True)
    found = list_tasks(ctx, where, limit=limit)
    titles = campaigns.item_titles(ctx, {t.campaign for t in found})
    late = TaskFilter(overdue=True, party=None if ctx.actor.is_bureau else "enterprise")
    return Dashboard(found, titles, count_tasks(ctx, where), count_tasks(ctx, late))


# ---------------------------------------------------------------------------- filling in

def edit_refusal(ctx: ServiceContext, task: CampaignTask) -> DomainError | None:
    if problem := party_problem(ctx, task):
        return PermissionDenied(problem)
    if task.status not in OPEN:
        return Conflict(f"任务当前为“{task.status_label}”，不能修改")
    return None


def _changed(ctx: ServiceContext, task: CampaignTask, data: dict, summary: str, payload: dict) -> None:
    """Write the task's new data (in progress from its first save), audited."""
    task.data = data  # a new dict: JSON columns notice replacement, not mutation
    if task.status == "assigned":
        task.status = "in_progress"
    flush_or_conflict(ctx.session)
    audit.record(ctx, "campaign_task.save", "campaign_task", task.id, summary, payload=payload, tenant_id=task.tenant_id)


def save_task(ctx: ServiceContext, task_id: int, values: Any, version: Any) -> CampaignTask:
    """Merge entered `values` (field id → value) into the task; files are added apart.
    Every field's problem is reported at once, by field."""
    task = get_task(ctx, task_id)
    refuse(edit_refusal(ctx, task))
    if check_version(version) != task.version:
        raise Conflict(STALE_MESSAGE)
    if not isinstance(values, dict):
        raise ValidationFailed({"data": ["填报内容应为对象：{字段编号: 值}"]})
    fields = {f["id"]: f for f in _item(ctx, task).fields}
    data = dict(task.data or {})
    errors: dict[str, list[str]] = {}
    for fid, value in values.items():
        f = fields.get(fid)
        if f is None or f["type"] in FILE_TYPES + rules.COMPUTED_TYPES:
            errors[f"data.{fid}"] = ["该字段不存在或不能直接填写"]
            continue
        cleaned, problem = rules.clean_field(f, value)
        if problem:
            errors[f"data.{fid}"] = [f"“{f['label']}”{problem}"]
        elif cleaned is None:
            data.pop(fid, None)
        else:
            data[fid] = cleaned
    if errors:
        raise ValidationFailed(errors, message=next(iter(errors.values()))[0])
    changed = sorted(k for k in values if data.get(k) != (task.data or {}).get(k))
    if changed:
        _changed(ctx, task, data, f"填报“{fields[changed[0]]['label']}”等{len(changed)}项",
                 {"fields": changed})
    return task


def ledger_of(ctx: ServiceContext, task: CampaignTask, field_id: Any) -> str:
    """The ledger type a task's problem ledger is uploaded as: its `ledger` field's (the
    hazard ledger when none is named)."""
    fields = [f for f in _item(ctx, task).fields if f["type"] == "ledger"]
    f = next((f for f in fields if f["id"] == field_id), fields[0] if fields and not field_id else None)
    if f is None:
        raise ValidationFailed({"field": ["该工作没有这个问题台账栏目"]})
    return f["ledger"]


def _file_field(ctx: ServiceContext, task: CampaignTask, field_id: Any) -> dict:
    f = next((f for f in _item(ctx, task).fields if f["id"] == field_id and f["type"] in FILE_TYPES), None)
    if f is None:
        raise ValidationFailed({"field": ["该工作没有这个附件栏目"]})
    return f


def add_file(ctx: ServiceContext, task_id: int, field_id: str, stream: BinaryIO, filename: str) -> list[StoredFile]:
    """Keep a file of the task's field under the task's unit (checked by content). A .zip
    is unpacked and each file inside kept and counted (every employee's 剖析材料 in one
    archive); the archive itself is not kept."""
    task = get_task(ctx, task_id)
    refuse(edit_refusal(ctx, task))
    f = _file_field(ctx, task, field_id)
    store = ctx.house.files
    if (filename or "").lower().endswith(".zip"):
        stored = store.store_archive(ctx, stream, filename, EVIDENCE_KINDS, tenant_id=task.tenant_id)
    else:
        stored = [store.store_upload(ctx, stream, filename, EVIDENCE_KINDS, tenant_id=task.tenant_id)]
    data = dict(task.data or {})
    data[f["id"]] = [*(data.get(f["id"]) or []), *(s.id for s in stored)]
    names = "、".join(s.original_name for s in stored[:3]) + (f"等{len(stored)}个文件" if len(stored) > 3 else "")
    _changed(ctx, task, data, f"上传“{f['label']}”：{names}", {"field": f["id"], "file_ids": [s.id for s in stored]})
    return stored


def remove_file(ctx: ServiceContext, task_id: int, field_id: str, file_id: int) -> CampaignTask:
    task = get_task(ctx, task_id)
    refuse(edit_refusal(ctx, task))
    f = _file_field(ctx, task, field_id)
    kept = [i for i in (task.data or {}).get(f["id"]) or [] if i != file_id]
    if len(kept) == len((task.data or {}).get(f["id"]) or []):
        raise NotFound("文件不存在")
    _changed(ctx, task, {**task.data, f["id"]: kept}, f"移除“{f['label']}”中的一个文件",
             {"field": f["id"], "file_id": file_id})
    return task


def transition(ctx: ServiceContext, task_id: int, action: Any, version: Any, comment: Any = None) -> CampaignTask:
    """submit / complete (the party), accept / return (the bureau; return needs 退回意见).
    Of two reviewers acting at once one wins, the other gets 409."""
    task = get_task(ctx, task_id)
    version = check_version(version)
    comment = step_comment(comment, COMMENT_MAX)
    if not isinstance(action, str) or not action:
        raise ValidationFailed({"action": ["操作为必填项"]})
    it = _item(ctx, task)
    FLOW.apply(ctx, task, action, version=version, data={"comment": comment} if comment else {},
               summary=lambda t, step: f"{step.transition.label}“{it.title}”：{FLOW.label(step.source)} → "
                                       f"{FLOW.label(step.transition.target)}")
    _tell(ctx, task, it, action, comment)
    return task


def _tell(ctx: ServiceContext, task: CampaignTask, it: Item, action: str, comment: str | None) -> None:
    link = f"/campaigns/tasks/{task.id}"
    if action in ("accept", "return") and task.party == "enterprise":
        word = "已通过审核" if action == "accept" else f"被退回：{comment}"
        notifications.notify_role(ctx, task.tenant_id, campaigns.ENTERPRISE_ROLES, f"专项整治工作“{it.title}”{word}",
                                  link=link)


# ---------------------------------------------------------------------------- the sweep

def sweep_deadlines(ctx: ServiceContext, today: date | None = None) -> str:
    """Reminders REMIND_DAYS before a deadline, and word when it passed — each once (dedupe
    keys), so running the sweep again tells nobody twice."""
    today = today or beijing_today()
    # A deadline is told about within a week of passing: older ones were told already, and
    # are not scanned again on every run.
    due = ctx.session.scalars(_visible_tasks(ctx, select(CampaignTask)).where(
        CampaignTask.status.not_in(DONE), CampaignTask.due_on <= today + timedelta(days=REMIND_DAYS),
        CampaignTask.due_on >= today - timedelta(days=TELL_LATE_DAYS))
        .options(joinedload(CampaignTask.campaign))).all()
    reminded = passed = 0
    titles: dict[int, dict[str, str]] = {}
    for task in due:
        names = titles.setdefault(task.campaign_id, {it.id: it.title for it in campaigns.items(ctx, task.campaign)})
        late = task.due_on < today
        key = f"campaign_task:{task.id}:{'overdue' if late else 'remind'}:{task.due_on.isoformat()}"
        title = (f"专项整治工作“{names.get(task.item_id, task.item_id)}”已超过期限（{task.due_on:%m月%d日}）" if late
                 else f"专项整治工作“{names.get(task.item_id, task.item_id)}”将于{task.due_on:%m月%d日}到期")
        who, roles = (task.tenant_id, campaigns.ENTERPRISE_ROLES) if task.party == "enterprise" else \
            (task.campaign.tenant_id, campaigns.REVIEW_ROLES)
        # A section's inspection is its members' (and the admins') to hear of, not every reviewer's.
        n = notifications.notify_role(ctx, who, roles, title, link=f"/campaigns/tasks/{task.id}", dedupe_key=key,
                                      section_id=task.section_id if task.party != "enterprise" else None)
        if n:
            passed, reminded = passed + late, reminded + (not late)
    return f"专项整治：提醒 {reminded} 项即将到期，{passed} 项已逾期"
