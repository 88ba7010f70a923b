"""Append-only audit trail, each event chained to the previous one by sha256."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow


class AuditEvent(Base):
    """One audited write. `tenant_id` is the tenant the object belongs to (null for system
    events) and drives who may browse it; scoping is applied by the audit service because
    system events must stay invisible to every tenant."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_tenant_id_seq", "tenant_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
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
    """The single row holding the chain's tip. Appending updates it first, which takes the
    write lock on both SQLite and PostgreSQL, so concurrent writers form one chain; it also
    lets `audit verify` notice that the newest events were deleted."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64))
    # HMAC of (seq, hash) under a key derived from the secret key: a database editor who
    # deletes the newest events and rewinds the head cannot sign the rewound head.
    signature: Mapped[str | None] = mapped_column(String(64))
