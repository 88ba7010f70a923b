"""/api/v1/stats/hazards: the county's figures per enterprise (those without a ledger too)
and per section, the city's per county, 整改率 and on-time rate, overdue derived from the
date, major open, 回头看 reopened, by category and source, the month trend — and another
county's figures empty."""
from datetime import timedelta

import pytest

from core.calendar.service import beijing_today
from core.ledgers import stats
from tests.ledgers.test_api import ROW, rows, send
from tests.ledgers.test_loop import MAJOR, step
from tests.ledgers.test_xlsx import workbook

URL = "/api/v1/stats/hazards"


@pytest.fixture
def ledgers(api):  # noqa: ANN001, ANN201
    today = beijing_today()
    soon = today + timedelta(days=20)
    ent1 = [
        # closed on time this month
        {**ROW, "隐患编号": "A1", "排查日期": today, "整改期限": soon, "完成日期": today, "验收人": "赵刚",
         "验收日期": today},
        # closed after its 整改期限 (2024-09-10)
        {**ROW, "隐患编号": "A2", "完成日期": "2024-09-14", "验收人": "赵刚", "验收日期": "2024-09-15"},
        {**ROW, "隐患编号": "A3"},                                                   # open, overdue
        {**ROW, "隐患编号": "A4", **MAJOR, "排查日期": today, "整改期限": soon},          # major, open, on time
    ]
    ent2 = [{**ROW, "隐患编号": "B1", "来源": "举报", "类别": "基础管理类", "排查日期": today, "整改期限": soon}]
    assert send(api("ent1_officer"), workbook(ent1)).status_code == 201
    assert send(api("ent2_officer"), workbook(ent2)).status_code == 201
    return today


def _row(stats: dict, name: str) -> dict:
    return next(r for r in stats["rows"] if r["name"] == name)


def test_the_county_per_enterprise(api, ledgers):
    stats = api("wsq_reviewer").get(URL).json
    total = stats["total"]
    assert (total["found"], total["closed"], total["on_time"], total["overdue"], total["major_open"]) == (5, 2, 1, 1, 1)
    assert total["rate"] == pytest.approx(0.4) and total["on_time_rate"] == pytest.approx(0.5)
    hd = _row(stats, "乌审旗宏达甲醇有限责任公司")
    assert (hd["found"], hd["closed"], hd["open"], hd["rate"], hd["empty"]) == (4, 2, 2, 0.5, False)
    others = [r for r in stats["rows"] if r["name"] not in ("乌审旗宏达甲醇有限责任公司", "鄂尔多斯市苏力格合成氨化工有限公司")]
    assert others and all(r["empty"] and r["found"] == 0 for r in others)   # enterprises without a ledger
    assert stats["without_ledger"] == len(others)
    assert {r["name"]: r["found"] for r in stats["by_source"]} == {"日常排查": 4, "举报": 1}
    assert {r["name"]: r["found"] for r in stats["by_category"]} == {"现场管理类": 4, "基础管理类": 1}
    month = stats["trend"][-1]
    assert len(stats["trend"]) == 12 and month["month"] == ledgers.strftime("%Y-%m") and (
        month["found"], month["closed"]) == (3, 1)


def test_per_section_and_the_city_per_county(api, ledgers):
    sections = api("wsq_reviewer").get(URL, query_string={"group": "section"}).json["rows"]
    assert _row({"rows": sections}, "危险化学品安全监管股")["found"] == 5
    city = api("city_admin").get(URL, query_string={"group": "child"}).json
    assert [(r["name"], r["found"], r["empty"]) for r in city["rows"]] == [
        ("乌审旗应急管理局", 5, False), ("伊金霍洛旗应急管理局", 0, True)]
    assert city["total"]["found"] == 5


def test_another_county_and_a_bad_group(api, ledgers):
    other = api("yjhl_reviewer").get(URL).json
    assert other["total"]["found"] == 0 and other["total"]["rate"] is None and all(r["found"] == 0 for r in other["rows"])
    assert api("wsq_reviewer").get(URL, query_string={"group": "county"}).status_code == 422


def test_closing_and_reopening_move_the_figures(api, ledgers):
    reviewer, ent2 = api("wsq_reviewer"), api("ent2_officer")
    hazard = ent2.get("/api/v1/hazards").json["items"][0]["id"]
    assert step(ent2, hazard, "complete", completed_on=ledgers.isoformat()).status_code == 200
    assert step(ent2, hazard, "verify", verified_by="赵刚", verified_on=ledgers.isoformat()).status_code == 200
    assert reviewer.get(URL).json["total"]["rate"] == pytest.approx(0.6)
    assert step(reviewer, hazard, "reopen", comment="回头看：举报问题仍存在").status_code == 200
    total = reviewer.get(URL, query_string={"reopened": "true"}).json["total"]
    assert (total["found"], total["reopened"], total["closed"]) == (1, 1, 0)


def test_the_tallies_agree_with_the_hazards_after_every_kind_of_write(api, ledgers, ctx_for, monkeypatch):
    """The triggers keep the tallies through imports (COPY from 1,000 rows on PostgreSQL),
    re-imports that change rows, every step of the loop, 挂牌督办 and bulk steps."""
    ent1, reviewer = api("ent1_officer"), api("wsq_reviewer")
    assert send(ent1, workbook(rows(1200, 整改期限=ledgers + timedelta(days=9)))).status_code == 201
    changed = rows(1200, 整改期限=ledgers + timedelta(days=9))
    changed[5]["完成日期"], changed[5]["验收人"], changed[5]["验收日期"] = "2024-09-05", "赵刚", "2024-09-06"
    assert send(ent1, workbook(changed)).json["updated"] == 1
    items = ent1.get("/api/v1/hazards", query_string={"limit": 3, "status": "rectifying"}).json["items"]
    step(ent1, items[0]["id"], "complete", completed_on=ledgers.isoformat())
    step(ent1, items[0]["id"], "verify", verified_by="赵刚", verified_on=ledgers.isoformat())
    step(reviewer, items[0]["id"], "reopen", comment="回头看：问题反弹")
    ctx = ctx_for("wsq_reviewer")

    def both() -> tuple:
        tallied = stats.hazard_stats(ctx, "enterprise")
        with monkeypatch.context() as m:
            m.setattr(stats, "_tallied", lambda _where: False)    # read the hazards themselves
            scanned = stats.hazard_stats(ctx, "enterprise")
        return tallied, scanned

    tallied, scanned = both()
    assert tallied.total == scanned.total and tallied.total.found == 1205
    assert [(r.name, r.figures) for r in tallied.rows] == [(r.name, r.figures) for r in scanned.rows]
    assert [(r.name, r.figures) for r in tallied.by_source] == [(r.name, r.figures) for r in scanned.by_source]
    assert tallied.trend == scanned.trend and tallied.trend[-1].found >= 3
