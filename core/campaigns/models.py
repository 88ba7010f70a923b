"""专项整治: a bureau's campaign, the tasks it hands out, and its sections' inspections."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.i18n import mark as _
from core.plugins.models import TemplateSnapshot
from tenants.models import SharedDown, Tenant, TenantOwned

CAMPAIGN_STATUSES = {"draft": _("草稿"), "publishing": _("发布中"), "published": _("进行中"), "closed": _("已结束")}
TASK_STATUSES = {"assigned": _("未开始"), "in_progress": _("填报中"), "submitted": _("待审核"), "returned": _("已退回"),
                 "accepted": _("已完成")}
# A task no longer waits on its party: it cannot be overdue.
DONE = ("submitted", "accepted")
INSPECTION_STATUSES = {"draft": _("检查中"), "done": _("已完成")}


class Campaign(SharedDown, Base):
    """One bureau's campaign (`tenant_id`), launched from a template version whose snapshot it
    keeps, so upgrading the plugin never changes it. Shared down: every unit below reads it.
    A county's campaign adopted from its city's names it as `parent_id`; the county sets its
    own dates inside the city's window, its own document number and may add items.

    schedule: {"phases": {phase id: [start, end]}, "items": {item id: due}} as ISO dates,
        computed from the template and edited by the bureau before publishing.
    targets: {"industries": [...], "regions": [...], "enterprises": [ids]}: who gets tasks.
    sections: {item id: section id}: the section responsible for an item.
    extra_items: the county's own work items, in the template's item shape (with "phase").
    """

    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_tenant_id_status", "tenant_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("template_snapshots.id"), index=True)
    template_id: Mapped[str] = mapped_column(String(200))
    template_version: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(300))
    doc_no: Mapped[str] = mapped_column(String(100))
    notice_file_id: Mapped[int | None] = mapped_column(ForeignKey("files.id", ondelete="SET NULL"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    schedule: Mapped[dict] = mapped_column(JSON, default=dict)
    targets: Mapped[dict] = mapped_column(JSON, default=dict)
    sections: Mapped[dict] = mapped_column(JSON, default=dict)
    extra_items: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    snapshot: Mapped[TemplateSnapshot] = relationship()
    tenant: Mapped[Tenant] = relationship()

    @property
    def status_label(self) -> str:
        return CAMPAIGN_STATUSES.get(self.status, self.status)

    @property
    def plugin(self) -> str:
        return self.snapshot.plugin

    @property
    def tenant_name(self) -> str:
        return self.tenant.name

    def __repr__(self) -> str:
        return f"<Campaign {self.id} {self.template_id}@{self.template_version} {self.status}>"


class CampaignTask(TenantOwned, Base):
    """One work item of a campaign for one unit: an enterprise's own task, a section's
    inspection of that enterprise (`party` "section", still filed under the enterprise so the
    progress matrix is one table), or the bureau's own item (filed under the bureau).
    `data` holds what was handed in, field by field, as the item's fields declare."""

    __tablename__ = "campaign_tasks"
    __table_args__ = (UniqueConstraint("campaign_id", "item_id", "tenant_id"),
                      Index("ix_campaign_tasks_campaign_id_status", "campaign_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(100))
    party: Mapped[str] = mapped_column(String(16))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="SET NULL"))
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="assigned")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    comment: Mapped[str | None] = mapped_column(Text)  # the last review comment
    submitted_at: Mapped[datetime | None]
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    campaign: Mapped[Campaign] = relationship()
    tenant: Mapped[Tenant] = relationship()

    @property
    def status_label(self) -> str:
        return TASK_STATUSES.get(self.status, self.status)

    @property
    def tenant_name(self) -> str:
        return self.tenant.name

    @property
    def campaign_title(self) -> str:
        return self.campaign.title

    def overdue_on(self, today: date) -> bool:
        return self.status not in DONE and today > self.due_on


class Inspection(TenantOwned, Base):
    """督查检查: a section's on-site inspection of an enterprise (`tenant_id`) for a campaign,
    against the campaign's checklist. Its findings become hazards of the enterprise's ledger
    (tagged with the campaign) once, when the inspection is completed."""

    __tablename__ = "campaign_inspections"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_tasks.id", ondelete="SET NULL"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="SET NULL"))
    inspected_on: Mapped[date] = mapped_column(Date)
    inspectors: Mapped[str] = mapped_column(String(200))
    # [{"item": text, "ok": bool | None, "note": str}]
    answers: Mapped[list] = mapped_column(JSON, default=list)
    # [{"description", "location", "measures", "owner", "due_on", "level", "photos": [file ids]}]
    findings: Mapped[list] = mapped_column(JSON, default=list)
    hazard_ids: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    campaign: Mapped[Campaign] = relationship()
    tenant: Mapped[Tenant] = relationship()

    @property
    def status_label(self) -> str:
        return INSPECTION_STATUSES.get(self.status, self.status)
