"""Ledger rows and the uploads that brought them.

The standard 隐患排查治理台账 is a table of its own with a column per declared column, so the
loop's states and the statistics (整改率, overdue, major open, by category and source) are
plain SQL over the tenant path. Overdue is never stored: it is derived from 整改期限."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.calendar.service import beijing_today
from core.db import Base, utcnow
from core.i18n import mark as _
from tenants.models import TenantOwned

# 排查→登记→整改→验收→销号: a hazard is registered (登记), rectified (整改中), awaiting
# verification (待验收) and closed (销号); a failed verification sends it back to 整改中.
HAZARD_STATES = {"registered": _("登记"), "rectifying": _("整改中"), "to_verify": _("待验收"), "closed": _("销号")}
OPEN_STATES = ("registered", "rectifying", "to_verify")
# The same as SQL text with its values inline: the predicate of the partial index on open
# hazards, which a query must state literally for the planner to use the index.
OPEN_SQL = "status IN ('registered', 'rectifying', 'to_verify')"


class Hazard(TenantOwned, Base):
    """One row of an enterprise's 隐患排查治理台账 (core/ledgers/standard.py declares its
    columns; the attribute names are the declaration's column ids)."""

    __tablename__ = "hazards"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_hazards_tenant_id_code"),
                      Index("ix_hazards_tenant_id_status_due_on", "tenant_id", "status", "due_on"),
                      # The open hazards by 整改期限, with what the statistics group them by: overdue
                      # is counted from this index alone (the tallies keep everything else).
                      Index("ix_hazards_open_due_on", "due_on", "tenant_id", "category", "source",
                            sqlite_where=text(OPEN_SQL), postgresql_where=text(OPEN_SQL)))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50))
    source: Mapped[str] = mapped_column(String(20))
    found_on: Mapped[date] = mapped_column(Date)
    found_by: Mapped[str] = mapped_column(String(50))
    department: Mapped[str] = mapped_column(String(100))
    location: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(1000))
    category: Mapped[str] = mapped_column(String(10))
    level: Mapped[str] = mapped_column(String(4))
    basis: Mapped[str | None] = mapped_column(String(300))
    measures: Mapped[str] = mapped_column(String(1000))
    owner: Mapped[str] = mapped_column(String(50))
    due_on: Mapped[date] = mapped_column(Date)
    funds: Mapped[float | None] = mapped_column(Float)
    interim: Mapped[str | None] = mapped_column(String(500))
    completed_on: Mapped[date | None] = mapped_column(Date)
    verified_by: Mapped[str | None] = mapped_column(String(50))
    verified_on: Mapped[date | None] = mapped_column(Date)
    verdict: Mapped[str | None] = mapped_column(String(500))
    risk_point: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(16), default="registered")
    # 重大隐患治理方案 (目标任务、方法措施、经费物资、机构人员、时限要求、安全措施、应急预案), required
    # before its rectification starts.
    plan: Mapped[dict | None] = mapped_column(JSON)
    closed_on: Mapped[date | None] = mapped_column(Date)
    # 整改回头看: how often the bureau found it back after closing (反弹).
    reopened: Mapped[int] = mapped_column(default=0)
    # 挂牌督办 of a 重大 hazard by its bureau: the document, its deadline and the section
    # that follows it up. Lifted (all four cleared) only by closing the hazard.
    supervised_no: Mapped[str | None] = mapped_column(String(60))
    supervised_on: Mapped[date | None] = mapped_column(Date)
    supervised_due: Mapped[date | None] = mapped_column(Date)
    supervised_section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="SET NULL"))
    # sha256 of the declared values as last stored: an upload tells unchanged rows by it.
    digest: Mapped[str] = mapped_column(String(64))
    # The upload that last wrote the row. Not a foreign key on purpose: the bulk path would
    # check it for each of 100,000 rows, though the import itself wrote the record it names.
    import_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The campaign (专项整治) whose self-check or inspection found it: its problem ledger. No
    # foreign key: on SQLite adding one rebuilds the table, which would drop the tally triggers.
    campaign_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def status_label(self) -> str:
        return HAZARD_STATES.get(self.status, self.status)

    @property
    def supervised(self) -> bool:
        """Under 挂牌督办 now (closing lifts it)."""
        return self.supervised_no is not None and self.status != "closed"

    @property
    def overdue(self) -> bool:
        """Past 整改期限 and not closed, on Beijing's today (derived: never stored)."""
        return self.status in OPEN_STATES and self.due_on < beijing_today()


class HazardTally(TenantOwned, Base):
    """How many of an enterprise's hazards share one combination of what the statistics
    count (category, source, level, closed, closed on time, under 挂牌督办, reopened), kept
    by database triggers on every write to `hazards` (migration 0020: statement-level with
    transition tables on PostgreSQL, so a COPY of 100,000 rows updates it once; row-level on
    SQLite). A city's figures read these few thousand rows instead of a million hazards;
    overdue, which depends on today, is still counted from the hazards themselves."""

    __tablename__ = "hazard_tallies"
    __table_args__ = (UniqueConstraint("tenant_id", "category", "source", "level", "closed", "on_time", "supervised",
                                       "reopened", name="uq_hazard_tallies_dims"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(4))
    closed: Mapped[bool] = mapped_column()
    on_time: Mapped[bool] = mapped_column()
    supervised: Mapped[bool] = mapped_column()
    reopened: Mapped[bool] = mapped_column()
    n: Mapped[int] = mapped_column(Integer)


class HazardMonth(TenantOwned, Base):
    """An enterprise's hazards found and closed in one month ("2024-09"), kept by the same
    triggers as the tallies: the statistics' trend by month."""

    __tablename__ = "hazard_months"
    __table_args__ = (UniqueConstraint("tenant_id", "month", name="uq_hazard_months_tenant_id_month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    found: Mapped[int] = mapped_column(Integer)
    closed: Mapped[int] = mapped_column(Integer)


# What a photo or file shows of a hazard's rectification: the hazard as found (整改前), a
# 重大 hazard's 治理方案 as a document, the work done (整改后), the enterprise's verification,
# and the bureau's own check (核查/回头看).
EVIDENCE_STAGES = {"found": _("整改前"), "plan": _("治理方案"), "rectified": _("整改后"), "verified": _("验收"),
                   "inspection": _("监管核查")}


class HazardEvidence(TenantOwned, Base):
    """A photo or file kept with a hazard at one stage of its rectification (through the
    files area, filed under the enterprise); `tenant_id` is the enterprise's."""

    __tablename__ = "hazard_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("files.id"))
    stage: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def stage_label(self) -> str:
        return EVIDENCE_STAGES.get(self.stage, self.stage)


EXTENSION_STATES = {"pending": _("待审批"), "approved": _("已同意"), "rejected": _("未同意")}


class HazardExtension(TenantOwned, Base):
    """An enterprise's request to move a 重大 hazard's 整改期限, and the bureau's answer
    (approved moves the deadline; rejected keeps it, with the reason). `tenant_id` is the
    enterprise's; one request at a time is pending."""

    __tablename__ = "hazard_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"), index=True)
    previous_due: Mapped[date] = mapped_column(Date)
    requested_due: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decision: Mapped[str | None] = mapped_column(String(500))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column()
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def status_label(self) -> str:
        return EXTENSION_STATES.get(self.status, self.status)


class LedgerRow(TenantOwned, Base):
    """A row of any ledger type other than the hazard ledger — the 安全风险分级管控清单 and
    the types plugins declare (应急物资台账 …): its declared values by column id (dates as
    ISO text), upserted by enterprise + type + key as the hazard ledger is."""

    __tablename__ = "ledger_rows"
    __table_args__ = (UniqueConstraint("tenant_id", "ledger_type", "key", name="uq_ledger_rows_tenant_id_ledger_type_key"),
                      Index("ix_ledger_rows_ledger_type_tenant_id", "ledger_type", "tenant_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ledger_type: Mapped[str] = mapped_column(String(100))
    key: Mapped[str] = mapped_column(String(100))
    values: Mapped[dict] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    import_id: Mapped[int | None] = mapped_column(Integer)   # not a foreign key: see Hazard.import_id
    # The campaign whose problem-ledger task the row was uploaded for, as Hazard.campaign_id.
    campaign_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class LedgerImport(TenantOwned, Base):
    """One upload of a ledger file: stored, rejected (with its errors and the annotated
    copy) or a dry run's preview. Kept whatever the outcome, so the errors can be read and
    downloaded afterwards."""

    __tablename__ = "ledger_imports"
    __table_args__ = (Index("ix_ledger_imports_tenant_id_id", "tenant_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ledger_type: Mapped[str] = mapped_column(String(100))
    type_version: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))          # stored | rejected | preview
    rows: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(String(500))   # why the file as a whole was refused
    # The first errors as [{"row", "column", "message"}]; all of them are in the annotated copy.
    errors: Mapped[list] = mapped_column(JSON, default=list)
    error_file_id: Mapped[int | None] = mapped_column(ForeignKey("files.id", ondelete="SET NULL"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
