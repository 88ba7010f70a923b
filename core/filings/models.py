"""Emergency-plan filings (应急预案备案): the filing, its materials, the bureau's returns,
the per-bureau number counter and the bureau's filing settings."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from core.files.models import StoredFile
from core.i18n import mark as _
from tenants.models import SharedDown, Tenant, TenantOwned

STATUSES = {
    "draft": _("草稿"),
    "submitted": _("待审查"),
    "returned": _("已退回补正"),
    "accepted": _("已备案"),
    "deemed": _("逾期视为备案"),
    "withdrawn": _("已撤回"),
    "superseded": _("已被新版本替代"),
}
# States in which the plan counts as filed (a number has been issued).
FILED_STATES = ("accepted", "deemed")
DEFAULT_NUMBER_FORMAT = "{short}备〔{year}〕第{seq:03d}号"


class Filing(TenantOwned, Base):
    """One filing of an enterprise's (`tenant_id`) plan set with its filing bureau
    (`bureau_id`, the enterprise's parent when the filing was created)."""

    __tablename__ = "filings"
    __table_args__ = (
        Index("ix_filings_tenant_id_status", "tenant_id", "status"),
        Index("ix_filings_bureau_id_status_review_due", "bureau_id", "status", "review_due"),
        # A number is issued once per bureau and year: the database refuses a duplicate even
        # if the counter were ever bypassed.
        UniqueConstraint("bureau_id", "filing_year", "filing_seq", name="uq_filings_bureau_id_year_seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bureau_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    published_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # Date of the latest (re)submission: the 5-working-day review clock runs from it.
    received_on: Mapped[date | None]
    review_due: Mapped[date | None]
    # True when the deadline was counted Monday–Friday for a year whose holidays are not loaded.
    review_due_estimated: Mapped[bool] = mapped_column(default=False)
    # The section routed to review it (its reviewers act), fixed at each (re)submission.
    review_section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="SET NULL"))
    # 第二十六条: the first submission came after the 20-working-day limit. None: not known
    # yet, because the count reaches a year whose holiday notice is not loaded.
    late: Mapped[bool | None] = mapped_column(default=False)
    first_submitted_on: Mapped[date | None]
    filing_no: Mapped[str | None] = mapped_column(String(100))
    filing_year: Mapped[int | None]
    filing_seq: Mapped[int | None]
    accepted_on: Mapped[date | None]
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # 审查意见: what the reviewer wrote when accepting.
    review_opinion: Mapped[str | None] = mapped_column(Text)
    deemed_on: Mapped[date | None]
    # 第三十七条 re-filing: the filing this version replaces; the old one becomes "superseded".
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id"), index=True)
    superseded_on: Mapped[date | None]
    revision_needed: Mapped[bool] = mapped_column(default=False)
    evaluation_due: Mapped[date | None]
    # The 备案登记表 as issued: {"content": {...}} fixed when the plan is filed, and its PDF
    # (then the copy marked invalid once superseded), each rendered once and kept.
    certificate: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    certificate_file_id: Mapped[int | None] = mapped_column(ForeignKey("files.id", ondelete="SET NULL"))
    superseded_certificate_file_id: Mapped[int | None] = mapped_column(ForeignKey("files.id", ondelete="SET NULL"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    # Lists show the enterprise of every filing: load them together, not one query per row.
    tenant: Mapped[Tenant] = relationship(foreign_keys="Filing.tenant_id", lazy="selectin")
    bureau: Mapped[Tenant] = relationship(foreign_keys=[bureau_id])

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def tenant_name(self) -> str:
        return self.tenant.name

    def overdue(self, today: date) -> bool:
        """The bureau's review is late: still awaiting review after the 5th working day."""
        return self.status == "submitted" and self.review_due is not None and today > self.review_due

    def __repr__(self) -> str:
        return f"<Filing {self.id} {self.status} {self.filing_no or ''}>"


class FilingMaterial(TenantOwned, Base):
    """One uploaded document of a filing, filed under a material key of rules.MATERIALS."""

    __tablename__ = "filing_materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id", ondelete="CASCADE"), index=True)
    material: Mapped[str] = mapped_column(String(32))
    # Which document it is, e.g. the name of a 专项应急预案 among several.
    name: Mapped[str | None] = mapped_column(String(200))
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id"), index=True)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    file: Mapped[StoredFile] = relationship()


class FilingReturn(TenantOwned, Base):
    """A return for correction (退回补正) with its one-time list of items (一次性告知)."""

    __tablename__ = "filing_returns"
    __table_args__ = (UniqueConstraint("filing_id", "round", name="uq_filing_returns_filing_id_round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id", ondelete="CASCADE"), index=True)
    round: Mapped[int]
    returned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    returned_at: Mapped[datetime] = mapped_column(default=utcnow)
    comment: Mapped[str | None] = mapped_column(Text)
    # [{"material": key of rules.MATERIALS, "note": str}]
    items: Mapped[list] = mapped_column(JSON, default=list)
    # The 补正告知书 as issued (content fixed at the return) and its PDF, rendered once.
    notice: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    notice_file_id: Mapped[int | None] = mapped_column(ForeignKey("files.id", ondelete="SET NULL"))


class FilingCounter(Base):
    """The last 备案编号 sequence issued by a bureau in a year. Not tenant-owned: it is only
    touched by the conditional UPDATE that allocates a number."""

    __tablename__ = "filing_counters"

    bureau_id: Mapped[int] = mapped_column(ForeignKey("tenants.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)


class FilingSettings(SharedDown, Base):
    """A bureau's (`tenant_id`) filing settings: number format and material requirements."""

    __tablename__ = "filing_settings"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Placeholders: {short} the bureau's short name, {year}, {seq} (format spec allowed).
    number_format: Mapped[str] = mapped_column(String(100), default=DEFAULT_NUMBER_FORMAT)
    # {material key: required} applied on top of rules.required_materials.
    # {"*" or industry: {material key: required}}: the industry's entry wins over "*", which
    # wins over rules.required_materials.
    material_overrides: Mapped[dict] = mapped_column(JSON, default=dict)
    # {industry: years}: evaluation cycle (第三十五条) where the bureau sets one.
    evaluation_years: Mapped[dict] = mapped_column(JSON, default=dict)
    # The section that receives every filing (备案窗口); None: each enterprise's supervising section.
    desk_section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


EVALUATION_CONCLUSIONS = {"keep": _("预案仍然适用，无需修订"), "revise": _("需要修订预案")}
DRILL_KINDS = {"comprehensive": _("综合应急预案演练"), "special": _("专项应急预案演练"), "onsite": _("现场处置方案演练")}


class FilingEvaluation(TenantOwned, Base):
    """An evaluation (评估, 第三十五条) of a filed plan set, with its report."""

    __tablename__ = "filing_evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id", ondelete="CASCADE"), index=True)
    evaluated_on: Mapped[date]
    conclusion: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str | None] = mapped_column(Text)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id"), index=True)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    file: Mapped[StoredFile] = relationship()

    @property
    def conclusion_label(self) -> str:
        return EVALUATION_CONCLUSIONS.get(self.conclusion, self.conclusion)


class RevisionTrigger(TenantOwned, Base):
    """A circumstance requiring revision (第三十六条) recorded against a filed plan set, and
    how it was settled: re-filed as a new version (第三十七条) or revised in place."""

    __tablename__ = "filing_revision_triggers"

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id", ondelete="CASCADE"), index=True)
    trigger: Mapped[str] = mapped_column(String(32))
    occurred_on: Mapped[date]
    description: Mapped[str] = mapped_column(Text)
    # Keys of rules.REFILING_CHANGES the revision touches; any → re-filing required.
    changes: Mapped[list] = mapped_column(JSON, default=list)
    requires_refiling: Mapped[bool] = mapped_column(default=False)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_on: Mapped[date | None]
    # "refiled" (a new version was filed) or "revised" (revised without re-filing).
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_filing_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id"))


class Drill(TenantOwned, Base):
    """An emergency drill (演练, 第三十三、三十四条) held by an enterprise, with its
    evaluation report."""

    __tablename__ = "drills"
    __table_args__ = (Index("ix_drills_tenant_id_kind_held_on", "tenant_id", "kind", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The filing in force when the drill was recorded (None: none was).
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    held_on: Mapped[date]
    # The special plan or on-site disposal plan drilled.
    plan_name: Mapped[str | None] = mapped_column(String(200))
    scenario: Mapped[str] = mapped_column(Text)
    participants: Mapped[int]
    participant_units: Mapped[str | None] = mapped_column(String(500))
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id"), index=True)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    file: Mapped[StoredFile] = relationship()

    @property
    def kind_label(self) -> str:
        return DRILL_KINDS.get(self.kind, self.kind)
