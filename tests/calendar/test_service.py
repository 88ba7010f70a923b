"""Working-day calendar: seeding from chinese_calendar, notices, arithmetic, permissions.

The expected dates below were checked against chinese_calendar 1.11.0 (and the
official notices for 2024 and 2025)."""
from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from sqlalchemy import delete, event, func, select

from core.audit.models import AuditEvent
from core.calendar import service as cal
from core.calendar.models import CalendarDay, CalendarYear
from core.errors import NotFound, PermissionDenied, ValidationFailed

# A sample 2027 notice in the format an administrator pastes (test data).
NOTICE_2027 = """\
# 2027年节假日安排（测试用样例）
2027-01-01,休,元旦

2027-02-06~2027-02-13,休,春节
2027-02-20,班,春节
2027-10-01~2027-10-07,休,国庆节
2027-09-26,班,国庆节
2027-10-09,班,国庆节
"""
# Stored exceptions: Jan 1 (Fri), Feb 8–12, Oct 1 and Oct 4–7 off (11 weekdays);
# Feb 20, Sep 26 and Oct 9 working (3 weekend days).
DAYS_OFF_2027, MAKE_UP_2027 = 11, 3

D = date.fromisoformat


def package_years() -> set[int]:
    return {d.year for d in chinese_calendar.holidays} | {d.year for d in chinese_calendar.workdays}


def package_add(start: date, n: int) -> date:
    """Reference: step day by day with chinese_calendar itself."""
    d = start
    while n:
        d += timedelta(days=1)
        n -= chinese_calendar.is_workday(d)
    return d


def audit_count(db, action: str) -> int:  # noqa: ANN001
    return db.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action))


# --------------------------------------------------------------------------- seeding


def test_demo_database_holds_every_package_year(db):  # noqa: ANN001
    years = {y.year: y for y in db.scalars(select(CalendarYear))}
    assert set(years) == package_years()
    assert {2004, 2024, 2025, 2026} <= set(years)
    assert years[2024].source == "chinese-calendar 1.11.0"
    assert audit_count(db, "calendar.seed") == 1


def test_seeded_days_are_exceptions_with_chinese_names(db):  # noqa: ANN001
    days = list(db.scalars(select(CalendarDay)))
    assert days
    for d in days:
        assert (d.day.weekday() >= 5) == d.is_workday, d.day  # only exceptions are stored
        assert d.name and not d.name.isascii(), d.name
    by_day = {d.day: d for d in days}
    assert by_day[D("2024-10-01")].name == "国庆节"
    assert by_day[D("2025-01-28")].name == "春节"
    assert by_day[D("2025-10-06")].name == "中秋节"
    assert by_day[D("2024-09-29")].is_workday and by_day[D("2024-09-29")].name == "国庆节"
    assert D("2024-10-05") not in by_day  # a Saturday off is the rule, not an exception


def test_every_seeded_year_matches_the_package(db):  # noqa: ANN001
    for y in sorted(package_years()):
        expected = sum(1 for i in range((date(y, 12, 31) - date(y, 1, 1)).days + 1)
                       if chinese_calendar.is_workday(date(y, 1, 1) + timedelta(i)))
        assert cal.working_days_between(db, date(y - 1, 12, 31), date(y, 12, 31)) == expected, y


def test_ensure_seeded_is_idempotent(ctx_for):  # noqa: ANN001
    ctx = ctx_for()
    assert cal.ensure_seeded(ctx) == 0
    assert audit_count(ctx.session, "calendar.seed") == 1


def test_ensure_seeded_fills_an_empty_calendar(ctx_for):  # noqa: ANN001
    ctx = ctx_for()
    s = ctx.session
    s.execute(delete(CalendarDay))
    s.execute(delete(CalendarYear))
    assert cal.ensure_seeded(ctx) == len(package_years())
    s.commit()
    assert s.scalar(select(func.count()).select_from(CalendarYear)) == len(package_years())
    assert cal.add_working_days(s, D("2024-09-27"), 5).date == D("2024-10-10")
    events = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "calendar.seed")
                            .order_by(AuditEvent.id)))
    assert len(events) == 2
    assert events[-1].actor_name == "system" and events[-1].actor_id is None
    assert events[-1].tenant_id is None
    assert cal.ensure_seeded(ctx) == 0


def test_ensure_seeded_adds_only_missing_years_and_keeps_loaded_ones(ctx_for):  # noqa: ANN001
    ctx = ctx_for()
    s = ctx.session
    cal.load_year(ctx, 2025, "2025-10-01~2025-10-08,休,国庆节\n2025-09-28,班,国庆节", "手工导入")
    s.execute(delete(CalendarDay).where(CalendarDay.day.between(D("2004-01-01"), D("2004-12-31"))))
    s.execute(delete(CalendarYear).where(CalendarYear.year == 2004))
    assert cal.ensure_seeded(ctx) == 1
    assert s.get(CalendarYear, 2004).source.startswith("chinese-calendar")
    assert s.get(CalendarYear, 2025).source == "手工导入"
    assert cal.is_workday(s, D("2025-01-28"))  # the manual 2025 notice had no 春节


# --------------------------------------------------------------------------- arithmetic


def test_national_day_2024(db):  # noqa: ANN001
    for d in range(1, 8):
        assert not cal.is_workday(db, date(2024, 10, d))
    assert cal.is_workday(db, D("2024-09-29"))  # Sunday, 调休
    assert cal.is_workday(db, D("2024-10-12"))  # Saturday, 调休
    assert cal.is_workday(db, D("2024-10-08"))
    r = cal.add_working_days(db, D("2024-09-27"), 5)
    assert r == cal.WorkdayResult(D("2024-10-10"), False, (), "")
    assert cal.add_working_days(db, D("2024-09-30"), 1).date == D("2024-10-08")
    assert cal.add_working_days(db, D("2024-10-11"), 1).date == D("2024-10-12")


def test_spring_festival_2025(db):  # noqa: ANN001
    for i in range(8):
        assert not cal.is_workday(db, D("2025-01-28") + timedelta(i))
    assert cal.is_workday(db, D("2025-01-26"))
    assert cal.is_workday(db, D("2025-02-08"))
    assert cal.add_working_days(db, D("2025-01-24"), 1).date == D("2025-01-26")
    assert cal.add_working_days(db, D("2025-01-27"), 1).date == D("2025-02-05")
    # Jan 26, Jan 27, Feb 5, 6, 7 and Saturday Feb 8.
    assert cal.working_days_between(db, D("2025-01-24"), D("2025-02-08")) == 6


def test_national_day_2025(db):  # noqa: ANN001
    for d in range(1, 9):
        assert not cal.is_workday(db, date(2025, 10, d))
    assert cal.is_workday(db, D("2025-09-28"))
    assert cal.is_workday(db, D("2025-10-11"))
    assert cal.add_working_days(db, D("2025-09-26"), 2).date == D("2025-09-29")
    assert cal.add_working_days(db, D("2025-09-30"), 1).date == D("2025-10-09")
    # A 20-working-day filing limit over the holiday ends on Oct 30.
    assert cal.add_working_days(db, D("2025-09-26"), 20) == cal.WorkdayResult(D("2025-10-30"))


@pytest.mark.parametrize("start", ["2004-12-30", "2015-09-01", "2020-01-20", "2024-12-20", "2026-09-18"])
def test_add_working_days_agrees_with_the_package(db, start):  # noqa: ANN001
    for n in (1, 5, 20, 60):
        assert cal.add_working_days(db, D(start), n).date == package_add(D(start), n), (start, n)


def test_zero_and_negative_n(db):  # noqa: ANN001
    assert cal.add_working_days(db, D("2024-10-05"), 0).date == D("2024-10-05")
    assert cal.add_working_days(db, D("2024-10-10"), -5).date == D("2024-09-27")
    assert cal.add_working_days(db, D("2024-10-08"), -1).date == D("2024-09-30")


def test_working_days_between_rules(db):  # noqa: ANN001
    fri, sat, mon = D("2024-09-20"), D("2024-09-21"), D("2024-09-23")
    assert cal.working_days_between(db, fri, fri) == 0
    assert cal.working_days_between(db, fri, sat) == 0  # past the deadline, no working day yet
    assert cal.working_days_between(db, fri, mon) == 1
    assert cal.working_days_between(db, mon, fri) == -1
    assert cal.working_days_between(db, D("2024-09-30"), D("2024-10-07")) == 0
    start = D("2024-09-20")
    for n in range(1, 60):
        end = cal.add_working_days(db, start, n).date
        assert cal.working_days_between(db, start, end) == n
        assert cal.working_days_between(db, end, start) == -n


def test_a_year_without_a_notice_is_an_estimate(db):  # noqa: ANN001
    assert 2027 not in package_years()  # the package of this version stops at 2026
    r = cal.add_working_days(db, D("2026-12-25"), 10)
    assert r.date == D("2027-01-08")  # Jan 1 counted: nobody told us it is 元旦
    assert r.estimated and r.unknown_years == (2027,)
    assert r.note == "2027年节假日安排尚未导入，按周一至周五估算"
    inside = cal.add_working_days(db, D("2026-12-01"), 5)
    assert not inside.estimated and inside.note == ""
    two = cal.add_working_days(db, D("2026-12-25"), 300)
    assert two.unknown_years == (2027, 2028) and two.note.startswith("2027、2028年")
    assert cal.missing_years(db, D("2026-06-01"), D("2028-01-01")) == (2027, 2028)
    assert cal.is_workday(db, D("2027-01-01"))


def test_loading_a_notice_makes_the_year_exact(ctx_for):  # noqa: ANN001
    ctx = ctx_for("city_admin")
    loaded = cal.load_year(ctx, 2027, NOTICE_2027, "国办发明电〔2026〕测试号")
    assert (loaded.days_off, loaded.make_up_days, loaded.replaced) == (DAYS_OFF_2027, MAKE_UP_2027, False)
    ctx.session.commit()
    s = ctx.session
    row = s.get(CalendarYear, 2027)
    assert row.source == "国办发明电〔2026〕测试号" and row.loaded_by == "city_admin"
    r = cal.add_working_days(s, D("2026-12-25"), 10)
    assert r == cal.WorkdayResult(D("2027-01-11"))
    assert cal.add_working_days(s, D("2027-02-05"), 1).date == D("2027-02-15")
    assert cal.add_working_days(s, D("2027-02-19"), 1).date == D("2027-02-20")
    assert cal.is_workday(s, D("2027-09-26")) and not cal.is_workday(s, D("2027-10-04"))
    ev = s.scalar(select(AuditEvent).where(AuditEvent.action == "calendar.load"))
    assert ev.object_id == "2027" and ev.actor_name == "city_admin" and "2027年" in ev.summary


def test_loading_again_replaces_the_year(ctx_for):  # noqa: ANN001
    ctx = ctx_for()
    cal.load_year(ctx, 2027, NOTICE_2027, "第一版")
    again = cal.load_year(ctx, 2027, "2027-05-03~2027-05-05,休,劳动节", "第二版")
    assert again.replaced and (again.days_off, again.make_up_days) == (3, 0)
    s = ctx.session
    days = list(s.scalars(select(CalendarDay.day).where(CalendarDay.day >= D("2027-01-01"))))
    assert days == [D("2027-05-03"), D("2027-05-04"), D("2027-05-05")]
    assert s.get(CalendarYear, 2027).source == "第二版"
    assert cal.is_workday(s, D("2027-01-01"))


def test_entries_can_be_passed_directly(ctx_for):  # noqa: ANN001
    ctx = ctx_for()
    entries = [cal.NoticeEntry(D("2027-01-01"), False, "元旦"), cal.NoticeEntry(D("2027-01-02"), False, "元旦")]
    loaded = cal.load_year(ctx, 2027, entries, "")
    assert (loaded.days_off, loaded.source) == (1, cal.DEFAULT_SOURCE)


def test_arithmetic_loads_the_range_in_one_query(app, db):  # noqa: ANN001
    statements: list[str] = []
    engine = app.extensions["anjian.db"].engine

    def count(_conn, _cursor, statement, *_a):  # noqa: ANN001, ANN202
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert cal.add_working_days(db, D("2024-01-02"), 300).date == package_add(D("2024-01-02"), 300)
        assert cal.working_days_between(db, D("2004-01-01"), D("2026-12-31")) > 5000
    finally:
        event.remove(engine, "before_cursor_execute", count)
    day_queries = [q for q in statements if "calendar_days" in q]
    assert len(day_queries) == 2, statements


# --------------------------------------------------------------------------- notices


def test_parse_notice_accepts_days_ranges_comments_and_chinese_commas():
    entries = cal.parse_notice("# 注释\n\n2027-01-01，休，元旦\n2027-10-01 ~ 2027-10-03,休,国庆节\n"
                               "2027-09-26,班,国庆节\n")
    assert [(e.day, e.is_workday, e.name, e.line) for e in entries] == [
        (D("2027-01-01"), False, "元旦", 3),
        (D("2027-10-01"), False, "国庆节", 4),
        (D("2027-10-02"), False, "国庆节", 4),
        (D("2027-10-03"), False, "国庆节", 4),
        (D("2027-09-26"), True, "国庆节", 5),
    ]


def test_parse_notice_reports_every_bad_line():
    text = "\n".join([
        "# 2027",                          # 1
        "2027-01-01,休,元旦",              # 2 ok
        "2027/10/01,休,国庆节",            # 3 date format
        "2027-10-02,放,国庆节",            # 4 type
        "",                                # 5
        "2027-02-30,休,春节",              # 6 no such day
        "2027-10-08,班,国庆节",            # 7 a Friday is no make-up day
        "2027-10-07~2027-10-01,休,国庆节",  # 8 reversed range
        "2027-01-01,休,元旦",              # 9 duplicate of line 2
        "2027-05-01,休",                   # 10 missing name
        "2027-01-01~2027-03-01,休,寒假",   # 11 too long
    ])
    with pytest.raises(ValidationFailed) as e:
        cal.parse_notice(text)
    errs = e.value.errors
    assert set(errs) == {"第3行", "第4行", "第6行", "第7行", "第8行", "第9行", "第10行", "第11行"}
    assert "日期格式不正确" in errs["第3行"][0]
    assert errs["第4行"] == ["类型只能是“休”或“班”"]
    assert errs["第6行"] == ["日期不存在：2027-02-30"]
    assert "星期五" in errs["第7行"][0]
    assert errs["第8行"] == ["日期范围的结束日期早于开始日期"]
    assert errs["第9行"] == ["2027-01-01与第2行重复"]
    assert "格式应为" in errs["第10行"][0]
    assert "不能超过31天" in errs["第11行"][0]
    assert "未导入" in e.value.message


def test_bad_notice_stores_nothing(ctx_for):  # noqa: ANN001
    ctx = ctx_for("city_admin")
    s = ctx.session
    before = audit_count(s, "calendar.load")
    with pytest.raises(ValidationFailed) as e:
        cal.load_year(ctx, 2027, "2027-01-01,休,元旦\n2027-13-01,休,国庆节\n2027-10-02,歇,国庆节", "x")
    assert set(e.value.errors) == {"第2行", "第3行"}
    with pytest.raises(ValidationFailed) as e:
        cal.load_year(ctx, 2027, "2027-01-01,休,元旦\n2028-01-01,休,元旦", "x")
    assert e.value.errors == {"第2行": ["2028-01-01不在2027年内"]}
    with pytest.raises(ValidationFailed) as e:
        cal.load_year(ctx, 2027, "# 只有注释\n", "x")
    assert "节假日安排" in e.value.errors
    with pytest.raises(ValidationFailed) as e:
        cal.load_year(ctx, None, "2027-01-01,休,元旦", "来" * 101)
    assert set(e.value.errors) == {"年份", "来源"}
    s.commit()
    assert s.get(CalendarYear, 2027) is None
    assert s.scalar(select(func.count()).select_from(CalendarDay).where(CalendarDay.day >= D("2027-01-01"))) == 0
    assert audit_count(s, "calendar.load") == before


def test_a_failed_reload_keeps_the_previous_notice(ctx_for):  # noqa: ANN001
    ctx = ctx_for("city_admin")
    cal.load_year(ctx, 2027, NOTICE_2027, "第一版")
    ctx.session.commit()
    with pytest.raises(ValidationFailed):
        cal.load_year(ctx, 2027, "2027-05-03,休,劳动节\n2027-05-04,休", "第二版")
    ctx.session.rollback()
    assert ctx.session.get(CalendarYear, 2027).source == "第一版"
    assert not cal.is_workday(ctx.session, D("2027-01-01"))


# --------------------------------------------------------------------------- permissions


def test_only_a_root_bureau_admin_loads_a_year(ctx_for):  # noqa: ANN001
    with pytest.raises(PermissionDenied):
        cal.load_year(ctx_for("wsq_admin"), 2027, NOTICE_2027, "x")
    with pytest.raises(PermissionDenied):
        cal.ensure_seeded(ctx_for("yjhl_admin"))
    for user in ("wsq_reviewer", "ent1_officer"):
        with pytest.raises(NotFound):
            cal.load_year(ctx_for(user), 2027, NOTICE_2027, "x")
    s = ctx_for().session
    assert s.get(CalendarYear, 2027) is None
    cal.load_year(ctx_for("city_admin"), 2027, NOTICE_2027, "x")


def test_overview_for_bureau_admins_only(ctx_for):  # noqa: ANN001
    view = cal.overview(ctx_for("wsq_admin"), 2024)
    assert view.year == 2024 and view.year_loaded and not view.can_load
    assert D("2024-10-01") in {d.day for d in view.days}
    assert {y.year for y in view.years} == package_years()
    assert cal.overview(ctx_for("city_admin"), 2024).can_load
    assert not cal.overview(ctx_for("city_admin"), 2027).year_loaded
    for user in ("wsq_reviewer", "ent1_officer"):
        with pytest.raises(NotFound):
            cal.overview(ctx_for(user))
        with pytest.raises(NotFound):
            cal.list_years(ctx_for(user))
