"""How far a campaign has come: the progress matrix (enterprises × work items), the
roll-up of a city's campaign over its counties', the summary (总结报告 annex) and the xlsx
export of the matrix with every problem ledger."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from core.calendar.service import beijing_today
from core.campaigns import service as campaigns
from core.campaigns.models import DONE, TASK_STATUSES, Campaign, CampaignTask
from core.campaigns.rules import Item
from core.context import ServiceContext
from core.errors import NotFound
from core.exports import XLSX, export, render_workbook
from core.ledgers import service as ledgers
from core.ledgers.models import Hazard
from tenants.models import INDUSTRIES, Section, SectionAssignment, Tenant


@dataclass(frozen=True)
class Cell:
    task_id: int
    status: str
    overdue: bool

    @property
    def label(self) -> str:
        return TASK_STATUSES.get(self.status, self.status)


@dataclass
class Row:
    tenant_id: int
    name: str
    industry: str
    section: str
    cells: dict[str, Cell] = field(default_factory=dict)

    @property
    def done(self) -> int:
        return sum(c.status == "accepted" for c in self.cells.values())

    @property
    def total(self) -> int:
        return len(self.cells)


@dataclass(frozen=True)
class Tally:
    """Tasks of one column, one county or the whole campaign."""

    total: int = 0
    done: int = 0
    submitted: int = 0
    returned: int = 0
    overdue: int = 0

    @property
    def rate(self) -> float | None:
        return self.done / self.total if self.total else None


@dataclass
class Matrix:
    campaign: Campaign
    items: list[Item]                    # the columns: enterprise and section items
    rows: list[Row]
    columns: dict[str, Tally]
    overall: Tally
    bureau_tasks: list[CampaignTask]     # the bureau's own items
    counties: list[tuple[Campaign | None, Tenant, Tally]]  # a city's: each county's campaign (None: not adopted)


def _tally(cells: list[Cell]) -> Tally:
    c = Counter(x.status for x in cells)
    return Tally(len(cells), c["accepted"], c["submitted"], c["returned"], sum(x.overdue for x in cells))


def matrix(ctx: ServiceContext, campaign_id: int, *, section_id: int | None = None,
           industry: str | None = None) -> Matrix:
    """Enterprises × work items with each task's state, overdue marked, completion per row
    and column; filtered by the supervising section and by industry. A city's campaign
    rolls up its counties' adopted campaigns instead."""
    campaign = campaigns.get_campaign(ctx, campaign_id)
    ctx.require(bureau=True, message="进度矩阵由应急管理局查看；企业请在专项整治页面查看本企业的工作")
    today = beijing_today()
    its = campaigns.items(ctx, campaign)
    columns = [it for it in its if it.party != "bureau"]
    stmt = (select(CampaignTask.id, CampaignTask.tenant_id, CampaignTask.item_id, CampaignTask.status,
                   CampaignTask.due_on, CampaignTask.party, Tenant.name, Tenant.industry, Section.name)
            .join(Tenant, Tenant.id == CampaignTask.tenant_id)
            .outerjoin(SectionAssignment, SectionAssignment.tenant_id == CampaignTask.tenant_id)
            .outerjoin(Section, Section.id == SectionAssignment.section_id)
            .where(CampaignTask.campaign_id == campaign.id, CampaignTask.party != "bureau"))
    if section_id:
        stmt = stmt.where(SectionAssignment.section_id == section_id)
    if industry:
        stmt = stmt.where(Tenant.industry == industry)
    rows: dict[int, Row] = {}
    for tid, tenant_id, item_id, status, due_on, _party, name, ind, section in ctx.session.execute(
            stmt.order_by(Tenant.name, CampaignTask.id)):
        row = rows.setdefault(tenant_id, Row(tenant_id, name, INDUSTRIES.get(ind or "", ""), section or ""))
        row.cells[item_id] = Cell(tid, status, status not in DONE and today > due_on)
    by_item: dict[str, list[Cell]] = defaultdict(list)
    for row in rows.values():
        for item_id, cell in row.cells.items():
            by_item[item_id].append(cell)
    bureau_tasks = list(ctx.session.scalars(select(CampaignTask).where(
        CampaignTask.campaign_id == campaign.id, CampaignTask.party == "bureau").order_by(CampaignTask.id)))
    return Matrix(campaign, columns, list(rows.values()), {it.id: _tally(by_item[it.id]) for it in columns},
                  _tally([c for cells in by_item.values() for c in cells]), bureau_tasks,
                  _counties(ctx, campaign, today) if campaigns.cascades(ctx, campaign) else [])


def _counties(ctx: ServiceContext, campaign: Campaign, today: date) -> list[tuple[Campaign | None, Tenant, Tally]]:
    """Each bureau below: its adopted campaign and its tasks' tally (read through the city's
    scope, which covers the counties)."""
    kids = {c.tenant_id: c for c in campaigns.children(ctx, campaign)}
    bureaus = ctx.session.scalars(select(Tenant).where(Tenant.parent_id == campaign.tenant_id,
                                                       Tenant.kind == "bureau").order_by(Tenant.id)).all()
    counts: dict[int, list[Cell]] = defaultdict(list)
    if kids:
        for cid, status, due_on in ctx.session.execute(select(
                CampaignTask.campaign_id, CampaignTask.status, CampaignTask.due_on).where(
                CampaignTask.campaign_id.in_([c.id for c in kids.values()]), CampaignTask.party != "bureau")):
            counts[cid].append(Cell(0, status, status not in DONE and today > due_on))
    return [(kids.get(b.id), b, _tally(counts[kids[b.id].id]) if b.id in kids else Tally()) for b in bureaus]


@dataclass(frozen=True)
class Summary:
    campaign: Campaign
    matrix: Matrix
    found: int
    closed: int
    overdue_problems: int

    @property
    def rate(self) -> float | None:
        """整改率: problems closed of problems found."""
        return self.closed / self.found if self.found else None


def _campaign_ids(ctx: ServiceContext, campaign: Campaign) -> list[int]:
    return [campaign.id, *(c.id for c in campaigns.children(ctx, campaign))]


def summary(ctx: ServiceContext, campaign_id: int) -> Summary:
    """The campaign's figures, printable as the annex of the 总结报告: tasks by state, the
    problems its self-checks and inspections found and closed, 整改率 — a city's over its
    counties' campaigns."""
    m = matrix(ctx, campaign_id)
    ids = _campaign_ids(ctx, m.campaign)
    today = beijing_today()
    found, closed, late = ctx.session.execute(select(
        func.count(Hazard.id), func.count(Hazard.id).filter(Hazard.status == "closed"),
        func.count(Hazard.id).filter(Hazard.status != "closed", Hazard.due_on < today))
        .where(Hazard.campaign_id.in_(ids))).one()
    return Summary(m.campaign, m, found or 0, closed or 0, late or 0)


def _other_ledgers(ctx: ServiceContext, campaign: Campaign) -> list[tuple[str, list[str], list[list]]]:
    """A sheet for each problem ledger of a plugin's ledger type the campaign's items name:
    the rows uploaded for the campaign, by enterprise."""
    types = {f["ledger"] for it in campaigns.items(ctx, campaign) for f in it.fields
             if f["type"] == "ledger" and f["ledger"] != ledgers.HAZARDS.id}
    names = dict(ctx.session.execute(select(Tenant.id, Tenant.name)).all()) if types else {}
    out = []
    for type_id in sorted(types):
        try:
            lt = ledgers.ledger_type(ctx, type_id)
        except NotFound:
            continue
        rows = ledgers.list_rows(ctx, lt, campaign_id=campaign.id, limit=100_000)
        out.append((lt.title[:31], ["企业", *(col.header for col in lt.columns)],
                    [[names.get(r.tenant_id, ""), *ledgers.cells(lt, r.values)] for r in rows]))
    return out


def export_campaign(ctx: ServiceContext, campaign_id: int, format_id: str = "xlsx") -> tuple[bytes, str, str]:
    """(content, file name, content type). In xlsx: the matrix, each county's progress (a
    city's), the problem ledger (hazards found by the campaign, per enterprise) and the
    bureau's own problem ledgers (问题台账 written in its tasks), a sheet each. In another
    format (a plugin's, one table): the matrix."""
    m = matrix(ctx, campaign_id)
    c = m.campaign
    head = ["企业", "行业", "监管股室", *[it.title for it in m.items], "已完成", "应完成"]
    grid = [[r.name, r.industry, r.section,
             *[(cell.label + ("（逾期）" if cell.overdue else "")) if (cell := r.cells.get(it.id)) else "—"
               for it in m.items], r.done, r.total] for r in m.rows]
    county_rows = [[b.name, k.doc_no if k else "未转发", t.total, t.done, t.overdue,
                    round(t.rate * 100, 1) if t.rate is not None else None] for k, b, t in m.counties]
    hazards = ctx.session.execute(select(Hazard, Tenant.name).join(Tenant, Tenant.id == Hazard.tenant_id)
                                  .where(Hazard.campaign_id.in_(_campaign_ids(ctx, c)))
                                  .order_by(Tenant.name, Hazard.code)).all()
    problems = [[t.name, h.code, h.source, h.found_on, h.location, h.description, h.measures, h.owner, h.due_on,
                 h.status_label, h.closed_on] for h, t in hazards]
    own = [[it_title, p["problem"], p["measures"], p["owner"], date.fromisoformat(p["due_on"]),
            "已整改" if p.get("done") else "整改中"]
           for task in m.bureau_tasks
           for it_title in [next((i.title for i in campaigns.items(ctx, c) if i.id == task.item_id), task.item_id)]
           for value in (task.data or {}).values() if isinstance(value, list)
           for p in value if isinstance(p, dict) and "problem" in p]
    if format_id != "xlsx":
        return export(ctx, format_id, f"{c.title}-进度", head, grid)
    sheets = [("进度", head, grid),
              ("问题台账", ["企业", "隐患编号", "来源", "发现日期", "部位", "问题描述", "整改措施", "整改责任人",
                        "整改期限", "状态", "销号日期"], problems),
              ("本局问题台账", ["工作内容", "问题", "整改措施", "责任单位（人）", "整改期限", "整改情况"], own)]
    if county_rows:
        sheets.insert(1, ("各旗县进度", ["单位", "文号", "任务数", "已完成", "逾期", "完成率（%）"], county_rows))
    sheets += _other_ledgers(ctx, c)
    return render_workbook(sheets), f"{c.title}-{c.doc_no}.xlsx", XLSX.content_type
