"""Tenants: bureaus and enterprises in one tree, plus the sections (股室队) inside a bureau."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from core.db import Base, utcnow


class TenantKind(str, enum.Enum):
    bureau = "bureau"
    enterprise = "enterprise"


KIND_LABELS = {"bureau": "应急管理局", "enterprise": "企业"}

# Industry categories decide which rules apply later (e.g. hazardous-chemical filings need a 评审).
INDUSTRIES = {
    "hazchem_production": "危险化学品生产",
    "hazchem_operation": "危险化学品经营",
    "hazchem_use": "危险化学品使用",
    "oil_gas": "油气开采",
    "non_coal_mine": "非煤矿山",
    "coal_mine": "煤矿",
    "metallurgy": "冶金工贸",
    "fireworks": "烟花爆竹",
    "other": "其他",
}
HAZCHEM_INDUSTRIES = {"hazchem_production", "hazchem_operation", "hazchem_use"}

STATUSES = {"active": "正常", "suspended": "停产", "closed": "注销"}


class Tenant(Base):
    """A node of the jurisdiction tree. `path` is the materialized path of ids, e.g. "/1/2/7/",
    so "this bureau and everything under it" is `path LIKE '/1/2/%'` on one index."""

    __tablename__ = "tenants"
    # varchar_pattern_ops lets PostgreSQL use the index for `LIKE 'prefix%'` under any collation.
    __table_args__ = (Index("ix_tenants_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),)

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(255), default="")
    region_code: Mapped[str] = mapped_column(String(6))
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    industry: Mapped[str | None] = mapped_column(String(32))
    address: Mapped[str | None] = mapped_column(String(300))
    principal: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(16), default="active")
    # Short bureau name used in document numbers later (e.g. 乌应急).
    short_name: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_bureau(self) -> bool:
        return self.kind == TenantKind.bureau.value

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def industry_label(self) -> str:
        return INDUSTRIES.get(self.industry or "", "")

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def __repr__(self) -> str:
        return f"<Tenant {self.id} {self.name}>"


class TenantOwned:
    """Mixin for every row that belongs to one tenant. tenants.scoping filters all ORM
    queries of these models to the caller's visible subtree."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("tenants.id"), index=True)


class Section(TenantOwned, Base):
    """股室队: an internal unit of a bureau (e.g. 危险化学品安全监管股) used for assignment."""

    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    duties: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SectionAssignment(TenantOwned, Base):
    """Which section of its bureau supervises an enterprise; `tenant_id` is the enterprise.
    A separate row (not a column on tenants) keeps the tenants ⇄ sections tables acyclic."""

    __tablename__ = "section_assignments"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"), index=True)
