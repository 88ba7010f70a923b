"""专项整治: launching a campaign from a template version, adopting a city's campaign into a
county's, and publishing it — every task for every target in one bulk step.

A campaign keeps the snapshot of the template version it was launched with; a county's
campaign adopted from its city's shares that snapshot and keeps its own dates (inside the
city's window), document number and extra items. A city's campaign hands its work to the
counties, a county's to its enterprises and sections.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import marshmallow as ma
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from core.audit import service as audit
from core.campaigns import rules
from core.campaigns.models import Campaign, CampaignTask
from core.campaigns.rules import Item, items_of
from core.campaigns.templates import PhaseTask, item_rules
from core.context import ServiceContext
from core.db import utcnow
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, refuse
from core.jobs import service as jobs
from core.jobs.models import Job
from core.ledgers.declaration import parse_date
from core.notifications import service as notifications
from core.plugins import service as plugins
from core.plugins.events import emit
from core.plugins.models import TemplateSnapshot
from core.schema import flatten
from core.workflow import STALE_MESSAGE, check_version, flush_or_conflict
from tenants.codes import region_name
from tenants.models import INDUSTRIES, Section, SectionAssignment, Tenant
from tenants.scoping import ANCESTORS, insert_rows

LAUNCH_ROLES = ("admin",)
REVIEW_ROLES = ("admin", "reviewer")
ENTERPRISE_ROLES = ("admin", "officer")
DOC_NO_MAX = 100
TITLE_MAX = 300
# Tasks inserted per statement and progress report while publishing.
CHUNK = 2000

Progress = Callable[[int, int, "str | None"], None]


def _quiet(_done: int, _total: int, _message: str | None = None) -> None:
    pass


# ---------------------------------------------------------------------------- reading

def body_of(ctx: ServiceContext, campaign: Campaign) -> dict:
    """The template body the campaign runs: its snapshot, never the live plugin."""
    return ctx.session.get(TemplateSnapshot, campaign.snapshot_id).body


def items(ctx: ServiceContext, campaign: Campaign) -> list[Item]:
    return items_of(body_of(ctx, campaign), campaign.extra_items or [])


def item(ctx: ServiceContext, campaign: Campaign, item_id: str) -> Item:
    for it in items(ctx, campaign):
        if it.id == item_id:
            return it
    raise NotFound("工作内容不存在")


def item_titles(ctx: ServiceContext, campaigns: Iterable[Campaign]) -> dict[tuple[int, str], str]:
    """(campaign id, item id) → the item's title, for lists of tasks across campaigns."""
    return {(c.id, it.id): it.title for c in campaigns for it in items(ctx, c)}


def get_campaign(ctx: ServiceContext, campaign_id: int) -> Campaign:
    """A visible campaign: the caller's bureau's, one above it (shared down), or one below."""
    ctx.require()
    campaign = ctx.session.scalar(select(Campaign).where(Campaign.id == campaign_id)
                                  .options(joinedload(Campaign.tenant)).execution_options(**{ANCESTORS: True}))
    if campaign is None or not _may_read(ctx, campaign):
        raise NotFound("专项整治不存在或无权访问")
    return campaign


def parent_of(ctx: ServiceContext, campaign: Campaign) -> Campaign | None:
    """The city's campaign a county's adopted, as its page names it (title, 文号) — also to
    an enterprise, which may not open the city's campaign itself."""
    if campaign.parent_id is None:
        return None
    return ctx.session.scalar(select(Campaign).where(Campaign.id == campaign.parent_id)
                              .execution_options(**{ANCESTORS: True}))


def _may_read(ctx: ServiceContext, campaign: Campaign) -> bool:
    """A draft is seen by its own bureau only; an enterprise sees only the campaigns that
    gave it tasks (its county's version, never the city's it was adopted from)."""
    if ctx.actor.is_system:
        return True
    if campaign.status == "draft":   # a draft is its own bureau's business
        return campaign.tenant_id == ctx.actor.tenant_id
    if ctx.actor.is_bureau:
        return True
    return ctx.session.scalar(select(CampaignTask.id).where(CampaignTask.campaign_id == campaign.id,
                                                            CampaignTask.tenant_id == ctx.actor.tenant_id)
                              .limit(1)) is not None


def list_campaigns(ctx: ServiceContext, *, status: str | None = None, limit: int = 50, offset: int = 0,
                   q: str | None = None) -> list[Campaign]:
    """Visible campaigns, newest start first: a bureau's own, those above it it may adopt,
    those below it; an enterprise's those that gave it tasks."""
    ctx.require()
    # The launching bureau is named in the list, also when it is above the caller.
    stmt = (_listed(ctx, select(Campaign), status, q).options(joinedload(Campaign.tenant), selectinload(Campaign.snapshot))
            .execution_options(**{ANCESTORS: True}))
    return list(ctx.session.scalars(stmt.order_by(Campaign.starts_on.desc(), Campaign.id.desc())
                                    .limit(limit).offset(offset)))


def count_campaigns(ctx: ServiceContext, *, status: str | None = None, q: str | None = None) -> int:
    ctx.require()
    return ctx.session.scalar(_listed(ctx, select(func.count(Campaign.id)), status, q)) or 0


def _listed(ctx: ServiceContext, stmt, status: str | None, q: str | None):  # noqa: ANN001, ANN202
    if status:
        stmt = stmt.where(Campaign.status == status)
    if q:
        stmt = stmt.where(Campaign.title.contains(q, autoescape=True) | Campaign.doc_no.contains(q, autoescape=True))
    if not ctx.actor.is_system and not ctx.actor.is_bureau:
        stmt = stmt.where(Campaign.id.in_(select(CampaignTask.campaign_id)
                                          .where(CampaignTask.tenant_id == ctx.actor.tenant_id)))
    elif not ctx.actor.is_system:
        # Drafts are their own bureau's business.
        stmt = stmt.where((Campaign.status != "draft") | (Campaign.tenant_id == ctx.actor.tenant_id))
    return stmt


def children(ctx: ServiceContext, campaign: Campaign) -> list[Campaign]:
    """The counties' campaigns adopted from this one (visible ones: a county sees its own)."""
    return list(ctx.session.scalars(select(Campaign).where(Campaign.parent_id == campaign.id)
                                    .options(joinedload(Campaign.tenant)).order_by(Campaign.id)))


def adopted_by(ctx: ServiceContext, campaign: Campaign) -> Campaign | None:
    """The caller's bureau's own campaign adopted from `campaign`, if any."""
    return ctx.session.scalar(select(Campaign).where(Campaign.parent_id == campaign.id,
                                                     Campaign.tenant_id == ctx.actor.tenant_id))


def cascades(ctx: ServiceContext, campaign: Campaign) -> bool:
    """A bureau with bureaus below it (a city) hands its campaign to them to adopt."""
    return ctx.session.scalar(select(Tenant.id).where(Tenant.parent_id == campaign.tenant_id,
                                                      Tenant.kind == "bureau").limit(1)) is not None


def offered(ctx: ServiceContext) -> list[dict]:
    """Campaign templates offered to the caller's bureau (newest version of each), with
    every version its plugin ships."""
    ctx.require()
    return [{**t, "versions": plugins.template_versions(ctx, t["id"])}
            for t in plugins.offered_templates(ctx, kind="campaign")]


# ---------------------------------------------------------------------------- launching

def launch_refusal(ctx: ServiceContext) -> PermissionDenied | None:
    return ctx.refusal(*LAUNCH_ROLES, bureau=True, message="只有应急管理局管理员可以启动专项整治")


def launch_campaign(ctx: ServiceContext, data: dict) -> Campaign:
    """A draft campaign: from a template version (`template_id`, optional `version`), or
    adopted from the campaign above (`adopt_from`). Dates come from the template's days
    counted from `starts_on`; `schedule` may replace any of them (see rules.schedule_problems,
    `confirm` accepting a date outside its phase)."""
    refuse(launch_refusal(ctx))
    bureau = ctx.session.get(Tenant, ctx.actor.tenant_id)
    parent = None
    if data.get("adopt_from") is not None:
        parent = _adoptable(ctx, bureau, data["adopt_from"])
        snap = ctx.session.get(TemplateSnapshot, parent.snapshot_id)
    else:
        template_id = data.get("template_id")
        if not isinstance(template_id, str) or not template_id:
            raise ValidationFailed({"template_id": ["请选择专项整治模板"]})
        version = data.get("version") or None
        if version is not None and not isinstance(version, str):
            raise ValidationFailed({"version": ["模板版本应为文字，如 2024.1.0"]})
        template = plugins.offered_template(ctx, template_id, version)
        if template["kind"] != "campaign":
            raise NotFound("专项整治模板不存在，或所属插件未对本单位启用")
        snap = plugins.snapshot(ctx, template)
    problems: dict[str, list[str]] = {}
    given = data.get("starts_on")
    starts_on = _start(given, problems) if given not in (None, "") or parent is None else parent.starts_on
    if starts_on is None:
        raise ValidationFailed(problems)
    campaign = Campaign(tenant_id=bureau.id, parent_id=parent.id if parent else None, snapshot_id=snap.id,
                        template_id=snap.template_id, template_version=snap.version, title=snap.title, doc_no="",
                        starts_on=starts_on, ends_on=starts_on, status="draft", created_by=ctx.actor.user_id,
                        schedule={}, targets={}, sections={},
                        # The city's own items come with its campaign into the county's.
                        extra_items=list(parent.extra_items or []) if parent else [])
    _apply(ctx, campaign, snap.body, {**data, "starts_on": starts_on}, parent, fresh=True)
    ctx.session.add(campaign)
    ctx.session.flush()
    audit.record(ctx, "campaign.launch", "campaign", campaign.id,
                 f"拟定专项整治“{campaign.title}”（{campaign.doc_no}，模板 {snap.template_id} {snap.version}"
                 + (f"，转发上级 {parent.doc_no}" if parent else "") + "）",
                 payload={"template_id": snap.template_id, "version": snap.version, "sha256": snap.sha256,
                          "adopt_from": parent.id if parent else None, "doc_no": campaign.doc_no,
                          "starts_on": campaign.starts_on.isoformat()}, tenant_id=bureau.id)
    return campaign


def update_campaign(ctx: ServiceContext, campaign_id: int, data: dict, version: Any) -> Campaign:
    """Edit a draft: title, document number, dates, targets, sections, own items."""
    campaign = _own_draft(ctx, campaign_id, version)
    parent = ctx.session.get(Campaign, campaign.parent_id) if campaign.parent_id else None
    before = {"doc_no": campaign.doc_no, "schedule": campaign.schedule, "targets": campaign.targets,
              "sections": campaign.sections, "title": campaign.title, "extra_items": campaign.extra_items}
    _apply(ctx, campaign, body_of(ctx, campaign), data, parent, fresh=False)
    changed = sorted(k for k, v in before.items() if getattr(campaign, k) != v)
    flush_or_conflict(ctx.session)
    if changed:
        audit.record(ctx, "campaign.update", "campaign", campaign.id,
                     f"修改专项整治“{campaign.title}”（{'、'.join(changed)}）",
                     payload={k: getattr(campaign, k) for k in changed}, tenant_id=campaign.tenant_id)
    return campaign


# What a work item the bureau adds itself asks for, unless it says otherwise.
OWN_FIELDS = [{"id": "note", "label": "完成情况", "type": "text"},
              {"id": "files", "label": "佐证材料", "type": "files", "required": False}]


def add_own_item(ctx: ServiceContext, campaign_id: int, data: dict, version: Any) -> Campaign:
    """A work item of the bureau's own (a county adding to the city's campaign): title,
    phase, party, deadline (`due_on`), review, description; it asks for a 完成情况 and
    optional evidence. Checked as the template's items are."""
    campaign = _own_draft(ctx, campaign_id, version)
    due = parse_date(data.get("due_on"))
    if due is None:
        raise ValidationFailed({"due_on": ["完成期限应为日期"]})
    taken = {t["id"] for t in campaign.extra_items or []}
    item_id = next(f"own_{n}" for n in range(1, len(taken) + 2) if f"own_{n}" not in taken)
    party = data.get("assignee") or "enterprise"
    # A section's own item is an inspection: its record is the inspection, not a form.
    entry = {"id": item_id, "title": data.get("title") or "", "assignee": party,
             "phase": data.get("phase"), "due_days": min(max((due - campaign.starts_on).days, 0), 730),
             "review": bool(data.get("review")) and party != "section", "description": data.get("description") or "",
             "fields": [] if party == "section" else OWN_FIELDS}
    return update_campaign(ctx, campaign_id, {"extra_items": [*(campaign.extra_items or []), entry],
                                              "schedule": {"items": {item_id: due.isoformat()}},
                                              "confirm": bool(data.get("confirm"))}, version)


def _own_draft(ctx: ServiceContext, campaign_id: int, version: Any) -> Campaign:
    campaign = get_campaign(ctx, campaign_id)  # another jurisdiction's: 404 before any refusal
    refuse(launch_refusal(ctx))
    if campaign.tenant_id != ctx.actor.tenant_id:
        raise PermissionDenied("只有启动该专项整治的应急管理局可以修改或发布")
    if check_version(version) != campaign.version:
        raise Conflict(STALE_MESSAGE)
    if campaign.status != "draft":
        raise Conflict(f"专项整治“{campaign.title}”已{campaign.status_label}，不能再修改")
    return campaign


def _adoptable(ctx: ServiceContext, bureau: Tenant, parent_id: Any) -> Campaign:
    """Only the campaign of the bureau directly above, once published, and once."""
    if isinstance(parent_id, bool) or not isinstance(parent_id, int) or not 0 < parent_id < 2**31:
        raise ValidationFailed({"adopt_from": ["上级专项整治应为编号"]})
    parent = ctx.session.scalar(select(Campaign).where(Campaign.id == parent_id))
    if parent is None or parent.tenant_id != bureau.parent_id or parent.status == "draft":
        raise NotFound("上级专项整治不存在或无权访问")
    if adopted_by(ctx, parent) is not None:
        raise Conflict(f"本单位已转发落实上级专项整治“{parent.title}”")
    return parent


def _apply(ctx: ServiceContext, campaign: Campaign, body: dict, data: dict, parent: Campaign | None, *,
           fresh: bool) -> None:
    """Check and set what a launch or an edit gives; every problem reported at once."""
    errors: dict[str, list[str]] = {}
    if "doc_no" in data or fresh:
        doc_no = data.get("doc_no")
        doc_no = doc_no.strip() if isinstance(doc_no, str) else ""
        if not doc_no or len(doc_no) > DOC_NO_MAX or any(c in doc_no for c in "\r\n\t"):
            errors["doc_no"] = [f"文号不能为空，不超过{DOC_NO_MAX}字，如 乌应急发〔2024〕56号"]
        campaign.doc_no = doc_no
    if data.get("title") is not None:
        title = data["title"].strip() if isinstance(data["title"], str) else ""
        if not title or len(title) > TITLE_MAX:
            errors["title"] = [f"名称不能为空，不超过{TITLE_MAX}字"]
        campaign.title = title
    extra = campaign.extra_items or []
    if "extra_items" in data:
        extra, problems = _extra_items(body, data["extra_items"])
        errors.update(problems)
        campaign.extra_items = extra
    if fresh or "schedule" in data or "starts_on" in data or "extra_items" in data:
        starts_on = campaign.starts_on
        if "starts_on" in data and not fresh:
            starts_on = _start(data["starts_on"], errors) or campaign.starts_on
        elif fresh:
            starts_on = data["starts_on"]
        if fresh and parent is not None and starts_on == parent.starts_on:
            # Adopted as the city set it: the city's own dates, not the template's.
            schedule = {"phases": dict(parent.schedule["phases"]),
                        "items": {**rules.default_schedule(body, starts_on, extra)["items"], **parent.schedule["items"]}}
        elif fresh or "starts_on" in data:
            schedule = rules.default_schedule(body, starts_on, extra)
        else:
            schedule = {"phases": dict(campaign.schedule["phases"]),
                        "items": {**rules.default_schedule(body, starts_on, extra)["items"], **campaign.schedule["items"]}}
        edits, problems = rules.schedule_edits(body, extra, data.get("schedule"))
        errors.update(problems)
        schedule["phases"].update(edits["phases"])
        schedule["items"].update(edits["items"])
        within = (parent.starts_on, parent.ends_on) if parent else None
        problems, questions = rules.schedule_problems(body, schedule, extra, within)
        errors.update(problems)
        if not fresh and "starts_on" not in data:
            # Only what this edit moved is asked about: a date confirmed before stays confirmed.
            moved = set(edits["items"]) | {it.id for it in items_of(body, extra) if it.phase in edits["phases"]}
            questions = {k: v for k, v in questions.items() if k.removeprefix("items.") in moved}
        if questions and not data.get("confirm") and not problems:
            errors.update({k: [v] for k, v in questions.items()})
            errors["confirm"] = ["以上日期在所属阶段之外：确认无误请勾选“确认日期”后再保存"]
        if not problems and not errors:
            campaign.schedule = rules.normalised_schedule(schedule)
            campaign.starts_on, campaign.ends_on = rules.window(campaign.schedule)
    if "targets" in data or fresh:
        targets, problems = _targets(ctx, data.get("targets") or {})
        errors.update(problems)
        campaign.targets = targets
    if "sections" in data:
        sections, problems = _sections(ctx, body, extra, data["sections"])
        errors.update(problems)
        campaign.sections = sections
    if errors:
        raise ValidationFailed(errors)


def _start(value: Any, errors: dict[str, list[str]]) -> date | None:
    """A start date as typed, within the years a campaign can run (2000–2099)."""
    day = parse_date(value) if isinstance(value, (str, date)) else None
    if day is None or not 2000 <= day.year <= 2099:
        errors["starts_on"] = ["开始日期应为2000至2099年间的日期，如 2024-09-01"]
        return None
    return day


def _extra_items(body: dict, raw: Any) -> tuple[list[dict], dict[str, list[str]]]:
    """A county's own work items, each in a phase of the template, ids not clashing."""
    if not isinstance(raw, list):
        return [], {"extra_items": ["本级增加的工作内容应为列表"]}
    phases = {ph["id"] for ph in body["phases"]}
    taken = {it.id for it in items_of(body)}
    out, errors = [], {}
    for n, entry in enumerate(raw):
        key = f"extra_items.{n}"
        if not isinstance(entry, dict):
            errors[key] = ["工作内容应为对象"]
            continue
        try:
            loaded = PhaseTask().load({k: v for k, v in entry.items() if k not in ("phase", "own")})
        except ma.ValidationError as e:
            errors.update({f"{key}.{k}": v for k, v in flatten(e.messages).items()})
            continue
        if entry.get("phase") not in phases:
            errors[f"{key}.phase"] = ["所属阶段不存在"]
            continue
        if loaded["id"] in taken:
            errors[f"{key}.id"] = [f"工作编号“{loaded['id']}”已被使用"]
        for path, message in item_rules(key, loaded):
            errors.setdefault(path, []).append(message)
        taken.add(loaded["id"])
        out.append({**loaded, "phase": entry.get("phase"), "own": True})
    return out, errors


def _targets(ctx: ServiceContext, raw: Any) -> tuple[dict, dict[str, list[str]]]:
    """Which enterprises get tasks: by industry, by region (行政区划代码), by the bureau's tags
    (any of them), or hand-picked; none given means every enterprise the template's
    industries cover."""
    if not isinstance(raw, dict):
        return {}, {"targets": ["对象应为 {industries, regions, enterprises}"]}
    errors: dict[str, list[str]] = {}
    industries, regions = raw.get("industries") or [], raw.get("regions") or []
    if not isinstance(industries, list) or any(not isinstance(i, str) or i not in INDUSTRIES for i in industries):
        errors["targets.industries"] = ["行业类别不在可选范围内"]
        industries = []
    if not isinstance(regions, list) or any(not isinstance(r, str) or not re.fullmatch(r"\d{6}", r)
                                            or region_name(r) is None for r in regions):
        errors["targets.regions"] = ["行政区划代码应为6位且在代码表中"]
        regions = []
    tags = raw.get("tags") or []
    if not isinstance(tags, list) or any(not isinstance(t, str) or not 0 < len(t.strip()) <= 20 for t in tags):
        errors["targets.tags"] = ["标签应为1至20个字的文字列表"]
        tags = []
    picked = raw.get("enterprises") or []
    if not isinstance(picked, list) or any(isinstance(i, bool) or not isinstance(i, int) or not 0 < i < 2**31
                                           for i in picked):
        errors["targets.enterprises"] = ["企业应为编号列表"]
        picked = []
    elif picked:
        found = set(ctx.session.scalars(select(Tenant.id).where(Tenant.id.in_(picked), Tenant.kind == "enterprise")))
        if set(picked) - found:
            errors["targets.enterprises"] = ["所选企业不存在或不在本辖区"]
    return {"industries": industries, "regions": regions, "tags": sorted({t.strip() for t in tags}),
            "enterprises": sorted(set(picked))}, errors


def _sections(ctx: ServiceContext, body: dict, extra: list[dict], raw: Any) -> tuple[dict, dict[str, list[str]]]:
    if not isinstance(raw, dict):
        return {}, {"sections": ["责任股室应为 {工作编号: 股室编号}"]}
    known = {it.id for it in items_of(body, extra)}
    own = set(ctx.session.scalars(select(Section.id).where(Section.tenant_id == ctx.actor.tenant_id)))
    out, errors = {}, {}
    for item_id, section_id in raw.items():
        if section_id in (None, ""):
            continue
        if item_id not in known:
            errors[f"sections.{item_id}"] = ["工作内容不存在"]
        elif isinstance(section_id, bool) or not isinstance(section_id, int) or section_id not in own:  # ids only
            errors[f"sections.{item_id}"] = ["股室不存在或不属于本单位"]
        else:
            out[item_id] = section_id
    return out, errors


def set_notice(ctx: ServiceContext, campaign_id: int, stream, filename: str) -> Campaign:  # noqa: ANN001
    """Keep the campaign's notice (印发通知, PDF or Word), checked by content like any upload."""
    campaign = get_campaign(ctx, campaign_id)
    refuse(launch_refusal(ctx))
    if campaign.tenant_id != ctx.actor.tenant_id:
        raise PermissionDenied("只有启动该专项整治的应急管理局可以上传通知文件")
    stored = ctx.house.files.store_upload(ctx, stream, filename, {"pdf", "docx"}, tenant_id=campaign.tenant_id)
    campaign.notice_file_id = stored.id
    flush_or_conflict(ctx.session)
    audit.record(ctx, "campaign.notice", "campaign", campaign.id,
                 f"上传专项整治“{campaign.title}”的通知文件“{stored.original_name}”",
                 payload={"file_id": stored.id}, tenant_id=campaign.tenant_id)
    return campaign


# ---------------------------------------------------------------------------- publishing

def target_enterprises(ctx: ServiceContext, campaign: Campaign) -> list[tuple[int, str | None, set[str]]]:
    """(id, industry, tags) of the active enterprises below the campaign's bureau that its
    targets name: plain rows, as publishing to 500 enterprises needs no more."""
    owner = ctx.session.get(Tenant, campaign.tenant_id)
    targets = campaign.targets or {}
    stmt = select(Tenant.id, Tenant.industry, Tenant.tags).where(
        Tenant.kind == "enterprise", Tenant.status == "active", Tenant.path.like(owner.path + "%"))
    industries = targets.get("industries") or body_of(ctx, campaign).get("industries") or []
    if targets.get("enterprises"):
        stmt = stmt.where(Tenant.id.in_(targets["enterprises"]))
    elif industries:
        stmt = stmt.where(Tenant.industry.in_(industries))
    if targets.get("regions"):
        stmt = stmt.where(Tenant.region_code.in_(targets["regions"]))
    wanted = set(targets.get("tags") or [])
    rows = [(tid, industry, set(tags or [])) for tid, industry, tags in ctx.session.execute(stmt.order_by(Tenant.id))]
    # Tags are a JSON list: matched here, the same on SQLite and PostgreSQL.
    return [r for r in rows if not wanted or wanted & r[2]]


def _task_rows(ctx: ServiceContext, campaign: Campaign) -> list[dict]:
    """Every task of the campaign: per target enterprise for enterprise and section items (an
    item's own industries narrow it), once for the bureau's own items."""
    enterprises = target_enterprises(ctx, campaign)
    supervising = dict(ctx.session.execute(select(SectionAssignment.tenant_id, SectionAssignment.section_id)
                                           .where(SectionAssignment.tenant_id.in_([e[0] for e in enterprises]))).all())
    due = campaign.schedule["items"]
    now = utcnow()
    rows = []
    for it in items(ctx, campaign):
        base = {"campaign_id": campaign.id, "item_id": it.id, "party": it.party, "due_on": date.fromisoformat(due[it.id]),
                "status": "assigned", "data": {}, "created_at": now, "version": 1}
        if it.party == "bureau":
            rows.append({**base, "tenant_id": campaign.tenant_id, "section_id": campaign.sections.get(it.id)})
            continue
        for ent, industry, tags in enterprises:
            if it.body.get("industries") and industry not in it.body["industries"]:
                continue
            if it.body.get("tags") and not tags & set(it.body["tags"]):
                continue
            rows.append({**base, "tenant_id": ent, "section_id": campaign.sections.get(it.id) or supervising.get(ent)})
    return rows


def publish_refusal(ctx: ServiceContext, campaign: Campaign) -> PermissionDenied | Conflict | None:
    if refused := launch_refusal(ctx):
        return refused
    if campaign.tenant_id != ctx.actor.tenant_id:
        return PermissionDenied("只有启动该专项整治的应急管理局可以发布")
    if campaign.status != "draft":
        return Conflict(f"专项整治已{campaign.status_label}")
    return None


def publish_campaign(ctx: ServiceContext, campaign_id: int, version: Any) -> Campaign | Job:
    """Publish a draft. A county's: every task at once, each target notified, or — above
    CAMPAIGN_INLINE_TASKS tasks — as the "campaigns.publish" job with progress (the campaign
    shows 发布中 meanwhile). A city's: each county bureau is asked to adopt it."""
    campaign = _own_draft(ctx, campaign_id, version)
    if not cascades(ctx, campaign):
        count = len(target_enterprises(ctx, campaign)) * len(items(ctx, campaign))
        if count > ctx.house.config.get("CAMPAIGN_INLINE_TASKS", 3000):
            campaign.status = "publishing"
            flush_or_conflict(ctx.session)
            audit.record(ctx, "campaign.publishing", "campaign", campaign.id,
                         f"开始发布专项整治“{campaign.title}”（约{count}项任务，后台进行）", tenant_id=campaign.tenant_id)
            return jobs.enqueue(ctx, "campaigns.publish", {"campaign_id": campaign.id},
                                f"发布专项整治“{campaign.title}”")
    publish_now(ctx, campaign)
    return campaign


def publish_now(ctx: ServiceContext, campaign: Campaign, progress: Progress = _quiet) -> int:
    """Create the campaign's tasks (bulk, through the tenant guard), notify, announce. The
    status goes first, in its versioned UPDATE: of two publishing at once one gets 409
    before any task is written."""
    campaign.status, campaign.published_at = "published", utcnow()
    flush_or_conflict(ctx.session)
    if cascades(ctx, campaign):
        counties = list(ctx.session.scalars(select(Tenant.id).where(Tenant.parent_id == campaign.tenant_id,
                                                                    Tenant.kind == "bureau")))
        notifications.notify_many(ctx, counties, ("admin",), f"上级专项整治待转发落实：{campaign.title}",
                                  body=f"{campaign.doc_no}，{campaign.starts_on:%Y年%m月%d日}至{campaign.ends_on:%Y年%m月%d日}",
                                  link=f"/campaigns/{campaign.id}", dedupe_key=f"campaign:{campaign.id}:adopt")
        created, told = 0, len(counties)
    else:
        rows = _task_rows(ctx, campaign)
        for start in range(0, len(rows), CHUNK):
            progress(start, len(rows), f"正在下达任务（{start}/{len(rows)}）")
            insert_rows(ctx.session, CampaignTask, rows[start:start + CHUNK])
        created = len(rows)
        enterprises = sorted({r["tenant_id"] for r in rows if r["party"] == "enterprise"})
        notifications.notify_many(ctx, enterprises, ENTERPRISE_ROLES, f"专项整治任务：{campaign.title}",
                                  body=f"{campaign.doc_no}，请于期限内完成各项工作", link=f"/campaigns/{campaign.id}",
                                  dedupe_key=f"campaign:{campaign.id}:launched")
        told = len(enterprises)
    progress(1, 1, "已完成")
    audit.record(ctx, "campaign.publish", "campaign", campaign.id,
                 f"发布专项整治“{campaign.title}”（{campaign.doc_no}）：下达任务{created}项，通知{told}个单位",
                 payload={"tasks": created, "told": told}, tenant_id=campaign.tenant_id)
    emit(ctx, "campaign.launched", tenant_id=campaign.tenant_id, object_type="campaign", object_id=campaign.id,
         payload={"template_id": campaign.template_id, "version": campaign.template_version,
                  "parent_id": campaign.parent_id, "tasks": created})
    return created


def publish_job(ctx: ServiceContext, job: Job, progress: Progress) -> dict:
    """The "campaigns.publish" job: safe to run twice (a published campaign is left alone)."""
    campaign = ctx.session.get(Campaign, job.params["campaign_id"])
    if campaign is None:
        raise NotFound("专项整治不存在")
    if campaign.status == "publishing":
        publish_now(ctx, campaign, progress)
    n = ctx.session.scalar(select(func.count(CampaignTask.id)).where(CampaignTask.campaign_id == campaign.id)) or 0
    return {"summary": f"已发布：下达任务 {n} 项", "link": f"/campaigns/{campaign.id}", "link_label": "查看专项整治"}
