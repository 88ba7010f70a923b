"""The calendar page: bureau admins read it, the top bureau's admin loads notices."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from core.calendar.models import CalendarDay, CalendarYear
from tests.calendar.test_service import DAYS_OFF_2027, MAKE_UP_2027, NOTICE_2027


def test_bureau_admin_sees_loaded_years_and_a_years_exceptions(as_user):  # noqa: ANN001
    c = as_user("wsq_admin")
    r = c.get("/calendar?year=2024")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "chinese-calendar 1.11.0" in html
    assert "2024-10-01" in html and "国庆节" in html and "2024-09-29" in html
    assert 'name="text"' not in html  # a county bureau may not load notices


def test_city_admin_loads_a_notice_through_the_form(as_user, db):  # noqa: ANN001
    c = as_user("city_admin")
    page = c.get("/calendar").get_data(as_text=True)
    assert 'action="/calendar/load"' in page and 'name="text"' in page
    r = c.post("/calendar/load", data={"csrf_token": c.csrf, "year": "2027", "text": NOTICE_2027,
                                       "source": "国办发明电〔2026〕测试号"})
    assert r.status_code == 302
    assert r.headers["Location"].endswith("/calendar?year=2027")
    with c.session_transaction() as sess:
        flashes = [m for _cat, m in sess.get("_flashes", [])]
    assert flashes == [f"已导入2027年节假日安排：工作日放假{DAYS_OFF_2027}天，调休上班{MAKE_UP_2027}天"]
    html = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "国办发明电〔2026〕测试号" in html and "2027-02-20" in html
    row = db.get(CalendarYear, 2027)
    assert row is not None and row.loaded_by == "city_admin"
    assert db.scalar(select(func.count()).select_from(CalendarDay)
                     .where(CalendarDay.day >= date(2027, 1, 1))) == DAYS_OFF_2027 + MAKE_UP_2027


def test_form_errors_are_shown_with_line_numbers_and_nothing_is_stored(as_user, db):  # noqa: ANN001
    c = as_user("city_admin")
    text = "2027-01-01,休,元旦\n2027-1-5,休,春节\n2027-10-02,放,国庆节\n"
    r = c.post("/calendar/load", data={"csrf_token": c.csrf, "year": "2027", "text": text, "source": ""})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "第2行" in html and "日期格式不正确" in html
    assert "第3行" in html and "类型只能是“休”或“班”" in html
    assert "2027-10-02,放,国庆节" in html  # the text is kept for correction
    assert db.get(CalendarYear, 2027) is None
    r = c.post("/calendar/load", data={"csrf_token": c.csrf, "year": "明年", "text": "2027-01-01,休,元旦"})
    assert r.status_code == 422 and "年份应为" in r.get_data(as_text=True)


def test_load_needs_the_csrf_token(as_user, db):  # noqa: ANN001
    c = as_user("city_admin")
    r = c.post("/calendar/load", data={"year": "2027", "text": NOTICE_2027})
    assert r.status_code == 400
    assert db.get(CalendarYear, 2027) is None


def test_county_admin_may_not_load(as_user, db):  # noqa: ANN001
    c = as_user("wsq_admin")
    r = c.post("/calendar/load", data={"csrf_token": c.csrf, "year": "2027", "text": NOTICE_2027})
    assert r.status_code == 403
    assert db.get(CalendarYear, 2027) is None


def test_others_get_404(as_user, db):  # noqa: ANN001
    for user in ("ent1_officer", "wsq_reviewer"):
        c = as_user(user)
        assert c.get("/calendar").status_code == 404
        r = c.post("/calendar/load", data={"csrf_token": c.csrf, "year": "2027", "text": NOTICE_2027})
        assert r.status_code == 404
    assert db.get(CalendarYear, 2027) is None


def test_calculator(as_user):  # noqa: ANN001
    c = as_user("city_admin")
    html = c.get("/calendar?start=2024-09-27&n=5").get_data(as_text=True)
    assert "2024-10-10" in html and "估算" not in html.split('id="years"')[0].split('class="calc-result"')[1]
    html = c.get("/calendar?start=2026-12-25&n=10").get_data(as_text=True)
    assert "2027-01-08" in html and "2027年节假日安排尚未导入，按周一至周五估算" in html
    html = c.get("/calendar?start=2024-10-10&n=-5").get_data(as_text=True)
    assert "2024-10-10 之前第 5 个工作日" in html and "<strong>2024-09-27</strong>" in html
    r = c.get("/calendar?start=2024-13-01&n=5")
    assert r.status_code == 200 and "2024-13-01 不是有效日期" in r.get_data(as_text=True)
    assert "工作日数应在" in c.get("/calendar?start=2024-09-27&n=5000").get_data(as_text=True)
