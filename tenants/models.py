"""Tenants: bureaus and enterprises in one tree, plus the sections (股室队) inside a bureau."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from core.db import Base, utcnow
from core.i18n import mark as _


class TenantKind(str, enum.Enum):
    bureau = "bureau"
    enterprise = "enterprise"


KIND_LABELS = {"bureau": _("应急管理局"), "enterprise": _("企业")}

# Industry categories as the articles of 《生产安全事故应急预案管理办法》 name the units they
# cover (core.filings.rules reads them: who has plans reviewed, drills half-yearly, evaluates
# every three years).
INDUSTRIES = {
    "hazchem_production": _("危险化学品生产"),
    "hazchem_operation": _("危险化学品经营（带储存设施）"),
    "hazchem_trading": _("危险化学品经营（不带储存设施）"),
    "hazchem_storage": _("危险化学品储存"),
    "hazchem_transport": _("危险化学品运输"),
    "hazchem_use": _("危险化学品使用（化工企业）"),
    "oil_gas": _("油气开采"),
    "non_coal_mine": _("非煤矿山"),
    "coal_mine": _("煤矿"),
    "metallurgy": _("金属冶炼"),
    "fireworks": _("烟花爆竹生产"),
    "fireworks_wholesale": _("烟花爆竹批发经营"),
    "fireworks_retail": _("烟花爆竹零售经营"),
    "construction": _("建筑施工"),
    "urban_rail": _("城市轨道交通运营"),
    "crowded_place": _("人员密集场所经营（宾馆、商场、娱乐场所、旅游景区等）"),
    "other": _("其他"),
}
HAZCHEM_INDUSTRIES = {"hazchem_production", "hazchem_operation", "hazchem_trading", "hazchem_storage",
                      "hazchem_transport", "hazchem_use"}
# 统计上大中小微型企业划分: the size class 第二十一、三十五条 read ("中型规模以上").
SIZE_CLASSES = {"large": _("大型"), "medium": _("中型"), "small": _("小型"), "micro": _("微型")}

STATUSES = {"active": _("正常"), "suspended": _("停产"), "closed": _("注销")}


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
    # 法定代表人: the legal representative (a different role from the 主要负责人).
    legal_representative: Mapped[str | None] = mapped_column(String(50))
    phone: Mapped[str | None] = mapped_column(String(30))
    fax: Mapped[str | None] = mapped_column(String(30))
    postal_code: Mapped[str | None] = mapped_column(String(6))
    size_class: Mapped[str | None] = mapped_column(String(8))
    # 从业人员数: what a campaign's per-employee materials (剖析材料) are counted against.
    headcount: Mapped[int | None]
    # The bureau's own labels for an enterprise (重大危险源, 重点监管 …): campaigns target them.
    tags: Mapped[list | None] = mapped_column(JSON)
    # 使用危险化学品达到国家规定数量 (第二十一、三十五条), for hazardous-chemical users.
    hazchem_quantity: Mapped[bool] = mapped_column(default=False)
    # 第十五条: the bureau found the unit's risk single and low, so it may file only its
    # 现场处置方案; the reason is kept (and audited) with the finding.
    single_low_risk: Mapped[bool] = mapped_column(default=False)
    single_low_risk_reason: Mapped[str | None] = mapped_column(Text)
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
    def size_label(self) -> str:
        return SIZE_CLASSES.get(self.size_class or "", "")

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def __repr__(self) -> str:
        return f"<Tenant {self.id} {self.name}>"


def _tenant_column() -> Mapped[int]:
    return mapped_column(ForeignKey("tenants.id"), index=True)


class TenantOwned:
    """Mixin for every row that belongs to one tenant. tenants.scoping filters all ORM
    queries of these models to the caller's visible subtree. A model may redeclare
    `tenant_id` as nullable (audit events, plugin failures): rows without a tenant are the
    system's and visible to no tenant."""

    # Declared on each mixin itself: SQLAlchemy reads a declared_attr inherited from a
    # plain base class as unmanaged when scoping names the mixin.
    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805
        return _tenant_column()


class SharedDown:
    """Mixin for rows a bureau shares with every tenant below it (its sections, its filing
    and plugin settings; next its campaigns, notices and templates): visible to the owner's
    subtree as TenantOwned rows are and, read-only, to every tenant below the owner.
    tenants.scoping applies the rule; nobody reads them unscoped."""

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805
        return _tenant_column()


class Section(SharedDown, Base):
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
