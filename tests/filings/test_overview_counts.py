"""The 备案统计 figures are counted by the database; the lists behind them are built in Python
from core.filings.rules. Table-driven: over many kinds of enterprise and drill history and
many days, every figure equals the length of its list, for a county and for the city.

The histories span years, which the services cannot record without moving the clock, so
filings, plans and drills are stored as rows (as bench/bench_filing_overview.py stores them).
"""
from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from sqlalchemy import insert, select

from core.db import utcnow
from core.files.models import StoredFile
from core.filings import rules
from core.filings.models import Drill, Filing, FilingMaterial
from core.filings.overview import service as overview
from tenants.models import Tenant

INDUSTRIES = ("hazchem_production", "hazchem_use")      # a 第三十三条第二款 key unit, and not
PLANS = ((), ("储罐泄漏现场处置方案",), (None,), ("装卸区火灾现场处置方案", "储罐泄漏现场处置方案"))
HISTORIES = ("none", "general", "onsite", "all")
# Month ends and a leap day, where counting six or twelve months on has to clamp the day.
ACCEPTED = (date(2024, 2, 29), date(2024, 8, 31), date(2025, 1, 31), date(2025, 3, 15), date(2025, 10, 31))
DAYS = [date(2025, 1, 1) + timedelta(days=d) for d in range(0, 760, 19)] + \
       [date(2025, 2, 28), date(2025, 3, 1), date(2025, 8, 31), date(2026, 2, 28), date(2026, 3, 1)]


@pytest.fixture
def city(db, app):  # noqa: ANN001, ANN201
    """40 enterprises under 乌审旗, one per combination, each with a filing in force (some
    with an older one before it, some deemed rather than accepted)."""
    county = db.scalar(select(Tenant).where(Tenant.name == "乌审旗应急管理局"))
    now = utcnow()
    db.execute(insert(StoredFile), [{"sha256": f"{n:064d}", "size": 1, "kind": "pdf", "content_type": "application/pdf",
                                     "original_name": name, "created_at": now, "tenant_id": county.id}
                                    for n, name in enumerate(("a.pdf", "甲醇.储罐现场处置方案.pdf"))])
    files = dict(db.execute(select(StoredFile.original_name, StoredFile.id)
                            .where(StoredFile.sha256.in_([f"{n:064d}" for n in range(2)]))).all())
    combos = list(itertools.product(INDUSTRIES, PLANS, HISTORIES))
    for n, (industry, plans, history) in enumerate(combos):
        ent = Tenant(parent_id=county.id, kind="enterprise", name=f"统计企业{n:02d}", path="", region_code="150626",
                     status="active", industry=industry)
        db.add(ent)
        db.flush()
        ent.path = f"{county.path}{ent.id}/"
        accepted_on = ACCEPTED[n % len(ACCEPTED)]
        deemed = n % 3 == 0
        if n % 4 == 0:   # an older filed plan, superseded in force by the newer one
            db.add(Filing(tenant_id=ent.id, bureau_id=county.id, title="旧预案", published_on=date(2023, 1, 1),
                          status="accepted", received_on=date(2023, 1, 5), accepted_on=date(2023, 1, 6),
                          filing_no=f"旧{n}", late=False, revision_needed=False, review_due_estimated=False,
                          evaluation_due=date(2026, 1, 6), version=1))
        filing = Filing(tenant_id=ent.id, bureau_id=county.id, title="应急预案", published_on=accepted_on - timedelta(20),
                        status="deemed" if deemed else "accepted", received_on=accepted_on,
                        accepted_on=None if deemed else accepted_on, deemed_on=accepted_on if deemed else None,
                        filing_no=f"备{n}", late=False, revision_needed=False, review_due_estimated=False,
                        evaluation_due=accepted_on.replace(year=accepted_on.year + 1, day=28), version=1)
        db.add(filing)
        db.flush()
        for plan in plans:
            db.add(FilingMaterial(tenant_id=ent.id, filing_id=filing.id, material="onsite_plans", name=plan,
                                  file_id=files["甲醇.储罐现场处置方案.pdf" if plan is None else "a.pdf"], uploaded_at=now))
        names = [p or "甲醇.储罐现场处置方案" for p in plans]
        drills = []
        if history in ("general", "all"):
            drills += [("comprehensive", None, accepted_on + timedelta(days=200 + 13 * n))]
        if history in ("onsite", "all") and names:
            drills += [("onsite", names[0], accepted_on + timedelta(days=100 + 7 * n))]
        if history == "onsite" and not names:
            drills += [("special", None, accepted_on + timedelta(days=150))]
        for kind, plan, held in drills:
            db.add(Drill(tenant_id=ent.id, filing_id=filing.id, kind=kind, plan_name=plan, held_on=held,
                         scenario="演练", participants=10, file_id=files["a.pdf"], recorded_at=now))
    db.commit()
    return len(combos)


def test_every_figure_is_the_length_of_its_list(ctx_for, city):  # noqa: ANN001
    drills_seen = set()
    for who in ("wsq_reviewer", "city_admin"):
        ctx = ctx_for(who)
        for today in DAYS:
            counts = overview.summary(ctx, today).counts
            for name in ("deemed", "evaluations", "unfiled", "drills", "overdue"):
                assert counts[name] == len(overview.table(ctx, name, today).rows), (who, today, name)
            drills_seen.add(counts["drills"])
    # The days cover enterprises both within and past their drill limits.
    assert len(drills_seen) > 5 and min(drills_seen) < city / 2 < max(drills_seen)
    assert overview.summary(ctx_for("yjhl_reviewer"), DAYS[-1]).counts["drills"] == 0


@pytest.mark.parametrize("months", [6, 12])
def test_the_start_before_which_a_drill_is_overdue(months):
    for today in (date(2024, 1, 1) + timedelta(days=d) for d in range(0, 800)):
        cut = rules.drill_overdue_before(today, months)
        for back in range(0, 420, 1):
            start = today - timedelta(days=back)
            assert (today > rules._months_later(start, months)) == (start < cut), (today, start)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_key_drill_units_in_sql_are_those_of_the_rule(db):  # noqa: ANN001
    from sqlalchemy import literal

    from tenants.models import INDUSTRIES as ALL
    for industry in [*ALL, None]:
        in_sql = db.scalar(select(rules.key_drill_unit_where(literal(industry))))
        assert bool(in_sql) == rules.key_drill_unit(industry), industry
