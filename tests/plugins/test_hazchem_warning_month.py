"""hazchem_warning_month ships the campaign template of seed 004 (2024年乌审旗“危险化学品生产
安全事故警示月”安全专项整治实施方案): valid, with the seed's phases, deadlines and documents."""
from __future__ import annotations

import pytest

from core.campaigns.templates import due_day
from core.plugin_api import validate_templates
from plugins import hazchem_warning_month

TEMPLATE_ID = "hazchem_warning_month.warning_month"
# 三、工作安排, day 0 = 2024年9月1日.
PHASES = {"mobilize": (0, 4), "rectify": (5, 29), "summarize": (19, 44)}
# 二、工作内容 (一)…(六): the work item each becomes and who does it.
WORK_CONTENTS = {"lookback": "bureau", "warning_education": "enterprise", "duty_report": "enterprise",
                 "law_study": "enterprise", "special_check": "enterprise", "publicity": "enterprise"}
# 工作内容（四）: every document named for the 法律法规大学习.
LAW_DOCUMENTS = ["AQ/T 3034-2022", "化工过程安全管理导则", "GB 30871-2022", "危险化学品企业特殊作业安全规范",
                 "危险化学品生产企业安全生产标准化定级标准", "化工生产企业异常工况安全处置准则",
                 "鄂应急发〔2022〕117号", "鄂应急发〔2023〕101号", "39个不准", "鄂应急发〔2023〕97号", "18条措施",
                 "鄂应急发〔2023〕110号"]


@pytest.fixture(scope="module")
def template() -> dict:
    bodies = validate_templates(hazchem_warning_month.anjian_templates(), "hazchem_warning_month")
    (t,) = [b for b in bodies if b["id"] == TEMPLATE_ID]
    return t


def items(t: dict) -> dict[str, tuple[dict, dict]]:
    return {task["id"]: (ph, task) for ph in t["phases"] for task in ph["tasks"]}


def field(task: dict, field_id: str) -> dict:
    (f,) = [f for f in task["fields"] if f["id"] == field_id]
    return f


def test_the_templates_validate(template):
    assert template["kind"] == "campaign" and template["version"] == "2024.1.0"
    assert template["title"] == "危险化学品生产安全事故警示月安全专项整治"
    assert template["theme"] == "吸取事故教训，强化安全意识，提升安全能力，筑牢安全防线"
    assert "鄂安办发〔2024〕67号" in template["basis"]
    assert set(template["industries"]) == {"hazchem_production", "hazchem_use", "hazchem_operation", "hazchem_storage"}
    assert any("9月20日" in n and "10月15日" in n for n in template["notes"])


def test_the_phases_have_the_seeds_days(template):
    assert {ph["id"]: (ph["starts_day"], ph["ends_day"]) for ph in template["phases"]} == PHASES
    assert [ph["title"] for ph in template["phases"]] == ["动员部署", "专项整治", "总结提升"]
    assert all(ph["description"] for ph in template["phases"])


def test_the_deadlines_are_the_seeds(template):
    by_id = items(template)
    days = {i: due_day(ph, task) for i, (ph, task) in by_id.items()}
    assert days["inspection"] == 29                                   # 股室队 9月30日前完成督查检查
    for i in ("warning_education", "special_check", "law_study", "duty_report"):
        assert days[i] == 19                                          # 企业 9月20日前完成自查自改
    assert days["publicity"] == 29 and days["lookback"] == 29 and days["mobilize_meeting"] == 4
    ph, report = by_id["summary_report"]
    assert ph["id"] == "summarize" and days["summary_report"] == 19   # 总结报告 9月20日前报送
    assert "9月20日" in report["due_note"] and "10月15日" in report["due_note"]
    assert by_id["inspection"][1]["assignee"] == "section" and by_id["inspection"][1]["checklist"] is None
    assert not by_id["inspection"][1]["review"] and not by_id["lookback"][1]["review"]


def test_law_study_takes_at_least_a_week(template):
    _, task = items(template)["law_study"]
    period = field(task, "study_period")
    assert period["type"] == "period" and period["min_days"] == 7


def test_the_six_work_contents_are_present(template):
    by_id = items(template)
    for i, assignee in WORK_CONTENTS.items():
        ph, task = by_id[i]
        assert ph["id"] == "rectify" and task["assignee"] == assignee and task["description"]
        assert task["fields"], f"{i} hands nothing in"
    assert field(by_id["warning_education"][1], "self_analyses")["type"] == "employee_files"
    assert field(by_id["lookback"][1], "problems")["type"] == "problems"
    checks = [f for f in by_id["special_check"][1]["fields"] if f["type"] == "checklist"]
    assert len(checks) == 4 and all(f["findings"] and f["items"] for f in checks)


def test_every_listed_law_document_appears(template):
    _, task = items(template)["law_study"]
    documents = field(task, "documents")
    assert documents["type"] == "checklist" and not documents["findings"] and len(documents["items"]) == 8
    text = "\n".join(documents["items"])
    for name in LAW_DOCUMENTS:
        assert name in text, name
