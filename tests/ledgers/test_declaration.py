"""A ledger type declared once: the template kind's checks, the compiled converters (what
people type into Excel), and the rules across columns, all reported at once."""
import copy
from datetime import date, datetime

import pytest

from core.errors import ValidationFailed
from core.ledgers.declaration import compile_ledger
from core.ledgers.standard import HAZARD_LEDGER
from core.plugin_api import validate_template

HAZARDS = compile_ledger(validate_template(copy.deepcopy(HAZARD_LEDGER)))
GOOD = {"code": "YH-2024-001", "source": "日常排查", "found_on": "2024-09-02", "found_by": "王强",
        "department": "生产部", "location": "甲醇储罐区", "description": "储罐区防静电接地装置失效",
        "category": "现场管理类", "level": "一般", "measures": "更换接地装置并检测", "owner": "李明",
        "due_on": "2024-09-10"}


def validate(*rows: dict):
    return HAZARDS.validate([(i + 2, r) for i, r in enumerate(rows)])


def errors_of(**changes) -> list[tuple[str, str]]:
    records, errors = validate({**GOOD, **changes})
    return [(e.column, e.message) for e in errors]


def test_the_standard_hazard_ledger_is_a_valid_declaration():
    assert HAZARDS.key.header == "隐患编号" and len(HAZARDS.columns) == 20
    assert [c.header for c in HAZARDS.columns if c.required][:3] == ["隐患编号", "来源", "排查日期"]


@pytest.mark.parametrize("change, path, message", [
    (lambda t: t["columns"][0].update(key=False), "columns", "台账须有且只有一个编号列"),
    (lambda t: t["columns"][1].update(key=True), "columns", "台账须有且只有一个编号列"),
    (lambda t: t["rules"].append({"kind": "differ", "column": "owner", "other": "nobody"}), "rules.7", "不存在的列：nobody"),
    (lambda t: t["rules"].append({"kind": "not_before", "column": "owner", "other": "found_on"}), "rules.7",
     "not_before 规则只能比较两个日期列"),
    (lambda t: t["rules"].append({"kind": "required_when", "column": "basis", "other": "level", "equals": "特大"}),
     "rules.7.equals", "“特大”不是列“等级”的可选值"),
    (lambda t: t["columns"][2].update(choices=["a"]), "columns.2.choices", "只有 enum 类型的列可以给出可选值"),
    (lambda t: t["columns"][3].update(header="隐患编号"), "columns.3.header", "列标题编号“隐患编号”重复"),
])
def test_a_bad_declaration_names_its_path(change, path, message):
    body = copy.deepcopy(HAZARD_LEDGER)
    change(body)
    with pytest.raises(ValidationFailed) as e:
        validate_template(body)
    found = {k: v for k, v in e.value.errors.items() if k.startswith(path)}
    assert any(message in m for msgs in found.values() for m in msgs), e.value.errors


def test_a_good_row_converts_to_typed_values():
    records, errors = validate(GOOD)
    assert errors == [] and records[0]["found_on"] == date(2024, 9, 2) and records[0]["_row"] == 2


@pytest.mark.parametrize("cell", ["2024-09-20", "2024/9/20", "2024年9月20日", "2024.9.20", " 2024-09-20\u3000",
                                  datetime(2024, 9, 20, 0, 0), date(2024, 9, 20), 45555.0, "２０２４-０９-２０"])
def test_dates_as_people_and_excel_write_them(cell):
    records, errors = validate({**GOOD, "due_on": cell})
    assert errors == [] and records[0]["due_on"] == date(2024, 9, 20)


@pytest.mark.parametrize("cell, message", [
    ("2024-02-30", "应为日期"), ("下周一", "应为日期"), ("1900-01-01", "不在 1950—2100 年之间")])
def test_a_date_that_is_no_date_says_what_to_write(cell, message):
    [(column, text)] = errors_of(due_on=cell)
    assert column == "整改期限" and message in text


def test_choices_numbers_and_text_as_typed():
    records, errors = validate({**GOOD, "level": " 一 般", "funds": "1,234.5", "location": "\u3000储罐区 "})
    assert errors == [] and (records[0]["level"], records[0]["funds"], records[0]["location"]) == ("一般", 1234.5, "储罐区")
    assert errors_of(level="很大") == [("等级", "只能填写：一般、重大（现为“很大”）")]
    assert errors_of(funds="两万") == [("整改资金(万元)", "应为数字，如 12.5（现为“两万”）")]
    assert errors_of(description="x\x00y") == [("隐患描述", "含有空字符（\\0），请删除后重试")]
    assert errors_of(found_by="王" * 51) == [("排查人", "不能超过50个字（现有51个字）")]
    records, _ = validate({**GOOD, "measures": "'=更换"})          # the apostrophe an export adds
    assert records[0]["measures"] == "=更换"


def test_the_rules_across_columns():
    assert errors_of(level="重大") == [("判定依据", "等级为“重大”时，判定依据不能为空")]
    assert errors_of(completed_on="2024-09-05", verified_on="2024-09-06", verified_by="李明") == [
        ("验收人", "验收人不能与整改责任人为同一人")]
    assert errors_of(completed_on="2024-09-01") == [("完成日期", "完成日期不能早于排查日期")]
    assert errors_of(verified_on="2024-09-06", verified_by="赵刚") == [("完成日期", "填写了验收日期时，完成日期不能为空")]
    assert errors_of(due_on="2024-08-30") == [("整改期限", "整改期限不能早于排查日期")]


def test_every_problem_of_every_row_is_reported_and_a_repeated_key_too():
    records, errors = validate(GOOD, {**GOOD, "source": "", "found_on": "昨天"}, {**GOOD})
    assert records == [validate(GOOD)[0][0]]
    assert [(e.row, e.column) for e in errors] == [(3, "来源"), (3, "排查日期"), (3, "隐患编号"), (4, "隐患编号")]
    assert errors[-1].message == "隐患编号“YH-2024-001”与第2行重复"
