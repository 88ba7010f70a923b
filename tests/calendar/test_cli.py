"""`anjian calendar …` commands against the real database."""
from __future__ import annotations

from datetime import date

from sqlalchemy import delete

from core.calendar.cli import calendar_cli
from core.calendar.models import CalendarDay, CalendarYear
from tests.calendar.test_service import DAYS_OFF_2027, MAKE_UP_2027, NOTICE_2027


def test_years_lists_the_seeded_years(runner):  # noqa: ANN001
    r = runner.invoke(calendar_cli, ["years"])
    assert r.exit_code == 0, r.output
    line = next(ln for ln in r.output.splitlines() if ln.startswith("2024\t"))
    assert "chinese-calendar 1.11.0" in line and "放假19天" in line and "调休上班8天" in line


def test_add_days(runner):  # noqa: ANN001
    r = runner.invoke(calendar_cli, ["add-days", "2024-09-27", "5"])
    assert r.exit_code == 0, r.output
    assert r.output == "2024-10-10\n"
    r = runner.invoke(calendar_cli, ["add-days", "2026-12-25", "10"])
    assert r.exit_code == 0
    assert r.output.splitlines() == ["2027-01-08", "注意：2027年节假日安排尚未导入，按周一至周五估算"]
    r = runner.invoke(calendar_cli, ["add-days", "2024/09/27", "5"])
    assert r.exit_code == 2 and "日期格式不正确" in r.output


def test_load_a_notice_file(runner, tmp_path, db):  # noqa: ANN001
    f = tmp_path / "2027.txt"
    f.write_text(NOTICE_2027, encoding="utf-8-sig")  # Windows editors add a BOM
    r = runner.invoke(calendar_cli, ["load", str(f), "--year", "2027", "--source", "国办发明电〔2026〕测试号"])
    assert r.exit_code == 0, r.output
    assert f"已导入2027年节假日安排：工作日放假{DAYS_OFF_2027}天，调休上班{MAKE_UP_2027}天" in r.output
    row = db.get(CalendarYear, 2027)
    assert row.source == "国办发明电〔2026〕测试号" and row.loaded_by == "cli"
    r = runner.invoke(calendar_cli, ["add-days", "2026-12-25", "10"])
    assert r.output == "2027-01-11\n"


def test_load_reports_bad_lines_and_stores_nothing(runner, tmp_path, db):  # noqa: ANN001
    f = tmp_path / "bad.txt"
    f.write_text("2027-01-01,休,元旦\n2027-02-30,休,春节\n2028-01-01,休,元旦\n", encoding="utf-8")
    r = runner.invoke(calendar_cli, ["load", str(f), "--year", "2027"])
    assert r.exit_code == 1
    assert "第2行：日期不存在：2027-02-30" in r.output
    assert "第3行：2028-01-01不在2027年内" not in r.output  # parse errors come first
    assert db.get(CalendarYear, 2027) is None


def test_seed_adds_missing_years_only(runner, db):  # noqa: ANN001
    r = runner.invoke(calendar_cli, ["seed"])
    assert r.exit_code == 0 and "无需导入" in r.output
    db.execute(delete(CalendarDay).where(CalendarDay.day.between(date(2010, 1, 1), date(2010, 12, 31))))
    db.execute(delete(CalendarYear).where(CalendarYear.year == 2010))
    db.commit()
    r = runner.invoke(calendar_cli, ["seed"])
    assert r.exit_code == 0 and "已导入1个年份" in r.output
    db.expire_all()
    assert db.get(CalendarYear, 2010).loaded_by == "cli"
