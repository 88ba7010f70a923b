"""Checklist self-checks (自查): start from an offered template, answer, submit, review.

A run keeps the id of the template snapshot it was started with and renders only from it,
so a plugin upgrade (a new template version) or its removal never changes a run.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from core.audit import service as audit
from core.auth.service import display_names
from core.checklists.models import STATUSES, ChecklistRun
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
from core.plugins import service as plugins
from core.plugins.events import emit
from core.plugins.models import TemplateSnapshot
from core.schema import number_of
from core.workflow import (
    STALE_MESSAGE,
    Transition,
    Workflow,
    check_version,
    flush_or_conflict,
    step_comment,
)
from tenants.models import Tenant

ENTERPRISE_ROLES = ("admin", "officer")
REVIEW_ROLES = ("admin", "reviewer")
YES_NO = {"yes": "是", "no": "否", "na": "不适用"}
ANSWER_KINDS = {"yes_no": "是/否", "text": "文字说明", "score": "评分"}
TEXT_MAX = 2000
NOTE_MAX = 500
# Items that must be answered before a run can be submitted; a text item is a remark.
REQUIRED_KINDS = ("yes_no", "score")


def items_of(body: dict) -> list[dict]:
    return [item for section in body.get("sections", []) for item in section.get("items", [])]


def _answered(entry: Any) -> bool:
    return isinstance(entry, dict) and entry.get("value") not in (None, "")


def missing_items(body: dict, answers: dict) -> list[str]:
    """Ids of the items a submission still lacks, in template order."""
    return [i["id"] for i in items_of(body)
            if i.get("answer", "yes_no") in REQUIRED_KINDS and not _answered(answers.get(i["id"]))]


def _all_answered(ctx: ServiceContext, run: ChecklistRun, _data: dict) -> str | None:
    missing = missing_items(checklist_body(ctx, run), run.answers or {})
    if missing:
        return f"以下检查项尚未作答，不能提交：{'、'.join(missing)}"
    return None


def _stamp_submission(_ctx: ServiceContext, _run, _data: dict) -> dict:  # noqa: ANN001
    return {"submitted_at": utcnow()}


def _stamp_review(ctx: ServiceContext, _run, data: dict) -> dict:  # noqa: ANN001
    return {"reviewed_by": ctx.actor.user_id, "reviewed_at": utcnow(), "comment": data.get("comment")}


FLOW = Workflow(
    name="checklist", initial="draft", states=STATUSES,
    transitions=(
        Transition("submit", ("draft", "returned"), "submitted", ENTERPRISE_ROLES, "提交", bureau=False,
                   guard=_all_answered, on_enter=(_stamp_submission,)),
        Transition("accept", ("submitted",), "accepted", REVIEW_ROLES, "通过", bureau=True,
                   on_enter=(_stamp_review,)),
        Transition("return", ("submitted",), "returned", REVIEW_ROLES, "退回", bureau=True,
                   requires={"comment": "退回意见"}, on_enter=(_stamp_review,)),
    ),
)


# ---------------------------------------------------------------------------- reading

def get_checklist(ctx: ServiceContext, run_id: int) -> ChecklistRun:
    """A visible run; another tenant's run is NotFound (the tenant scoping filters it)."""
    ctx.require()
    # A SELECT (not session.get) so the scope applies even when the row is already loaded.
    run = ctx.session.scalar(select(ChecklistRun).where(ChecklistRun.id == run_id))
    if run is None:
        raise NotFound("自查记录不存在或无权访问")
    return run


def checklist_body(ctx: ServiceContext, run: ChecklistRun) -> dict:
    """The template body the run was started with: from its snapshot, never the live plugin."""
    snap = ctx.session.get(TemplateSnapshot, run.snapshot_id)
    return snap.body


def list_checklists(ctx: ServiceContext, status: str | None = None, *, tenant_id: int | None = None,
                    limit: int = 200, offset: int = 0, q: str | None = None) -> list[ChecklistRun]:
    """Visible runs, newest first: an enterprise its own, a bureau those of its jurisdiction.
    `q` within the checklist's title or the enterprise's name."""
    ctx.require()
    # Each row shows its enterprise and template: loaded with the page, not one query a row.
    stmt = _filtered(select(ChecklistRun), status, tenant_id, q).options(
        joinedload(ChecklistRun.tenant), selectinload(ChecklistRun.snapshot))
    return list(ctx.session.scalars(stmt.order_by(ChecklistRun.created_at.desc(), ChecklistRun.id.desc())
                                    .limit(limit).offset(offset)))


def count_checklists(ctx: ServiceContext, status: str | None = None, *, tenant_id: int | None = None,
                     q: str | None = None) -> int:
    ctx.require()
    return ctx.session.scalar(_filtered(select(func.count(ChecklistRun.id)), status, tenant_id, q)) or 0


def _filtered(q, status: str | None, tenant_id: int | None, text: str | None = None):  # noqa: ANN001, ANN202
    if status is not None and status not in STATUSES:
        raise ValidationFailed({"status": ["状态不在可选范围内"]})
    if status:
        q = q.where(ChecklistRun.status == status)
    if tenant_id:
        q = q.where(ChecklistRun.tenant_id == tenant_id)
    if text:
        q = q.where(ChecklistRun.title.contains(text, autoescape=True)
                    | ChecklistRun.tenant_id.in_(select(Tenant.id).where(Tenant.name.contains(text, autoescape=True))))
    return q


def enterprise_choices(ctx: ServiceContext) -> list[tuple[int, str]]:
    """Enterprises of the caller's jurisdiction, for the bureau's filter."""
    ctx.require()
    rows = ctx.session.execute(select(Tenant.id, Tenant.name).where(Tenant.kind == "enterprise")
                               .order_by(Tenant.name))
    return [(tid, name) for tid, name in rows]


def people(ctx: ServiceContext, runs: list[ChecklistRun]) -> dict[int, str]:
    """Display names of the users who started or reviewed `runs`."""
    return display_names(ctx, (i for r in runs for i in (r.created_by, r.reviewed_by)))


def start_refusal(ctx: ServiceContext) -> PermissionDenied | None:
    """Why the caller may not start a self-check (an enterprise's admin or officer may)."""
    if refused := ctx.refusal(*ENTERPRISE_ROLES, bureau=False, message="只有企业管理员或安全员可以开始自查"):
        return refused
    return PermissionDenied("只有企业可以开始自查") if ctx.actor.tenant_id is None else None


def answer_refusal(ctx: ServiceContext, run: ChecklistRun) -> DomainError | None:
    """Why the caller may not change the run's answers now (its enterprise may, while a
    draft or returned)."""
    if refused := ctx.refusal(*ENTERPRISE_ROLES, bureau=False, message="只有企业管理员或安全员可以填写自查"):
        return refused
    if run.status not in ("draft", "returned"):
        return Conflict(f"当前状态为“{run.status_label}”，不能修改作答")
    return None


def offered(ctx: ServiceContext) -> list[dict]:
    """Checklist templates offered to the caller's tenant (newest version of each)."""
    ctx.require()
    return plugins.offered_templates(ctx, kind="checklist")


# ---------------------------------------------------------------------------- writing

def start_checklist(ctx: ServiceContext, template_id: str) -> ChecklistRun:
    """Start a self-check from the newest version of an offered checklist template."""
    refuse(start_refusal(ctx))
    if not isinstance(template_id, str) or not template_id:
        raise ValidationFailed({"template_id": ["检查表模板为必填项"]})
    template = plugins.offered_template(ctx, template_id)
    if template["kind"] != "checklist":
        raise NotFound("检查表模板不存在，或所属插件未对本单位启用")
    snap = plugins.snapshot(ctx, template)
    run = ChecklistRun(tenant_id=ctx.actor.tenant_id, snapshot_id=snap.id, template_id=snap.template_id,
                       template_version=snap.version, title=snap.title, status=FLOW.initial, answers={},
                       created_by=ctx.actor.user_id)
    ctx.session.add(run)
    ctx.session.flush()
    audit.record(ctx, "checklist.start", "checklist", run.id,
                 f"开始自查“{run.title}”（模板 {run.template_id} {run.template_version}）",
                 payload={"template_id": run.template_id, "version": run.template_version,
                          "sha256": snap.sha256}, tenant_id=run.tenant_id)
    emit(ctx, "template.instantiated", tenant_id=run.tenant_id, object_type="checklist", object_id=run.id,
         payload={"template_id": snap.template_id, "version": snap.version, "sha256": snap.sha256,
                  "plugin": snap.plugin})
    return run


def _clean_value(item: dict, value: Any) -> tuple[Any, str | None]:
    """(stored value, None) or (None, the problem in Chinese)."""
    if value is None or value == "":
        return None, None
    kind = item.get("answer", "yes_no")
    if kind == "yes_no":
        if value not in YES_NO:
            return None, "只能选择“是”“否”或“不适用”"
        return value, None
    if kind == "score":
        top = item.get("points")
        n = number_of(value)
        if n is None or n < 0 or (top is not None and n > top):
            limit = f"0至{top:g}之间" if top is not None else "不小于0"
            return None, f"得分应为{limit}的数字"
        return (int(n) if n.is_integer() else n), None
    if not isinstance(value, str):
        return None, "填写内容应为文字"
    value = value.strip()
    if len(value) > TEXT_MAX:
        return None, f"填写内容不能超过{TEXT_MAX}字"
    return value or None, None


def save_answers(ctx: ServiceContext, run_id: int, answers: dict, version: int) -> ChecklistRun:
    """Merge `answers` into the run. Per item, a given "value" replaces the answer (None or ""
    clears it) and a given "note" replaces the remark; items not mentioned stay as they are."""
    run = get_checklist(ctx, run_id)
    refuse(answer_refusal(ctx, run))
    version = check_version(version)
    if not isinstance(answers, dict):
        raise ValidationFailed({"answers": ["作答内容应为对象：{检查项编号: {value, note}}"]})
    if version != run.version:
        raise Conflict(STALE_MESSAGE)
    items = {i["id"]: i for i in items_of(checklist_body(ctx, run))}
    merged = {k: dict(v) for k, v in (run.answers or {}).items()}
    errors: dict[str, list[str]] = {}
    for item_id, entry in answers.items():
        key = f"answers.{item_id}"
        item = items.get(item_id)
        if item is None:
            errors[key] = [f"第{item_id}项：检查表中没有该项"]
            continue
        if not isinstance(entry, dict) or not set(entry) <= {"value", "note"}:
            errors[key] = [f"第{item_id}项：作答格式应为 {{\"value\": …, \"note\": …}}"]
            continue
        current = merged.get(item_id, {"value": None, "note": ""})
        if "value" in entry:
            value, problem = _clean_value(item, entry["value"])
            if problem:
                errors[key] = [f"第{item_id}项：{problem}"]
                continue
            current["value"] = value
        if "note" in entry:
            note = entry["note"] if entry["note"] is not None else ""
            if not isinstance(note, str) or len(note.strip()) > NOTE_MAX:
                errors[key] = [f"第{item_id}项：说明应为不超过{NOTE_MAX}字的文字"]
                continue
            current["note"] = note.strip()
        if current.get("value") is None and not current.get("note"):
            merged.pop(item_id, None)
        else:
            merged[item_id] = {"value": current.get("value"), "note": current.get("note", "")}
    if errors:
        raise ValidationFailed(errors, message=next(iter(errors.values()))[0])
    changed = sorted(k for k in answers if merged.get(k) != (run.answers or {}).get(k))
    if not changed:
        return run  # nothing to write, nothing to audit
    run.answers = merged  # a new object: JSON columns detect replacement, not mutation
    flush_or_conflict(ctx.session)
    audit.record(ctx, "checklist.answers", "checklist", run.id,
                 f"保存自查“{run.title}”的作答（{len(changed)} 项有变化）",
                 payload={"items": changed}, tenant_id=run.tenant_id)
    return run


def transition(ctx: ServiceContext, run_id: int, action: str, version: int,
               comment: str | None = None) -> ChecklistRun:
    """submit (enterprise), accept or return (bureau; return needs 退回意见)."""
    run = get_checklist(ctx, run_id)
    ctx.require()
    version = check_version(version)
    comment = step_comment(comment, TEXT_MAX)
    if not isinstance(action, str) or not action:
        raise ValidationFailed({"action": ["操作为必填项"]})
    # The stamps (who reviewed, when) ride on the transition's one conditional UPDATE.
    FLOW.apply(ctx, run, action, version=version, data={"comment": comment} if comment else {},
               obj_type="checklist",
               summary=lambda r, step: f"{step.transition.label}自查“{r.title}”：{FLOW.label(step.source)} → "
                                       f"{FLOW.label(step.transition.target)}")
    return run


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    needs_comment: bool


def actions(ctx: ServiceContext, run: ChecklistRun) -> list[Action]:
    """The workflow buttons the caller may press on `run`."""
    return [Action(t.name, t.label, "comment" in t.requires) for t in FLOW.available(ctx, run)]
