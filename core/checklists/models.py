from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.plugins.models import TemplateSnapshot
from tenants.models import Tenant, TenantOwned

STATUSES = {"draft": "草稿", "submitted": "已提交", "returned": "已退回", "accepted": "已通过"}


class ChecklistRun(TenantOwned, Base):
    """One self-check (自查) of an enterprise (`tenant_id`). It renders from the template
    snapshot it was started with, never from the live plugin, so upgrading or removing the
    plugin leaves it as it was filled and reviewed."""

    __tablename__ = "checklist_runs"
    __table_args__ = (Index("ix_checklist_runs_tenant_id_status", "tenant_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("template_snapshots.id"), index=True)
    template_id: Mapped[str] = mapped_column(String(200))
    template_version: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # {item_id: {"value": "yes" | "no" | "na" | text | number | None, "note": str}}
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    comment: Mapped[str | None] = mapped_column(Text)  # the last review comment
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None]
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    snapshot: Mapped[TemplateSnapshot] = relationship()
    tenant: Mapped[Tenant] = relationship()

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def snapshot_sha256(self) -> str:
        return self.snapshot.sha256

    @property
    def snapshot_sha8(self) -> str:
        return self.snapshot.sha256[:8]

    @property
    def plugin(self) -> str:
        """The plugin that contributed the template when the run started (it may be gone)."""
        return self.snapshot.plugin

    @property
    def tenant_name(self) -> str:
        return self.tenant.name

    def __repr__(self) -> str:
        return f"<ChecklistRun {self.id} {self.template_id}@{self.template_version} {self.status}>"
