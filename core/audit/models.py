"""Append-only audit trail: chains of events, each linked to the previous one by sha256.

There is one chain per tenant (0: the system chain, which also holds every event written
before chains were split), each with its own head row. A transaction appends all its events
to one chain, that of its first event, so it locks one head: writers in two counties never
wait for each other, and two transactions cannot deadlock on heads."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow
from tenants.models import TenantOwned


class AuditEvent(TenantOwned, Base):
    """One audited write. `tenant_id` is the tenant the object belongs to (null for system
    events, which no tenant sees) and drives who may browse it, through the same scoping as
    every tenant-owned row."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("chain", "seq"),
                      Index("ix_audit_events_tenant_id_id", "tenant_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # The chain (AuditHead.id) and the position in it; `id` orders events across chains.
    chain: Mapped[int] = mapped_column(default=0, server_default="0")
    seq: Mapped[int]
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    payload_digest: Mapped[str] = mapped_column(String(64))
    # What the step carried (comment, items, values); its digest is part of the chain, so
    # an edited payload is detected too. None on events written before it was kept.
    payload: Mapped[dict | None] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditHead(Base):
    """A chain's tip. Appending updates it first, which takes its row lock on PostgreSQL
    (SQLite's single writer lock on SQLite), so concurrent writers to one chain queue instead
    of forking it; it also lets `audit verify` notice that the newest events were deleted."""

    __tablename__ = "audit_head"

    # The chain: the tenant whose event opened it, 0 for the system chain.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))
    # HMAC of (seq, hash) under a key derived from the secret key: a database editor who
    # deletes the newest events and rewinds the head cannot sign the rewound head.
    signature: Mapped[str | None] = mapped_column(String(64))
