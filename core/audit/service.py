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
        summary=summary, payload_digest=digest(payload or {}), prev_hash=prev,
        created_at=utcnow(),
    )
    event.hash = _event_hash(prev, seq, event)
    s.add(event)
    s.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=event.hash))
    return event


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    object_type: str | None = None
    actor: str | None = None
    tenant_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_events(ctx: ServiceContext, flt: AuditFilter, limit: int = 50, offset: int = 0):
    """Events of the caller's jurisdiction, newest first. Bureau admins only."""
    ctx.require("admin", bureau=True, message="只有应急管理局管理员可以查看审计记录")
    q = select(AuditEvent)
    if not ctx.scope.is_system:
        # Audit rows are not TenantOwned (system rows have no tenant); scope them here.
        q = q.where(AuditEvent.tenant_id.in_(select(Tenant.id)))
    if flt.action:
        q = q.where(AuditEvent.action == flt.action)
    if flt.object_type:
        q = q.where(AuditEvent.object_type == flt.object_type)
    if flt.actor:
        q = q.where(AuditEvent.actor_name == flt.actor)
    if flt.tenant_id:
        q = q.where(AuditEvent.tenant_id == flt.tenant_id)
    if flt.since:
        q = q.where(AuditEvent.created_at >= flt.since)
    if flt.until:
        q = q.where(AuditEvent.created_at < flt.until)
    return list(ctx.session.scalars(q.order_by(AuditEvent.seq.desc()).limit(limit).offset(offset)))


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
        prev_hash, expected_seq = e.hash, e.seq + 1
        if progress and n % every == 0:
            progress(n, total, f"已校验 {n} / {total} 条审计记录")
    head = session.get(AuditHead, 1)
    if head is not None and head.seq != expected_seq - 1:
        problems.append(f"链尾第{expected_seq}至{head.seq}号审计记录缺失（被删除）")
    elif head is not None and head.hash != prev_hash:
        problems.append("链尾哈希与记录不一致")
    return VerifyReport(n, problems)
