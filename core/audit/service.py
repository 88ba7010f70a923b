"""Writing, browsing and verifying the audit trail.

An event is written in the same transaction as the change it records, so the two commit
or roll back together.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from core.audit.models import AuditEvent, AuditHead
from core.context import ServiceContext
from core.db import utcnow
from tenants.models import Tenant

GENESIS = "0" * 64


def canonical(payload) -> str:  # noqa: ANN001
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def digest(payload) -> str:  # noqa: ANN001
    return hashlib.sha256(canonical(payload).encode()).hexdigest()


def _event_hash(prev_hash: str, seq: int, e: AuditEvent) -> str:
    body = canonical([seq, prev_hash, e.tenant_id, e.actor_id, e.actor_name, e.action,
                      e.object_type, e.object_id, e.summary, e.payload_digest,
                      e.created_at.isoformat(timespec="microseconds")])
    return hashlib.sha256(body.encode()).hexdigest()


def record(ctx: ServiceContext, action: str, obj_type: str, obj_id, summary: str,  # noqa: ANN001
           payload=None, tenant_id: int | None = None) -> AuditEvent:
    """Append one event. `tenant_id` defaults to the actor's tenant."""
    s = ctx.session
    stored = _jsonable(payload or {})
    s.flush()  # the object's id and state must exist before we describe them
    # Lock the tip first: concurrent writers queue here instead of forking the chain.
    res = s.execute(update(AuditHead).where(AuditHead.id == 1)
                    .values(seq=AuditHead.seq + 1).returning(AuditHead.seq, AuditHead.hash))
    row = res.first()
    if row is None:
        s.add(AuditHead(id=1, seq=1, hash=GENESIS))
        s.flush()
        seq, prev = 1, GENESIS
    else:
        seq, prev = row
    event = AuditEvent(
        seq=seq, tenant_id=tenant_id if tenant_id is not None else ctx.actor.tenant_id,
        actor_id=ctx.actor.user_id, actor_name=ctx.actor.username, action=action,
        object_type=obj_type, object_id=None if obj_id is None else str(obj_id),
        # The digest of the payload as stored (JSON turns int keys into strings), so verify
        # recomputes the same value from the stored payload.
        summary=summary, payload_digest=digest(stored), payload=stored, prev_hash=prev,
        created_at=utcnow(),
    )
    event.hash = _event_hash(prev, seq, event)
    s.add(event)
    s.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=event.hash))
    return event


def _jsonable(payload):  # noqa: ANN001, ANN202
    """The payload as stored: what canonical() digests, read back as JSON."""
    return json.loads(canonical(payload))


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    object_type: str | None = None
    actor: str | None = None
    tenant_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None  # text within the summary (names, titles, numbers)


def list_events(ctx: ServiceContext, flt: AuditFilter, limit: int = 50, offset: int = 0):
    """Events of the caller's jurisdiction, newest first. Bureau admins only."""
    ctx.require("admin", bureau=True, message="只有应急管理局管理员可以查看审计记录")
    q = _filtered(ctx, select(AuditEvent), flt)
    return list(ctx.session.scalars(q.order_by(AuditEvent.seq.desc()).limit(limit).offset(offset)))


def count_events(ctx: ServiceContext, flt: AuditFilter) -> int:
    """How many events list_events would page through."""
    ctx.require("admin", bureau=True, message="只有应急管理局管理员可以查看审计记录")
    return ctx.session.scalar(_filtered(ctx, select(func.count(AuditEvent.id)), flt)) or 0


def _filtered(ctx: ServiceContext, q, flt: AuditFilter):  # noqa: ANN001, ANN202
    from core.auth.models import User
    if not ctx.scope.is_system:
        # Audit rows are not TenantOwned (system rows have no tenant); scope them here.
        q = q.where(AuditEvent.tenant_id.in_(select(Tenant.id)))
    if flt.action:
        q = q.where(AuditEvent.action == flt.action)
    if flt.object_type:
        q = q.where(AuditEvent.object_type == flt.object_type)
    if flt.actor:
        # The username kept in the chain, or the display name the page shows.
        q = q.where((AuditEvent.actor_name == flt.actor)
                    | AuditEvent.actor_id.in_(select(User.id).where(User.display_name == flt.actor)))
    if flt.tenant_id:
        q = q.where(AuditEvent.tenant_id == flt.tenant_id)
    if flt.since:
        q = q.where(AuditEvent.created_at >= flt.since)
    if flt.until:
        q = q.where(AuditEvent.created_at < flt.until)
    if flt.q:
        q = q.where(AuditEvent.summary.contains(flt.q, autoescape=True))
    return q


@dataclass(frozen=True)
class EventNames:
    """What a page needs to show events by name rather than by number."""

    actors: dict[int, str]  # actor_id → display name
    users: set[int]  # user ids the caller can open
    objects: dict[tuple[str, str], str]  # (object_type, object_id) → name; visible objects only


def event_names(ctx: ServiceContext, events: list[AuditEvent]) -> EventNames:
    """Names for the actors and objects of `events`: one query per object type, through the
    caller's scope, so an object the caller cannot see gets no name (the page shows its type
    and number). Actors are named even outside the scope, as job requesters and uploaders
    are: a county admin reads which city reviewer acted in its jurisdiction."""
    from core.auth.models import ApiToken, User
    from core.checklists.models import ChecklistRun
    from core.files.models import StoredFile
    from core.filings.models import DRILL_KINDS, Drill, Filing
    from core.jobs.models import Job
    from tenants.models import Section
    from tenants.scoping import UNSCOPED

    wanted: dict[str, set[int]] = {}
    for e in events:
        if e.object_id and e.object_id.isdigit():
            wanted.setdefault(e.object_type, set()).add(int(e.object_id))
    actor_ids = {e.actor_id for e in events if e.actor_id is not None}
    user_ids = wanted.pop("user", set()) | actor_ids

    def rows(stmt):  # noqa: ANN001, ANN202
        return ctx.session.execute(stmt).all()

    objects: dict[tuple[str, str], str] = {}
    users = dict(rows(select(User.id, User.display_name).where(User.id.in_(user_ids)))) if user_ids else {}
    objects.update((("user", str(i)), name) for i, name in users.items())
    unseen = actor_ids - users.keys()
    actors = {i: users[i] for i in actor_ids & users.keys()}
    if unseen:
        actors.update(rows(select(User.id, User.display_name).where(User.id.in_(unseen))
                           .execution_options(**{UNSCOPED: True})))
    named = {"filing": (Filing.id, Filing.title), "tenant": (Tenant.id, Tenant.name),
             "file": (StoredFile.id, StoredFile.original_name), "checklist": (ChecklistRun.id, ChecklistRun.title),
             "job": (Job.id, Job.title), "section": (Section.id, Section.name),
             "api_token": (ApiToken.id, ApiToken.name)}
    for obj_type, ids in wanted.items():
        if obj_type in named:
            id_col, name_col = named[obj_type]
            found = rows(select(id_col, name_col).where(id_col.in_(ids)))
        elif obj_type == "drill":
            found = [(i, f"{DRILL_KINDS.get(kind, kind)}（{held_on.isoformat()}）")
                     for i, kind, held_on in rows(select(Drill.id, Drill.kind, Drill.held_on).where(Drill.id.in_(ids)))]
        else:
            continue
        objects.update(((obj_type, str(i)), name) for i, name in found)
    return EventNames(actors, set(users), objects)


def history(ctx: ServiceContext, object_type: str, object_id, tenant_id: int, limit: int = 500) -> list[AuditEvent]:  # noqa: ANN001
    """The events recorded against one object, oldest first. The caller has already shown
    the object is visible (its service's get_…); the events are those of its own tenant."""
    q = (select(AuditEvent).where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id),
                                  AuditEvent.tenant_id == tenant_id)
         .order_by(AuditEvent.seq).limit(limit))
    return list(ctx.session.scalars(q))


# Account events (users, passwords, tokens) are for admins, who see the whole audit trail.
ACCOUNT_ACTIONS = ("user.", "token.")


def tenant_history(ctx: ServiceContext, tenant_id: int, limit: int = 20) -> list[AuditEvent]:
    """The latest events recorded against one tenant, newest first (a visible tenant: the
    caller's service has checked that); without account events unless the caller is an admin."""
    q = select(AuditEvent).where(AuditEvent.tenant_id == tenant_id)
    if not ctx.actor.has_role("admin"):
        for prefix in ACCOUNT_ACTIONS:
            q = q.where(AuditEvent.action.not_like(prefix + "%"))
    return list(ctx.session.scalars(q.order_by(AuditEvent.seq.desc()).limit(limit)))


@dataclass
class VerifyReport:
    checked: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session, progress=None, every: int = 500) -> VerifyReport:  # noqa: ANN001
    """Recompute the chain. Reports edited rows (hash mismatch), deleted rows (a gap in seq
    or a broken link) and a deleted tail (the head is ahead of the last row).
    `progress(done, total, message)` is called every `every` rows when given (jobs)."""
    total = session.scalar(select(func.count()).select_from(AuditEvent)) if progress else 0
    problems: list[str] = []
    prev_hash, expected_seq, n = GENESIS, 1, 0
    rows = session.execute(select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=1000))
    for (e,) in rows:
        n += 1
        if e.seq != expected_seq:
            problems.append(f"第{expected_seq}至{e.seq - 1}号审计记录缺失（被删除）")
        elif e.prev_hash != prev_hash:
            problems.append(f"第{e.seq}号审计记录与前一条的链接断开")
        if _event_hash(e.prev_hash, e.seq, e) != e.hash:
            problems.append(f"第{e.seq}号审计记录内容被篡改（id={e.id}）")
        elif e.payload is not None and digest(e.payload) != e.payload_digest:
            problems.append(f"第{e.seq}号审计记录的附带内容被篡改（id={e.id}）")
        prev_hash, expected_seq = e.hash, e.seq + 1
        if progress and n % every == 0:
            progress(n, total, f"已校验 {n} / {total} 条审计记录")
    head = session.get(AuditHead, 1)
    if head is not None and head.seq != expected_seq - 1:
        problems.append(f"链尾第{expected_seq}至{head.seq}号审计记录缺失（被删除）")
    elif head is not None and head.hash != prev_hash:
        problems.append("链尾哈希与记录不一致")
    return VerifyReport(n, problems)
