"""Demo filings in every state, so the dashboards and lists have something to show: filed
with drills, due for evaluation with a drill overdue, awaiting review,
deemed filed, returned with a one-time list, re-filed (one version superseding another),
and a draft. Dates are set relative to `today` through the services' `today=` arguments.

Idempotent: an enterprise that already has filings is left alone. Loaded by `anjian demo`
only (the test suite's demo database has no filings, so tests start from a clean state).
"""
from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import select

from core.calendar.service import is_workday
from core.context import ServiceContext
from core.filings import rules
from core.filings.aftercare import service as aftercare
from core.filings.models import Filing
from core.filings.review import service
from core.pdf import demo_pdf
from tenants.models import Tenant
from tenants.scoping import Scope

PLAN = "生产安全事故应急预案"
ONSITE = ("储罐泄漏现场处置方案", "装卸区火灾现场处置方案")


class _Demo:
    def __init__(self, db, today: date):  # noqa: ANN001
        self.db, self.today = db, today
        self.session = db.session(Scope.system())
        self.opened = [self.session]
        self.count = 0

    def ctx(self, uscc_or_region: str, role: str) -> ServiceContext:
        s = self.db.session(Scope.system())
        self.opened.append(s)
        tenant = s.scalar(select(Tenant).where((Tenant.uscc == uscc_or_region)
                                               | ((Tenant.region_code == uscc_or_region) & (Tenant.kind == "bureau"))))
        return ServiceContext.acting_for(s, tenant, role)

    def workday(self, n: int) -> date:
        """The working day `n` working days before today."""
        day = self.today
        while n > 0:
            day -= timedelta(days=1)
            n -= is_workday(self.session, day)
        return day

    def draft(self, uscc: str, published_on: date, *, onsite: tuple[str, ...] = ONSITE, title: str | None = None,
              skip: tuple[str, ...] = ()) -> tuple[ServiceContext, Filing]:
        ctx = self.ctx(uscc, "officer")
        name = ctx.session.scalar(select(Tenant.name).where(Tenant.id == ctx.actor.tenant_id))
        filing = service.create_filing(ctx, {"title": title or name + PLAN, "published_on": published_on.isoformat()})
        for key, label in rules.MATERIALS.items():
            if key in skip or key == "disposal_cards":
                continue
            names = onsite if key == "onsite_plans" else (None,)
            for doc in names:
                service.add_material(ctx, filing.id, key, io.BytesIO(demo_pdf(doc or label)),
                                     f"{doc or label}.pdf", doc)
        ctx.session.commit()
        self.count += 1
        return ctx, filing

    def submit(self, ctx: ServiceContext, filing: Filing, on: date) -> None:
        service.transition(ctx, filing.id, "submit", filing.version, today=on)
        ctx.session.commit()

    def review(self, region: str, filing_id: int, action: str, on: date, **kw) -> Filing:
        # The bureau's admin may act on every filing of the bureau (a reviewer only on its section's).
        ctx = self.ctx(region, "admin")
        seen = service.get_filing(ctx, filing_id)
        out = service.transition(ctx, filing_id, action, seen.version, today=on, **kw)
        ctx.session.commit()
        return out

    def drill(self, ctx: ServiceContext, held_on: date, kind: str = "comprehensive", plan: str | None = None) -> None:
        aftercare.record_drill(ctx, {
            "kind": kind, "held_on": held_on.isoformat(), "plan_name": plan,
            "scenario": "储罐区甲醇泄漏引发火灾" if kind != "onsite" else f"{plan}实战演练",
            "participants": 60 if kind != "onsite" else 12, "participant_units": "生产部、安环部、消防队"},
            io.BytesIO(demo_pdf("应急演练评估报告")), "演练评估报告.pdf", today=self.today)
        ctx.session.commit()


def load_demo_filings(db, today: date | None = None) -> int:  # noqa: ANN001
    """Create the demo filings where an enterprise has none; returns how many were made."""
    today = today or service.beijing_today()
    d = _Demo(db, today)
    s = d.session
    try:
        have = set(s.scalars(select(Filing.tenant_id).distinct()))
        ents = {t.uscc: t.id for t in s.scalars(select(Tenant).where(Tenant.kind == "enterprise"))}

        def fresh(uscc: str) -> bool:
            return uscc in ents and ents[uscc] not in have

        def days(n: int) -> date:
            return today - timedelta(days=n)

        # 宏达甲醇 (ent1_officer): filed last spring, drills kept up; a change of resources recorded.
        if fresh("91150626MA0N1H2K6K"):
            ctx, f = d.draft("91150626MA0N1H2K6K", days(250))
            d.submit(ctx, f, days(240))
            d.review("150626", f.id, "accept", days(238))
            ctx = d.ctx("91150626MA0N1H2K6K", "officer")
            d.drill(ctx, days(60))
            for plan in ONSITE:
                d.drill(ctx, days(45), "onsite", plan)
            aftercare.record_trigger(ctx, f.id, {"trigger": "resources_changed", "occurred_on": days(10).isoformat(),
                                                 "description": "新增一台泡沫消防车，应急资源调查清单需更新"}, today=today)
            ctx.session.commit()
        # 苏力格 (ent2_officer): a draft still missing its risk assessment.
        if fresh("91150626MA0N3B7Q1R"):
            d.draft("91150626MA0N3B7Q1R", days(5), skip=("risk_assessment", "resource_survey"))
        # 图克煤制烯烃: filed almost three years ago — evaluation due soon, an on-site drill overdue.
        if fresh("91150626MA0Q8L4C5M"):
            published = today - timedelta(days=3 * 365 - 40)
            ctx, f = d.draft("91150626MA0Q8L4C5M", published)
            d.submit(ctx, f, published + timedelta(days=7))
            d.review("150626", f.id, "accept", published + timedelta(days=9))
            ctx = d.ctx("91150626MA0Q8L4C5M", "officer")
            d.drill(ctx, days(120))
            d.drill(ctx, days(150), "onsite", ONSITE[0])
            d.drill(ctx, days(250), "onsite", ONSITE[1])
        # 纳林河精细化工: awaiting review for 2 working days — 3 left before it counts as filed.
        if fresh("91150626MA13T6W93T"):
            ctx, f = d.draft("91150626MA13T6W93T", days(20))
            d.submit(ctx, f, d.workday(2))
        # 嘎鲁图储运: the bureau let the limit run out — deemed filed by the sweep.
        if fresh("91150626MA0P5D2R6E"):
            ctx, f = d.draft("91150626MA0P5D2R6E", days(60))
            d.submit(ctx, f, days(50))
            system = ServiceContext.system(d.ctx("150626", "reviewer").session, "demo")
            service.sweep_deadlines(system, today=days(40))
            system.session.commit()
        # 札萨克煤化工 (伊金霍洛旗): returned with a one-time list of two items.
        if fresh("91150627MA0R2F6NX4"):
            ctx, f = d.draft("91150627MA0R2F6NX4", days(15))
            d.submit(ctx, f, days(8))
            d.review("150627", f.id, "return", days(7), comment="请按一次性告知内容补正后重新提交", items=[
                {"material": "review_opinion", "note": "评审意见缺少专家签字"},
                {"material": "resource_survey", "note": "应急资源调查清单未列明消防车辆与物资存放地点"}])
        # 阿勒腾席热燃气: re-filed after its command structure changed — v2 supersedes v1.
        if fresh("91150627MA0K9U3M55"):
            ctx, f = d.draft("91150627MA0K9U3M55", days(400))
            d.submit(ctx, f, days(395))
            d.review("150627", f.id, "accept", days(394))
            ctx = d.ctx("91150627MA0K9U3M55", "officer")
            aftercare.record_trigger(ctx, f.id, {"trigger": "command_changed", "occurred_on": days(40).isoformat(),
                                                 "description": "公司应急指挥部总指挥由总经理调整为董事长",
                                                 "changes": ["command_system"]}, today=today)
            new = aftercare.start_revision(ctx, f.id, {"published_on": days(30).isoformat()})
            ctx.session.commit()
            d.submit(ctx, new, days(25))
            d.review("150627", new.id, "accept", days(24))
            d.count += 1
        return d.count
    finally:
        for opened in d.opened:
            opened.close()
