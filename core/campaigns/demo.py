"""Demo campaign: 鄂尔多斯市 launches the 危险化学品生产安全事故警示月 专项整治 (seed 004's
鄂安办发〔2024〕67号) and 乌审旗 adopts it as 乌应急发〔2024〕56号. Its dates are moved so the
campaign is running today (started 16 days ago): the demo shows live deadlines, not a
finished 2024. The enterprises stand in different states — 宏达甲醇 done with its
警示教育 and 专项检查 (one finding in the problem ledger), 苏力格 returned, 图克 overdue on its
动员部署, 纳林河 started and otherwise not — and 危险化学品安全监管股's inspection of 宏达 put
two findings in its problem ledger.

Idempotent: nothing is done when the city already runs the template. Loaded by `anjian demo`
only (the test suite's demo database has no campaign)."""
from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select

from core.calendar.service import beijing_today
from core.campaigns import inspections, service, tasks
from core.campaigns.models import Campaign, CampaignTask
from core.context import ServiceContext
from core.pdf import demo_pdf
from tenants.models import Tenant
from tenants.scoping import Scope

TEMPLATE = "hazchem_warning_month.warning_month"
CITY_DOC, COUNTY_DOC = "鄂安办发〔2024〕67号", "乌应急发〔2024〕56号"
STARTED_DAYS_AGO = 16
HONGDA, SULIGE, TUKE, NALINHE = ("91150626MA0N1H2K6K", "91150626MA0N3B7Q1R", "91150626MA0Q8L4C5M",
                                 "91150626MA13T6W93T")


def load_demo_campaigns(db, today: date | None = None) -> int:  # noqa: ANN001
    """Launch, adopt and work the demo campaign; returns how many campaigns were made."""
    today = today or beijing_today()
    start = (today - timedelta(days=STARTED_DAYS_AGO)).isoformat()
    opened = []

    def acting(tenant_id: int, role: str) -> ServiceContext:
        s = db.session(Scope.system())
        opened.append(s)
        return ServiceContext.acting_for(s, s.get(Tenant, tenant_id), role)

    try:
        s = db.session(Scope.system())
        opened.append(s)
        city = s.scalar(select(Tenant).where(Tenant.kind == "bureau", Tenant.region_code == "150600"))
        county = s.scalar(select(Tenant).where(Tenant.kind == "bureau", Tenant.region_code == "150626"))
        if city is None or county is None or s.scalar(select(Campaign.id).where(Campaign.tenant_id == city.id,
                                                                                Campaign.template_id == TEMPLATE)):
            return 0
        ctx = acting(city.id, "admin")
        launched = service.launch_campaign(ctx, {"template_id": TEMPLATE, "starts_on": start, "doc_no": CITY_DOC})
        service.publish_campaign(ctx, launched.id, launched.version)
        ctx.session.commit()
        wsq = acting(county.id, "admin")
        own = service.launch_campaign(wsq, {"adopt_from": launched.id, "starts_on": start, "doc_no": COUNTY_DOC})
        service.publish_campaign(wsq, own.id, own.version)
        wsq.session.commit()
        ents = {t.uscc: t for t in s.scalars(select(Tenant).where(Tenant.parent_id == county.id))}
        _work(acting, own.id, ents, today)
        return 2
    finally:
        for session in opened:
            session.close()


def _work(acting, campaign_id: int, ents: dict[str, Tenant], today: date) -> None:  # noqa: ANN001
    def task(uscc: str, item: str) -> tuple[ServiceContext, CampaignTask]:
        ctx = acting(ents[uscc].id, "officer")
        found = ctx.session.scalar(select(CampaignTask).where(CampaignTask.campaign_id == campaign_id,
                                                              CampaignTask.item_id == item,
                                                              CampaignTask.tenant_id == ents[uscc].id))
        return ctx, found

    def fill(uscc: str, item: str, values: dict, files: dict[str, int] | None = None, then: str | None = None) -> int:
        ctx, t = task(uscc, item)
        tasks.save_task(ctx, t.id, values, t.version)
        for field, n in (files or {}).items():
            for k in range(n):
                tasks.add_file(ctx, t.id, field, io.BytesIO(demo_pdf(f"{item} {field} {k + 1}")), f"{field}-{k + 1}.pdf")
        if then:
            tasks.transition(ctx, t.id, then, tasks.get_task(ctx, t.id).version)
        ctx.session.commit()
        return t.id

    def review(task_id: int, action: str, comment: str | None = None) -> None:
        ctx = acting(ents[HONGDA].parent_id, "admin")
        tasks.transition(ctx, task_id, action, tasks.get_task(ctx, task_id).version, comment)
        ctx.session.commit()

    day = (today - timedelta(days=STARTED_DAYS_AGO - 2)).isoformat()
    education = {"briefing_date": day, "attendance": 0, "cases": "集中观看“9·7”事故警示教育片，宣讲2016年以来全市危险化学品事故案例",
                 "group_discussion": "按车间分四组研讨，结合本岗位查找安全意识和责任落实方面的不足"}
    for uscc in (HONGDA, NALINHE):
        fill(uscc, "mobilize_meeting", {"meeting_date": day}, {"plan": 1}, "complete")
    hongda = ents[HONGDA]
    fill(HONGDA, "warning_education", {**education, "attendance": hongda.headcount},
         {"photos": 1, "self_analyses": hongda.headcount or 0}, "submit")
    review(task(HONGDA, "warning_education")[1].id, "accept")
    # 专项检查 of 宏达: one item found wanting goes to the problem ledger.
    ctx, t = task(HONGDA, "special_check")
    checks = [f for f in tasks.view(ctx, t.id).item.fields if f["type"] == "checklist"]
    answers = {f["id"]: {str(i): {"answer": "yes"} for i in range(len(f["items"]))} for f in checks}
    answers[checks[0]["id"]]["0"] = {"answer": "no", "note": "甲醇合成岗位操作规程缺少紧急停车步骤",
                                     "measures": "修订操作规程并组织岗位培训", "owner": "生产部 刘强",
                                     "due_on": (today + timedelta(days=15)).isoformat()}
    fill(HONGDA, "special_check", answers, then="submit")
    sulige = fill(SULIGE, "warning_education", {**education, "attendance": ents[SULIGE].headcount},
                  {"photos": 1, "self_analyses": ents[SULIGE].headcount or 0}, "submit")
    review(sulige, "return", "个人剖析材料缺少班子成员的，请补齐后重新提交")
    # 危险化学品安全监管股 inspects 宏达 on site: two findings.
    bureau = acting(hongda.parent_id, "admin")
    inspect = bureau.session.scalar(select(CampaignTask).where(CampaignTask.campaign_id == campaign_id,
                                                               CampaignTask.item_id == "inspection",
                                                               CampaignTask.tenant_id == hongda.id))
    found = inspections.start_inspection(bureau, inspect.id)
    found = inspections.save_inspection(bureau, found.id, {
        "inspected_on": (today - timedelta(days=3)).isoformat(), "inspectors": "危险化学品安全监管股 张伟、李明",
        "answers": {str(n): {"answer": "yes"} for n in range(len(found.answers))},
        "findings": [{"description": "甲醇罐区可燃气体检测报警器未按期检定", "location": "甲醇罐区", "measures": "送检并建立检定台账",
                      "owner": "设备部 王磊", "due_on": (today + timedelta(days=10)).isoformat()},
                     {"description": "动火作业票未附气体分析记录", "location": "合成车间", "measures": "规范作业票证管理，补充气体分析",
                      "owner": "安全部 赵刚", "due_on": (today + timedelta(days=7)).isoformat()}]}, found.version)
    inspections.complete_inspection(bureau, found.id, found.version)
    bureau.session.commit()
