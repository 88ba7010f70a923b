from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, utcnow
from tenants.models import SharedDown, TenantOwned


class PluginSetting(SharedDown, Base):
    """A bureau's explicit choice for a plugin. The effective state of a tenant is the
    nearest explicit choice on its path to the root; none at all means disabled."""

    __tablename__ = "plugin_settings"
    __table_args__ = (UniqueConstraint("tenant_id", "plugin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plugin: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool]
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class TemplateSnapshot(Base):
    """The exact body of one template version, stored once per content hash. Records
    created from a template point here, so they render the same after the plugin that
    contributed it is upgraded or removed. Not tenant-owned: template bodies are public."""

    __tablename__ = "template_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    template_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(20))
    plugin: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxEvent(Base):
    """An event written in the same transaction as the core change; delivered to plugins
    after commit by the job executor (`plugins.deliver_events`)."""

    __tablename__ = "outbox_events"
    __table_args__ = (Index("ix_outbox_events_delivered_at_id", "delivered_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="SET NULL"))
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A deliverer leases the event before calling plugins, so concurrent deliverers (several
    # web processes or workers) do not deliver it twice; a crashed one's lease runs out.
    claimed_until: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]


class PluginFailure(TenantOwned, Base):
    """A plugin hook that raised while handling an event; shown to operators."""

    __tablename__ = "plugin_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    plugin: Mapped[str] = mapped_column(String(100), index=True)
    hook: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_events.id", ondelete="SET NULL"))
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="SET NULL"))
    error: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
