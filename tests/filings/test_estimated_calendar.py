"""Statutory steps never taken on a guessed calendar (第二十六、二十八条 with a year whose
holiday notice is not loaded), the recount when it is loaded, the yearly reminder to load
it, and deeming that happens when the limit passes rather than when a sweep runs.

The test database knows the holidays up to 2026 (chinese-calendar); 2027 is unknown until a
test loads the notice below — an arrangement shaped like the real ones (国庆 1–7 October
with two 调休 weekend working days), written here as test input.
"""
from __future__ import annotations

import re
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.calendar import service as calendar
from core.calendar.cli import calendar_cli
from core.errors import Conflict
from core.filings import rules
from core.filings.models import Filing
from core.filings.review import service
from tests.filings.conftest import complete_draft, inbox, submitted

NOTICE_2027 = """\
2027-01-01,休,元旦
2027-02-06~2027-02-13,休,春节
2027-09-26,班,国庆节
2027-10-01~2027-10-07,休,国庆节
2027-10-09,班,国庆节
"""
PENDING = "节假日安排未导入，期限待确认"


def future_draft(ctx_for, store, published_on: date):  # noqa: ANN001
    """A complete draft of ent1 published on a day still to come (the form refuses such a
    date today; the scenario is about the years ahead)."""
    officer = ctx_for("ent1_officer")
    filing = complete_draft(officer, store)
    filing.published_on = published_on
    officer.session.commit()
    return officer, filing


def future_submitted(ctx_for, store, received_on: date, published_on: date) -> int:  # noqa: ANN001
    officer, filing = future_draft(ctx_for, store, published_on)
    service.transition(officer, filing.id, "submit", filing.version, today=received_on)
    officer.session.commit()
    return filing.id


def sweep(ctx_for, today: date) -> str:  # noqa: ANN001
    ctx = ctx_for()
    summary = service.sweep_deadlines(ctx, today=today)
    ctx.session.commit()
    return summary


def load_2027(ctx_for) -> int:  # noqa: ANN001
    ctx = ctx_for("city_admin")
    loaded = calendar.load_year(ctx, 2027, NOTICE_2027)   # the filings area recounts as it loads
    ctx.session.commit()
    return sum(params["n"] for _, params in loaded.followups)


def version_on(page: str) -> int:
    return int(re.search(r'data-testid="filing" data-status="\w+" data-version="(\d+)"', page).group(1))


def test_rules_wait_for_an_unknown_year(db):
    # Received Tue 2027-09-28: Monday–Friday would end the limit on Tue 5 October.
    assert rules.review_deadline(db, date(2027, 9, 28)).estimated
    assert rules.review_limit_state(db, date(2027, 9, 28), date(2027, 10, 5)) == rules.LIMIT_OPEN
    assert rules.review_limit_state(db, date(2027, 9, 28), date(2027, 10, 6)) == rules.LIMIT_UNCONFIRMED
    assert not rules.is_deemed_filed(db, date(2027, 9, 28), date(2027, 10, 30))
    # A known span is judged exactly even when the limit itself would reach 2027.
    assert rules.late_filing(db, date(2026, 12, 10), date(2026, 12, 20)) is False
    # Published Thu 2026-12-10, first submitted Wed 2027-01-20: the count crosses 1 January.
    assert rules.late_filing(db, date(2026, 12, 10), date(2027, 1, 20)) is None


def test_no_deeming_on_an_estimate_then_recount_after_loading(ctx_for, db, store, as_user):
    fid = future_submitted(ctx_for, store, date(2027, 9, 28), published_on=date(2027, 9, 20))
    filing = db.get(Filing, fid)
    assert (filing.review_due, filing.review_due_estimated) == (date(2027, 10, 5), True)

    # The day after the estimated limit nothing irreversible happens; the bureau's admins are told why.
    assert sweep(ctx_for, date(2027, 10, 6)) == f"0 件备案逾期视为备案，0 件备案提醒审查，1 件备案{PENDING}"
    assert sweep(ctx_for, date(2027, 10, 7)).endswith(f"1 件备案{PENDING}")
    db.expire_all()
    filing = db.get(Filing, fid)
    assert (filing.status, filing.filing_no, filing.deemed_on) == ("submitted", None, None)
    assert inbox(db, "wsq_admin") == ["备案审查期限待确认：乌审旗宏达甲醇有限责任公司"]  # once
    assert "备案审查期限待确认：乌审旗宏达甲醇有限责任公司" not in inbox(db, "wsq_reviewer")
    # Reading or acting deems nothing either; a return on the estimate is refused with the reason.
    reviewer = ctx_for("wsq_reviewer")
    assert service.read_filing(reviewer, fid, date(2027, 10, 6)).status == "submitted"
    with pytest.raises(Conflict) as e:
        service.transition(reviewer, fid, "return", filing.version, today=date(2027, 10, 6),
                           items=[{"material": "risk_assessment", "note": "缺辨识清单"}])
    assert e.value.message.startswith(f"{PENDING}：2027年节假日安排尚未导入")
    reviewer.session.rollback()
    # The pages show the waiting state.
    page = as_user("wsq_reviewer").get(f"/filings/{fid}").text
    assert PENDING in page and 'data-testid="review-pending"' in page

    # Loading 2027 recounts the open deadline (国庆 1–7 October off, Sat 9 October a working day).
    assert load_2027(ctx_for) == 1
    db.expire_all()
    filing = db.get(Filing, fid)
    assert (filing.review_due, filing.review_due_estimated) == (date(2027, 10, 11), False)
    recount = db.scalars(select(AuditEvent.summary).where(AuditEvent.action == "filing.recount")).all()
    assert recount == ["按最新节假日安排重新计算预案备案“乌审旗宏达甲醇有限责任公司生产安全事故应急预案”的期限："
                       "审查期限 2027-10-05（估算） → 2027-10-11；逾期报备：否"]
    assert sweep(ctx_for, date(2027, 10, 11)).startswith("0 件备案逾期视为备案")
    assert sweep(ctx_for, date(2027, 10, 12)).startswith("1 件备案逾期视为备案")
    db.expire_all()
    filing = db.get(Filing, fid)
    assert (filing.status, filing.deemed_on, filing.filing_no) == ("deemed", date(2027, 10, 12), "乌应急备〔2027〕第001号")


def test_late_flag_waits_and_is_recounted(ctx_for, db, store, as_user):
    officer, filing = future_draft(ctx_for, store, date(2026, 12, 10))
    service.transition(officer, filing.id, "submit", filing.version, today=date(2027, 1, 6))
    officer.session.commit()
    db.expire_all()
    row = db.get(Filing, filing.id)
    assert (row.late, row.first_submitted_on) == (None, date(2027, 1, 6))
    page = as_user("ent1_officer").get(f"/filings/{filing.id}").text
    assert 'data-testid="late-pending"' in page and 'data-testid="late"' not in page
    # Counted independently: 11–31 December 2026 has 15 working days; Mon 4 and Tue 5 January
    # make 17 once 1 January is a holiday (18 on the estimate): not late either way...
    load_2027(ctx_for)
    db.expire_all()
    assert db.get(Filing, filing.id).late is False
    # ...while the limit is Fri 8 January (the 20th): a first submission on Mon 11 January is late.
    officer, other = future_draft(ctx_for, store, date(2026, 12, 10))
    service.transition(officer, other.id, "submit", other.version, today=date(2027, 1, 11))
    officer.session.commit()
    db.expire_all()
    assert db.get(Filing, other.id).late is True


def test_loading_by_page_and_cli_recounts(ctx_for, db, store, as_user, runner, tmp_path):
    fid = future_submitted(ctx_for, store, date(2026, 12, 28), published_on=date(2026, 12, 21))
    assert db.get(Filing, fid).review_due == date(2027, 1, 4)   # Monday–Friday through 1 January
    admin = as_user("city_admin")
    r = admin.post("/calendar/load", data={"csrf_token": admin.csrf, "year": "2027", "text": NOTICE_2027,
                                           "source": "测试用节假日安排"}, follow_redirects=True)
    assert r.status_code == 200 and "已按新的节假日安排重新计算 1 件备案的期限" in r.text
    db.expire_all()
    assert (db.get(Filing, fid).review_due, db.get(Filing, fid).review_due_estimated) == (date(2027, 1, 5), False)

    # The CLI recounts too (loading the same notice again changes nothing, so nothing is recounted).
    path = tmp_path / "2027.txt"
    path.write_text(NOTICE_2027.replace("2027-01-01,休,元旦\n", ""), encoding="utf-8")
    result = runner.invoke(calendar_cli, ["load", str(path), "--year", "2027"])
    assert result.exit_code == 0, result.output
    assert "已按新的节假日安排重新计算 1 件备案的期限" in result.output
    db.expire_all()
    assert db.get(Filing, fid).review_due == date(2027, 1, 4)


def test_yearly_reminder_to_the_top_bureau(ctx_for, db, as_user):
    def remind(today: date) -> str:
        ctx = ctx_for()
        out = calendar.sweep_arrangement(ctx, today)
        ctx.session.commit()
        return out

    assert remind(date(2026, 10, 31)) == "节假日安排已导入"
    assert remind(date(2026, 11, 1)) == "2027年节假日安排未导入，已提醒 1 位管理员"
    assert remind(date(2026, 11, 20)) == "2027年节假日安排未导入，已提醒 0 位管理员"  # one notification
    assert inbox(db, "city_admin") == ["请导入2027年节假日安排"]
    assert inbox(db, "wsq_admin") == []
    assert calendar.reminder_for(ctx_for("city_admin"), date(2026, 11, 2)) == 2027
    assert calendar.reminder_for(ctx_for("wsq_admin"), date(2026, 11, 2)) is None
    assert calendar.reminder_for(ctx_for("city_admin"), date(2026, 10, 2)) is None
    # The banner on the city's dashboard whenever a year is due (this year or, from November, next).
    if calendar.reminder_for(ctx_for("city_admin"), service.beijing_today()):
        assert 'data-testid="calendar-banner"' in as_user("city_admin").get("/dashboard").text
    assert 'data-testid="calendar-banner"' not in as_user("wsq_admin").get("/dashboard").text
    load_2027(ctx_for)
    assert remind(date(2026, 11, 25)) == "节假日安排已导入"
    assert calendar.reminder_for(ctx_for("city_admin"), date(2026, 11, 25)) is None


def test_a_filing_past_its_limit_is_deemed_when_read(ctx_for, db, store, as_user, api):
    # Received Mon 2026-03-23, limit Mon 30 March: long past by the time anyone looks.
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    reviewer = as_user("wsq_reviewer")
    page = reviewer.get(f"/filings/{fid}").text
    assert 'data-status="deemed"' in page and "乌应急备〔2026〕第001号" in page
    db.expire_all()
    assert (db.get(Filing, fid).status, db.get(Filing, fid).deemed_on) == ("deemed", date(2026, 3, 31))
    # No return after the limit (第二十八条: it is already filed), with the article named.
    r = reviewer.post(f"/filings/{fid}/transitions", data={
        "csrf_token": reviewer.csrf, "action": "return", "version": str(version_on(page)),
        "item": "risk_assessment", "note:risk_assessment": "缺辨识清单"})
    assert r.status_code == 409 and "依照第二十八条该备案已视为已经备案" in r.text
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "filing.deem")) == 1


def test_a_return_after_the_limit_is_refused_even_before_anyone_read_it(ctx_for, db, store, api):
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    version = db.get(Filing, fid).version
    r = api("wsq_reviewer").post(f"/api/v1/filings/{fid}/transitions", json={
        "action": "return", "version": version, "items": [{"material": "risk_assessment", "note": "缺辨识清单"}]})
    assert r.status_code == 409 and "已视为已经备案" in r.json["message"]
    db.expire_all()
    assert db.get(Filing, fid).status == "deemed"  # the deeming stands although the return was refused


def test_web_process_sweeps_without_cron(make_app, ctx_for, db, store):
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    from core.jobs.runner import start_periodic_sweeps
    live = make_app(TESTING=False, SWEEP_MINUTES=60)
    thread = start_periodic_sweeps(live)
    assert thread is not None and start_periodic_sweeps(live) is thread  # once per app
    try:
        for _ in range(100):
            db.expire_all()
            if db.get(Filing, fid).status == "deemed":
                break
            time.sleep(0.1)
        assert db.get(Filing, fid).status == "deemed"
    finally:
        thread.stop.set()
        thread.join(5)
    assert start_periodic_sweeps(make_app()) is None                 # tests and …
    assert start_periodic_sweeps(make_app(TESTING=False, REDIS_URL="redis://127.0.0.1:6379/15")) is None  # … rq
