"""The bureau's supervision figures and lists (备案统计), their xlsx export, the dashboards,
and the bureau's filing settings page."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from python_calamine import CalamineWorkbook

from core.errors import NotFound, PermissionDenied
from core.filings.overview import service as overview
from core.filings.review import service
from tests.filings.conftest import accepted, complete_draft, submitted


def scene(ctx_for, store, db, waiting_since: date = date(2026, 11, 20)) -> dict:  # noqa: ANN001
    """ent1: filed 2026-03-24 (evaluation due 2029-03-02); a second ent1 filing deemed filed;
    another awaiting review since `waiting_since` (Fri 20 November: due Fri 27 November)."""
    ids = {"accepted": accepted(ctx_for, store, date(2026, 3, 23), date(2026, 3, 24))}
    ids["deemed"] = submitted(ctx_for, store, date(2026, 5, 11), title="=HYPERLINK(\"http://x\")储罐专项预案")
    system = ctx_for()
    service.sweep_deadlines(system, today=date(2026, 5, 19))
    system.session.commit()
    ids["waiting"] = submitted(ctx_for, store, waiting_since, title="液氨泄漏专项应急预案")
    return ids


def test_summary_and_lists(ctx_for, store, db):
    ids = scene(ctx_for, store, db)
    today = date(2026, 11, 23)
    reviewer = ctx_for("wsq_reviewer")
    s = overview.summary(reviewer, today)
    assert s.by_status == {"accepted": 1, "deemed": 1, "submitted": 1}
    # ent1 has a filing in force, the county's four other enterprises none; the deemed one is
    # a supervision figure.
    assert s.counts == {"overdue": 0, "deemed": 1, "evaluations": 0, "unfiled": 4, "drills": 1}
    assert [(r.bureau, r.submitted, r.overdue, r.filed, r.deemed) for r in s.by_bureau] == \
        [("乌审旗应急管理局", 1, 0, 2, 1)]
    assert overview.table(reviewer, "overdue", today).rows == []
    unfiled = overview.table(reviewer, "unfiled", today)
    assert [r[0] for r in unfiled.rows] == ["鄂尔多斯市苏力格合成氨化工有限公司", "乌审旗图克煤制烯烃有限公司",
                                            "内蒙古纳林河精细化工有限公司", "乌审旗嘎鲁图危险化学品储运有限公司"]
    assert unfiled.rows[0][4:] == ["未备案", ""]
    deemed = overview.table(reviewer, "deemed", today)
    assert [(r[2], r[5]) for r in deemed.rows] == [("乌应急备〔2026〕第002号", date(2026, 5, 19))]
    # Evaluations enter the list 90 days ahead; the deemed filing (published 2026-03-02 too) is the one in force.
    due = overview.table(reviewer, "evaluations", date(2028, 12, 2))
    assert [(r[2], r[5], r[6], r[7]) for r in due.rows] == [("乌应急备〔2026〕第002号", date(2029, 3, 2), 90, "即将到期")]
    filings = overview.table(reviewer, "filings", today, status="submitted")
    assert [r[2] for r in filings.rows] == ["液氨泄漏专项应急预案"]

    # The city sees the county's figures; another county sees nothing of them.
    city = overview.summary(ctx_for("city_admin"), today)
    assert city.counts["deemed"] == 1 and [r.bureau for r in city.by_bureau] == ["乌审旗应急管理局"]
    other = overview.summary(ctx_for("yjhl_reviewer"), today)
    assert other.by_status == {} and other.counts["deemed"] == 0 and other.by_bureau == []
    assert other.counts["unfiled"] == 2  # its own enterprises

    with pytest.raises(PermissionDenied):
        overview.summary(ctx_for("ent1_officer"), today)
    with pytest.raises(NotFound):
        overview.table(reviewer, "bogus", today)


def test_limit_unconfirmed_for_want_of_a_holiday_notice(ctx_for, store, db):
    """Received Mon 2026-12-28: the count runs into 2027, whose notice is not loaded. Past the
    Monday–Friday estimate (Mon 4 January) the filing is listed as waiting, not deemed."""
    fid = submitted(ctx_for, store, date(2026, 12, 28))
    reviewer = ctx_for("wsq_reviewer")
    today = date(2027, 1, 6)
    t = overview.table(reviewer, "overdue", today)
    assert t.rows == [["乌审旗宏达甲醇有限责任公司", "乌审旗宏达甲醇有限责任公司生产安全事故应急预案", date(2026, 12, 28),
                       date(2027, 1, 4), 2, "乌审旗应急管理局"]]
    assert t.links == [f"/filings/{fid}"] and overview.summary(reviewer, today).counts["deemed"] == 0


def test_pages_and_xlsx_export(as_user, ctx_for, store, db):
    scene(ctx_for, store, db, waiting_since=service.beijing_today())
    c = as_user("wsq_reviewer")
    page = c.get("/filings/overview").text
    assert 'data-testid="count-deemed">1<' in page and "乌审旗应急管理局" in page
    page = c.get("/filings/overview/unfiled").text
    assert "鄂尔多斯市苏力格合成氨化工有限公司" in page and "未备案" in page

    r = c.get("/filings/overview/filings/export?format=xlsx")
    assert r.status_code == 200
    assert "attachment" in r.headers["Content-Disposition"]
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(r.data)).get_sheet_by_index(0).to_python()
    assert sheet[0][:4] == ["企业名称", "统一社会信用代码", "预案名称", "状态"]
    titles = [row[2] for row in sheet[1:]]
    # A title that a spreadsheet would run as a formula is escaped.
    assert "'=HYPERLINK(\"http://x\")储罐专项预案" in titles and len(titles) == 3

    r = c.get("/filings/overview/deemed/export?format=xlsx")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(r.data)).get_sheet_by_index(0).to_python()
    assert len(sheet) == 2 and sheet[1][2] == "乌应急备〔2026〕第002号"

    assert as_user("ent1_officer").get("/filings/overview").status_code == 403
    assert c.get("/filings/overview/bogus").status_code == 404
    assert c.get("/filings/overview/filings/export?format=nope").status_code == 404

    dash = c.get("/dashboard").text
    assert 'data-testid="dash-deemed">1<' in dash and 'data-testid="dash-unfiled">4<' in dash


def test_enterprise_dashboard(as_user, ctx_for, store):
    page = as_user("ent2_officer").get("/dashboard").text
    assert 'data-testid="no-filing"' in page
    received = service.beijing_today() - timedelta(days=1)
    fid = accepted(ctx_for, store, received)
    page = as_user("ent1_officer").get("/dashboard").text
    assert f'href="/filings/{fid}" data-testid="in-force">乌应急备〔{received.year}〕第001号<' in page


def test_settings_page(as_user, ctx_for, store, db):
    admin = as_user("wsq_admin")
    page = admin.get("/filings/settings").text
    year = service.beijing_today().year
    assert f"乌应急备〔{year}〕第012号" in page  # the bureau's own prefix, this year
    form = {"csrf_token": admin.csrf, "number_format": "{short}预备〔{year}〕{seq:02d}号",
            "req:*:disposal_cards": "1", "req:other:review_opinion": "1", "years:other": "5"}
    r = admin.post("/filings/settings", data={**form, "years:coal_mine": "abc"})
    assert r.status_code == 422 and "评估周期应为" in r.text
    r = admin.post("/filings/settings", data={**form, "years:coal_mine": "²"})  # a digit, not a number
    assert r.status_code == 422 and "评估周期应为" in r.text
    # 第三十五条 and 第二十一条 are floors a bureau cannot lower.
    r = admin.post("/filings/settings", data={**form, "years:hazchem_production": "5"})
    assert r.status_code == 422 and "危险化学品生产：法定每三年至少评估一次，评估周期不能超过3年" in r.text
    r = admin.post("/filings/settings", data={**form, "req:hazchem_production:review_opinion": "0"})
    assert r.status_code == 422 and "危险化学品生产：“应急预案评审或论证意见”是法定必备材料，不能改为可选" in r.text
    r = admin.post("/filings/settings", data=form)
    assert r.status_code == 303
    ctx = ctx_for("wsq_admin")
    settings = service.settings_for(ctx, ctx.actor.tenant_id)
    assert settings.material_overrides == {"*": {"disposal_cards": True}, "other": {"review_opinion": True}}
    assert settings.evaluation_years == {"other": 5}
    assert f"乌应急预备〔{year}〕12号" in admin.get("/filings/settings").text

    # The requirements follow: ent1 (hazchem producer) now needs the cards, and still the review opinion.
    officer = ctx_for("ent1_officer")
    filing = complete_draft(officer, store)
    assert service.missing_materials(officer, filing) == ["disposal_cards"]
    assert {m.key: m.required for m in service.completeness(officer, filing)}["review_opinion"] is True

    assert as_user("wsq_reviewer").get("/filings/settings").status_code == 403
    assert as_user("ent1_officer").post("/filings/settings", data={"csrf_token": "x"}).status_code in (400, 403)


def test_api(api, ctx_for, store, db):
    scene(ctx_for, store, db, waiting_since=service.beijing_today())
    r = api("wsq_reviewer").get("/api/v1/filing-overview")
    assert r.status_code == 200
    assert r.json["counts"]["deemed"] == 1 and r.json["by_status"]["submitted"] == 1
    assert r.json["by_bureau"][0]["bureau"] == "乌审旗应急管理局"
    r = api("wsq_reviewer").get("/api/v1/filing-overview/deemed")
    assert r.json["rows"][0][2] == "乌应急备〔2026〕第002号" and r.json["rows"][0][5] == "2026-05-19"
    assert api("wsq_reviewer").get("/api/v1/filing-overview/bogus").status_code == 404
    r = api("ent1_officer").get("/api/v1/filing-overview")
    assert r.status_code == 403 and r.json["message"] == "只有应急管理局可以查看备案统计"
    assert api("yjhl_reviewer").get("/api/v1/filing-overview").json["counts"]["deemed"] == 0
