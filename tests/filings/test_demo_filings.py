"""`anjian demo` fills the filing dashboards: filings in every state, idempotently."""
from __future__ import annotations

from sqlalchemy import func, select

from core.filings.demo import load_demo_filings
from core.filings.models import Drill, Filing
from core.filings.overview import service as overview


def test_demo_filings_fill_the_dashboards(app, ctx_for, db):
    made = load_demo_filings(app.extensions["anjian.db"])
    assert made == 8
    statuses = dict(db.execute(select(Filing.status, func.count()).group_by(Filing.status)).all())
    assert statuses == {"accepted": 3, "draft": 1, "submitted": 1, "deemed": 1, "returned": 1, "superseded": 1}
    wsq = overview.summary(ctx_for("wsq_reviewer"))
    # 纳林河 awaits review within its limit (a limit that has passed makes a plan filed at once).
    assert wsq.counts == {"overdue": 0, "deemed": 1, "evaluations": 1, "unfiled": 2, "drills": 1}
    yjhl = overview.summary(ctx_for("yjhl_reviewer"))
    assert yjhl.by_status == {"accepted": 1, "returned": 1, "superseded": 1}
    city = overview.summary(ctx_for("city_admin"))
    assert [r.bureau for r in city.by_bureau] == ["乌审旗应急管理局", "伊金霍洛旗应急管理局"]
    assert db.scalar(select(func.count(Drill.id))) == 6
    # Running it again adds nothing.
    assert load_demo_filings(app.extensions["anjian.db"]) == 0
    assert db.scalar(select(func.count(Filing.id))) == 8
