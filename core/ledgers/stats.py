"""隐患统计: found, closed, 整改率, on-time rate, overdue, major open, under 挂牌督办 and
回头看 reopened — per enterprise, per section and per child unit of the caller's, with the
totals, by category and source, and a trend by month — and each unit's red and orange risk
points from the 安全风险分级管控清单.

Every number comes from SQL aggregates over the caller's tenant path: one scan of the
hazards grouped by (enterprise, category, source) — a few thousand aggregated rows even for
a city — which is then folded into every breakdown the page shows. Unless a view filters by
more than level, source, category or enterprise, that grouping is read from the tallies the
database keeps as hazards are written (models.HazardTally), not from the hazards: a city's
statistics then read a few thousand rows plus its open, overdue hazards, not its million.
No hazard row is ever loaded into Python."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy import and_, case, extract, func, select, text

from core.calendar.service import beijing_today
from core.context import ServiceContext
from core.errors import ValidationFailed
from core.ledgers.models import (
    OPEN_SQL,
    OPEN_STATES,
    Hazard,
    HazardMonth,
    HazardTally,
    LedgerRow,
)
from core.ledgers.service import ANY, RISKS, HazardFilter
from tenants.models import Section, SectionAssignment, Tenant, TenantKind

GROUPS = {"enterprise": "按企业", "child": "按下级单位", "section": "按监管股室"}
TREND_MONTHS = 12
VIEW_ROLES = ("admin", "reviewer", "viewer", "officer")


@dataclass
class Figures:
    found: int = 0
    closed: int = 0
    on_time: int = 0        # closed no later than its 整改期限
    overdue: int = 0        # open and past 整改期限 (derived from the date, never stored)
    major: int = 0
    major_open: int = 0
    supervised: int = 0     # 重大 under 挂牌督办, not yet closed
    reopened: int = 0       # 回头看发现反弹: closed once, found back by the bureau
    red: int = 0            # risk points of 重大风险 (红) on the 安全风险分级管控清单
    orange: int = 0         # … and of 较大风险 (橙)

    def add(self, other: Figures) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))

    @property
    def open(self) -> int:
        return self.found - self.closed

    @property
    def rate(self) -> float | None:
        """整改率: closed of found."""
        return self.closed / self.found if self.found else None

    @property
    def on_time_rate(self) -> float | None:
        """按期整改率: closed on time of closed."""
        return self.on_time / self.closed if self.closed else None


@dataclass(frozen=True)
class Row:
    id: int | None
    name: str
    figures: Figures
    # An enterprise without a single hazard on its ledger (seed 001: 企业未建立隐患台账).
    empty: bool = False


@dataclass(frozen=True)
class Month:
    month: str      # "2024-09"
    found: int
    closed: int


@dataclass(frozen=True)
class Stats:
    group: str
    today: date
    total: Figures
    rows: list[Row]
    by_category: list[Row]
    by_source: list[Row]
    trend: list[Month]
    without_ledger: int      # visible enterprises with no hazard at all


def _one(condition) -> object:  # noqa: ANN001
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _measures(today: date) -> list:
    closed = Hazard.status == "closed"
    return [func.count(Hazard.id), _one(closed), _one(and_(closed, Hazard.closed_on <= Hazard.due_on)),
            _one(and_(Hazard.status.in_(OPEN_STATES), Hazard.due_on < today)), _one(Hazard.level == "重大"),
            _one(and_(Hazard.level == "重大", ~closed)),
            _one(and_(Hazard.supervised_no.is_not(None), ~closed)), _one(Hazard.reopened > 0)]


def hazard_stats(ctx: ServiceContext, group: str = "enterprise", where: HazardFilter = ANY,
                 today: date | None = None) -> Stats:
    """The caller's statistics, broken down by `group` (enterprise, child or section)."""
    ctx.require(*VIEW_ROLES)
    if group not in GROUPS:
        raise ValidationFailed({"group": [f"分组须为{'、'.join(GROUPS)}之一"]})
    today = today or beijing_today()
    count = _counted(ctx, where, today)
    enterprises = {tid: (name, path) for tid, name, path in ctx.session.execute(
        select(Tenant.id, Tenant.name, Tenant.path).where(Tenant.kind == TenantKind.enterprise.value))}
    per_enterprise: dict[int, Figures] = defaultdict(Figures, count("tenant_id"))
    for tenant_id, red, orange in _risks(ctx, where.enterprise_id):
        per_enterprise[tenant_id].add(Figures(red=red, orange=orange))
    total = Figures()
    for figures in per_enterprise.values():
        total.add(figures)
    rows = _grouped(ctx, group, per_enterprise, enterprises)
    return Stats(group, today, total, rows, _named(count("category")), _named(count("source")),
                 _trend(ctx, where, today),
                 without_ledger=sum(1 for tid in enterprises if per_enterprise.get(tid, Figures()).found == 0))


# What the tallies are kept by: a filter on anything else reads the hazards themselves.
TALLY_FILTERS = ("level", "source", "category", "enterprise_id")


def _tallied(where: HazardFilter) -> bool:
    return all(getattr(where, f.name) in (None, "") for f in fields(where) if f.name not in TALLY_FILTERS)


def _counted(ctx: ServiceContext, where: HazardFilter, today: date):  # noqa: ANN202
    """count(key) → {value of key: Figures}, for key tenant_id, category or source: SQL
    aggregates grouped by the key, from the tallies when the filter allows (overdue, which
    depends on today, counted once from the open hazards by the partial index), else from
    the hazards themselves."""
    if not _tallied(where):
        def scanned(key: str) -> dict:
            column = getattr(Hazard, key)
            stmt = where.apply(select(column, *_measures(today)).group_by(column), today)
            return {k: Figures(*numbers) for k, *numbers in ctx.session.execute(stmt)}
        return scanned

    t = HazardTally

    def where_(stmt, model):  # noqa: ANN001, ANN202
        for name in ("level", "source", "category"):
            if getattr(where, name):
                stmt = stmt.where(getattr(model, name) == getattr(where, name))
        return stmt.where(model.tenant_id == where.enterprise_id) if where.enterprise_id else stmt

    def total(condition=None) -> object:  # noqa: ANN001
        return func.coalesce(func.sum(t.n if condition is None else case((condition, t.n), else_=0)), 0)

    overdue_rows = ctx.session.execute(where_(
        select(Hazard.tenant_id, Hazard.category, Hazard.source, func.count())
        .where(text(f"hazards.{OPEN_SQL}"), Hazard.due_on < today), Hazard)
        .group_by(Hazard.tenant_id, Hazard.category, Hazard.source)).all()

    def tallied(key: str) -> dict:
        column = getattr(t, key)
        out = {k: Figures(found, closed, on_time, 0, major, major_open, supervised, reopened)
               for k, found, closed, on_time, major, major_open, supervised, reopened in ctx.session.execute(where_(
                   select(column, total(), total(t.closed), total(t.on_time), total(t.level == "重大"),
                          total(and_(t.level == "重大", ~t.closed)), total(t.supervised), total(t.reopened)), t)
                   .group_by(column)) if found}
        at = ("tenant_id", "category", "source").index(key)
        for row in overdue_rows:
            out.setdefault(row[at], Figures()).overdue += row[3]
        return out
    return tallied


def _risks(ctx: ServiceContext, enterprise_id: int | None) -> list[tuple[int, int, int]]:
    """Each enterprise's red and orange risk points (重大风险, 较大风险), by SQL over the list."""
    level = LedgerRow.values["level"].as_string()
    stmt = (select(LedgerRow.tenant_id, _one(level == "重大风险"), _one(level == "较大风险"))
            .where(LedgerRow.ledger_type == RISKS.id).group_by(LedgerRow.tenant_id))
    if enterprise_id:
        stmt = stmt.where(LedgerRow.tenant_id == enterprise_id)
    return [tuple(r) for r in ctx.session.execute(stmt)]


def figures(ctx: ServiceContext, where: HazardFilter = ANY, today: date | None = None) -> Figures:
    """The totals alone (an enterprise's file, a dashboard card): one aggregate, no breakdown."""
    ctx.require(*VIEW_ROLES)
    today = today or beijing_today()
    return Figures(*ctx.session.execute(where.apply(select(*_measures(today)), today)).one())


def _named(by: dict[str, Figures]) -> list[Row]:
    return [Row(None, name, f) for name, f in sorted(by.items(), key=lambda kv: -kv[1].found)]


def _grouped(ctx: ServiceContext, group: str, per_enterprise: dict[int, Figures],
             enterprises: dict[int, tuple[str, str]]) -> list[Row]:
    if group == "enterprise":
        # Every visible enterprise, those without a ledger too (they are what a bureau chases).
        return [Row(tid, name, f, empty=f.found == 0)
                for tid, (name, _path) in sorted(enterprises.items(), key=lambda kv: kv[1][1])
                for f in [per_enterprise.get(tid, Figures())]]
    if group == "section":
        # The sections of the caller's units (not those shared down from a bureau above it).
        sections = dict(ctx.session.execute(select(Section.id, Section.name)
                                            .where(Section.tenant_id.in_(select(Tenant.id)))).all())
        assigned = dict(ctx.session.execute(select(SectionAssignment.tenant_id, SectionAssignment.section_id)).all())
        by: dict[int | None, Figures] = defaultdict(Figures)
        for tid, figures in per_enterprise.items():
            by[assigned.get(tid)].add(figures)
        return [Row(sid, sections.get(sid, "未分配股室"), by.get(sid, Figures()))
                for sid in [*sections, None] if sid in sections or sid in by]
    children = ctx.session.execute(select(Tenant.id, Tenant.name).where(Tenant.parent_id == ctx.actor.tenant_id)
                                   .order_by(Tenant.path)).all()
    own = ctx.session.scalar(select(Tenant.path).where(Tenant.id == ctx.actor.tenant_id)) or "/"
    by_child: dict[int, Figures] = defaultdict(Figures)
    for tid, figures in per_enterprise.items():
        # "/1/2/7/" under "/1/" belongs to child 2: the path's next id after the caller's own.
        below = enterprises[tid][1][len(own):] if tid in enterprises else ""
        if below:
            by_child[int(below.split("/", 1)[0])].add(figures)
    return [Row(cid, name, f, empty=f.found == 0) for cid, name in children for f in [by_child.get(cid, Figures())]]


def _trend(ctx: ServiceContext, where: HazardFilter, today: date) -> list[Month]:
    """Found and closed per month, the last TREND_MONTHS months up to this one."""
    months = []
    y, m = today.year, today.month
    for _ in range(TREND_MONTHS):
        months.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    months.reverse()
    since = date(*months[0], 1)

    def per_month(column) -> dict[tuple[int, int], int]:  # noqa: ANN001
        year, month = extract("year", column), extract("month", column)
        stmt = where.apply(select(year, month, func.count(Hazard.id)).where(column >= since)
                           .group_by(year, month), today)
        return {(int(a), int(b)): n for a, b, n in ctx.session.execute(stmt)}

    if _tallied(where) and not (where.level or where.source or where.category):
        # The months the triggers keep: no scan of the hazards.
        stmt = (select(HazardMonth.month, func.sum(HazardMonth.found), func.sum(HazardMonth.closed))
                .where(HazardMonth.month >= f"{since:%Y-%m}").group_by(HazardMonth.month))
        if where.enterprise_id:
            stmt = stmt.where(HazardMonth.tenant_id == where.enterprise_id)
        kept = {month: (found, closed) for month, found, closed in ctx.session.execute(stmt)}
        return [Month(key, *(int(v) for v in kept.get(key, (0, 0)))) for key in (f"{y}-{m:02d}" for y, m in months)]
    found, closed = per_month(Hazard.found_on), per_month(Hazard.closed_on)
    return [Month(f"{y}-{m:02d}", found.get((y, m), 0), closed.get((y, m), 0)) for y, m in months]
