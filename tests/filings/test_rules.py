"""The statutory rules with real 2024/2025 dates around 国庆 and 春节 (calendar from the
chinese-calendar package, seeded into the test database)."""
from datetime import date

import pytest

from core.filings import rules


@pytest.fixture
def s(db):
    return db


def test_filing_deadline_spans_national_day_2024(s):
    # Published Fri 2024-09-20: Sun 29 Sep and Sat 12 Oct are make-up working days, 1–7 Oct off.
    result = rules.filing_deadline(s, date(2024, 9, 20))
    assert result.date == date(2024, 10, 23) and not result.estimated
    assert not rules.is_late_filing(s, date(2024, 9, 20), date(2024, 10, 23))
    assert rules.is_late_filing(s, date(2024, 9, 20), date(2024, 10, 24))


def test_review_deadline_around_national_day_and_spring_festival(s):
    assert rules.review_deadline(s, date(2024, 9, 27)).date == date(2024, 10, 10)
    # 2025 春节: 28 Jan – 4 Feb off, Sun 26 Jan a working day.
    assert rules.review_deadline(s, date(2025, 1, 24)).date == date(2025, 2, 7)
    assert rules.review_reminder_date(s, date(2025, 1, 24)) == date(2025, 2, 6)


def test_deemed_filed_only_after_the_fifth_working_day(s):
    received = date(2025, 1, 24)
    assert not rules.is_deemed_filed(s, received, date(2025, 2, 7))
    assert rules.is_deemed_filed(s, received, date(2025, 2, 8))


def test_required_materials_by_industry_and_bureau_overrides():
    hazchem = rules.required_materials("hazchem_production")
    assert hazchem["review_opinion"] and hazchem["application_form"] and not hazchem["disposal_cards"]
    assert not rules.required_materials("other")["review_opinion"]
    tightened = rules.required_materials("other", {"special_plans": True, "application_form": False})
    assert tightened["special_plans"] and tightened["application_form"]  # statutory core stays


def test_evaluation_every_three_years_for_hazchem():
    due = rules.evaluation_due(date(2024, 2, 29), "hazchem_production")
    assert due == date(2027, 2, 28)
    assert rules.evaluation_due(date(2024, 5, 6), "other") is None
    assert rules.evaluation_due(date(2024, 5, 6), "other", years=5) == date(2029, 5, 6)
    assert rules.evaluation_reminders(date(2027, 5, 6)) == [date(2027, 2, 5), date(2027, 4, 6), date(2027, 5, 6)]


def test_revision_refiling():
    assert rules.revision_requires_refiling({"procedures"})
    assert not rules.revision_requires_refiling({"contact_list"})
    assert len(rules.REVISION_TRIGGERS) == 6


def test_drill_obligations():
    obligations = rules.drill_obligations(
        date(2025, 8, 1), last_comprehensive_or_special=date(2024, 7, 15),
        onsite_last={"甲醇储罐泄漏现场处置方案": date(2025, 3, 1), "液氨泄漏现场处置方案": None},
        since=date(2025, 1, 10))
    yearly, ammonia, methanol = obligations
    assert yearly.due == date(2025, 7, 15) and yearly.overdue
    assert ammonia.due == date(2025, 7, 10) and ammonia.overdue
    assert methanol.due == date(2025, 9, 1) and not methanol.overdue
