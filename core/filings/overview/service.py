"""What a bureau supervises about emergency-plan filing: counts for the dashboard and the
lists behind them (awaiting review past the limit, deemed filed, evaluations due,
enterprises without a filing in force, drills overdue). A parent bureau sees its whole
subtree through the tenant scoping, broken down by filing bureau.

Every list is a Table, so the page and the xlsx export show the same rows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import exists, func, select

from core.calendar.service import working_days_between
from core.context import ServiceContext
from core.errors import NotFound
from core.filings.aftercare import service as aftercare
from core.filings.models import FILED_STATES, STATUSES, Filing, FilingEvaluation
from core.filings.review import service
from tenants.models import Tenant

VIEW_ROLES = ("admin", "reviewer", "viewer")
EVALUATION_WINDOW_DAYS = 90
NO_LIMIT = None

LISTS = {
    "filings": "预案备案",
    # A limit that has certainly passed makes the plan filed at once (deemed); what stays
    # past it is waiting for a year's holiday notice to confirm the limit.
    "overdue": "审查期限待确认的备案",
    "deemed": "逾期视为备案的备案",
    "evaluations": "评估到期或即将到期的预案",
    "unfiled": "没有有效备案的企业",
    "drills": "演练逾期的企业",
}


@dataclass
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list] = field(default_factory=list)
    # Page link of each row (the filing or the enterprise), None when there is none, shown on
    # the column named `link_column` (the plan's name where there is one).
    links: list[str | None] = field(default_factory=list)

    def add(self, row: list, link: str | None) -> None:
        self.rows.append(row)
        self.links.append(link)

    @property
    def link_column(self) -> int:
        return self.headers.index("预案名称") if "预案名称" in self.headers else 0

    def matching(self, q: str | None) -> "Table":
        """The rows with every word of `q` in one of their cells (the page's search box)."""
        words = (q or "").split()
        if not words:
            return self
        out = Table(self.name, self.title, self.headers)
        for row, link in zip(self.rows, self.links):
            text = " ".join("" if v is None else str(v) for v in row)
            if all(w in text for w in words):
                out.add(row, link)
        return out


@dataclass(frozen=True)
class BureauRow:
    bureau: str
    submitted: int
    overdue: int
    filed: int
    deemed: int


@dataclass(frozen=True)
class Summary:
    by_status: dict[str, int]
    counts: dict[str, int]          # list name → rows in it (except "filings")
    by_bureau: list[BureauRow]      # one row per filing bureau (a parent sees its counties)


def _require(ctx: ServiceContext) -> None:
    ctx.require(*VIEW_ROLES, bureau=True, message="只有应急管理局可以查看备案统计")


def _yes(flag: bool | None) -> str:
    return "待确认" if flag is None else ("是" if flag else "否")


def summary(ctx: ServiceContext, today: date | None = None) -> Summary:
    _require(ctx)
    today = today or service.beijing_today()
    service.deem_due(ctx, today)
    by_status = dict(ctx.session.execute(select(Filing.status, func.count(Filing.id)).group_by(Filing.status)).all())
    # Each figure is counted by the database from the conditions its list is read with.
    count = ctx.session.scalar
    counts = {"overdue": service.count_filings(ctx, "submitted", True, today=today),
              "deemed": count(select(func.count(Filing.id)).where(_DEEMED)),
              "evaluations": count(select(func.count(Filing.id)).where(*_evaluation_due(today))),
              "unfiled": count(select(func.count(Tenant.id)).where(*_UNFILED)),
              "drills": aftercare.count_overdue_drills(ctx, today)}
    late = (Filing.status == "submitted") & (Filing.review_due < today)
    rows = ctx.session.execute(
        select(Tenant.name,
               func.count(Filing.id).filter(Filing.status == "submitted"),
               func.count(Filing.id).filter(late),
               func.count(Filing.id).filter(Filing.status.in_(FILED_STATES)),
               func.count(Filing.id).filter(Filing.deemed_on.is_not(None)))
        .join(Tenant, Tenant.id == Filing.bureau_id).group_by(Tenant.id, Tenant.name, Tenant.path)
        .order_by(Tenant.path)).all()
    return Summary(by_status, counts, [BureauRow(*r) for r in rows])


def table(ctx: ServiceContext, name: str, today: date | None = None, *, status: str | None = None,
          overdue: bool | None = None, enterprise_id: int | None = None, q: str | None = None) -> Table:
    """The named list of LISTS as rows; `status`, `overdue`, `enterprise_id` and `q` filter
    the "filings" list like the filings page does."""
    _require(ctx)
    if name not in LISTS:
        raise NotFound("统计清单不存在")
    today = today or service.beijing_today()
    t = _BUILDERS[name](ctx, Table(name, LISTS[name], []), today, status=status, overdue=overdue,
                        enterprise_id=enterprise_id, q=q)
    return t if name == "filings" else t.matching(q)  # the filings list searches in SQL


def _bureau_names(ctx: ServiceContext) -> dict[int, str]:
    return dict(ctx.session.execute(select(Tenant.id, Tenant.name).where(Tenant.kind == "bureau")).all())


def _filings(ctx, t: Table, today: date, *, status=None, overdue=None, enterprise_id=None, q=None) -> Table:  # noqa: ANN001
    t.headers = ["企业名称", "统一社会信用代码", "预案名称", "状态", "公布日期", "收到日期", "审查期限", "审查逾期",
                 "逾期报备", "备案编号", "备案日期", "需修订", "下次评估", "备案机关"]
    bureaus = _bureau_names(ctx)
    for f in service.list_filings(ctx, status, overdue, enterprise_id, q=q, today=today, limit=NO_LIMIT):
        t.add([f.tenant.name, f.tenant.uscc, f.title, f.status_label, f.published_on, f.received_on, f.review_due,
               _yes(f.overdue(today)), _yes(f.late), f.filing_no, f.accepted_on or f.deemed_on,
               _yes(f.revision_needed), f.evaluation_due, bureaus.get(f.bureau_id, "")], f"/filings/{f.id}")
    return t


def _overdue(ctx, t: Table, today: date, **_) -> Table:  # noqa: ANN001
    t.headers = ["企业名称", "预案名称", "收到日期", "审查期限（估算）", "按估算已超期工作日", "备案机关"]
    bureaus = _bureau_names(ctx)
    for f in service.list_filings(ctx, "submitted", True, today=today, limit=NO_LIMIT):
        t.add([f.tenant.name, f.title, f.received_on, f.review_due, working_days_between(ctx.session, f.review_due, today),
               bureaus.get(f.bureau_id, "")], f"/filings/{f.id}")
    return t


_DEEMED = Filing.deemed_on.is_not(None)
# Active enterprises with no filing accepted or deemed (none in force).
_UNFILED = (Tenant.kind == "enterprise", Tenant.status == "active",
            ~exists().where(Filing.tenant_id == Tenant.id, Filing.status.in_(FILED_STATES)))


def _evaluation_due(today: date) -> tuple:
    """Filings in force whose 第三十五条 evaluation is due within EVALUATION_WINDOW_DAYS (or past)."""
    return (aftercare.in_force(),
            Filing.evaluation_due <= today + timedelta(days=EVALUATION_WINDOW_DAYS))


def _deemed(ctx, t: Table, today: date, **_) -> Table:  # noqa: ANN001
    t.headers = ["企业名称", "预案名称", "备案编号", "收到日期", "审查期限", "视为备案日期", "当前状态", "备案机关"]
    bureaus = _bureau_names(ctx)
    rows = ctx.session.scalars(select(Filing).where(_DEEMED)
                               .order_by(Filing.deemed_on.desc(), Filing.id.desc()))
    for f in rows:
        t.add([f.tenant.name, f.title, f.filing_no, f.received_on, f.review_due, f.deemed_on, f.status_label,
               bureaus.get(f.bureau_id, "")], f"/filings/{f.id}")
    return t


def _evaluations(ctx, t: Table, today: date, **_) -> Table:  # noqa: ANN001
    t.headers = ["企业名称", "预案名称", "备案编号", "公布日期", "上次评估", "评估到期日", "剩余天数", "情况"]
    due = list(ctx.session.scalars(select(Filing).where(*_evaluation_due(today))
                                   .order_by(Filing.evaluation_due, Filing.id)))
    last = dict(ctx.session.execute(select(FilingEvaluation.filing_id, func.max(FilingEvaluation.evaluated_on))
                                    .where(FilingEvaluation.filing_id.in_([f.id for f in due]))
                                    .group_by(FilingEvaluation.filing_id)).all()) if due else {}
    for f in due:
        left = (f.evaluation_due - today).days
        t.add([f.tenant.name, f.title, f.filing_no, f.published_on, last.get(f.id), f.evaluation_due, left,
               "已逾期" if left < 0 else ("今天到期" if left == 0 else "即将到期")], f"/filings/{f.id}")
    return t


def _unfiled(ctx, t: Table, today: date, **_) -> Table:  # noqa: ANN001
    t.headers = ["企业名称", "统一社会信用代码", "行业类别", "所属应急管理局", "最近一次备案", "最近一次备案状态"]
    bureaus = _bureau_names(ctx)
    enterprises = list(ctx.session.scalars(select(Tenant).where(*_UNFILED).order_by(Tenant.path)))
    latest: dict[int, Filing] = {}
    if enterprises:
        for f in ctx.session.scalars(select(Filing).where(Filing.tenant_id.in_([e.id for e in enterprises]))
                                     .order_by(Filing.id)):
            latest[f.tenant_id] = f
    for e in enterprises:
        f = latest.get(e.id)
        t.add([e.name, e.uscc, e.industry_label, bureaus.get(e.parent_id, ""), f.title if f else "未备案",
               STATUSES.get(f.status, f.status) if f else ""],
              f"/filings/{f.id}" if f else f"/tenants/{e.id}")
    return t


def _drills(ctx, t: Table, today: date, **_) -> Table:  # noqa: ANN001
    # One row per enterprise (the figure counts enterprises), its overdue obligations listed.
    t.headers = ["企业名称", "备案编号", "逾期的演练要求", "最早应完成日期", "已逾期天数"]
    for row in aftercare.overdue_drills(ctx, today):
        first = min(o.due for o in row.overdue)
        t.add([row.enterprise.name, row.filing.filing_no, "；".join(o.label for o in row.overdue), first,
               (today - first).days], f"/drills?enterprise={row.enterprise.id}")
    return t


_BUILDERS = {"filings": _filings, "overdue": _overdue, "deemed": _deemed, "evaluations": _evaluations,
             "unfiled": _unfiled, "drills": _drills}


@dataclass(frozen=True)
class EnterpriseView:
    """An enterprise's own filing situation for its dashboard."""
    in_force: Filing | None
    pending: Filing | None           # the latest filing not yet filed (draft, submitted, returned)
    overdue_drills: list
    evaluation_due: date | None
    next_step: str | None = None     # what the enterprise has to do on the pending filing


def enterprise_view(ctx: ServiceContext, today: date | None = None) -> EnterpriseView:
    today = today or service.beijing_today()
    tenant_id = ctx.actor.tenant_id
    service.deem_due(ctx, today)
    in_force = aftercare.filing_in_force(ctx, tenant_id)
    pending = ctx.session.scalar(select(Filing).where(Filing.tenant_id == tenant_id,
                                                      Filing.status.in_(("draft", "submitted", "returned")))
                                 .order_by(Filing.id.desc()).limit(1))
    drills = aftercare.drill_status(ctx, in_force, today).overdue if in_force else []
    return EnterpriseView(in_force, pending, drills, in_force.evaluation_due if in_force else None,
                          service.next_step(ctx, pending, today) if pending else None)
