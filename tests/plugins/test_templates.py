"""validate_template for each kind, the canonical hash snapshots are keyed by, and the
ordering of semantic versions."""
from __future__ import annotations

import copy
import json

import pytest

from core.errors import ValidationFailed
from core.plugin_api import validate_template, validate_templates
from core.plugins.templates import canonical_json, template_hash, version_key

CHECKLIST = {
    "kind": "checklist", "id": "test.hot_work_check", "version": "1.0.0",
    "title": "动火作业安全检查表", "basis": "GB 30871《危险化学品企业特殊作业安全规范》",
    "sections": [
        {"title": "作业许可", "items": [
            {"id": "1.1", "text": "是否办理动火安全作业票并经审批"},
            {"id": "1.2", "text": "动火分析是否在作业前30分钟内进行", "points": 5, "evidence": True}]},
        {"title": "现场措施", "items": [
            {"id": "2.1", "text": "是否清除动火点周围易燃物", "answer": "score", "points": 10},
            {"id": "2.2", "text": "现场监火人姓名及配备的消防器材", "answer": "text"}]},
    ],
}
CAMPAIGN = {
    "kind": "campaign", "id": "test.hazchem_campaign", "version": "2.1.0", "title": "危险化学品安全专项整治",
    "industries": ["hazchem_production", "hazchem_use"],
    "phases": [
        {"id": "mobilize", "title": "动员部署", "starts_day": 0, "ends_day": 14, "tasks": [
            {"id": "issue_plan", "title": "印发实施方案", "assignee": "bureau", "due_days": 7}]},
        {"id": "self_check", "title": "自查自改", "starts_day": 15, "ends_day": 60, "tasks": [
            {"id": "run_check", "title": "开展自查", "assignee": "enterprise", "due_days": 45,
             "checklist": "test.hot_work_check"}]},
        {"id": "inspect", "title": "督导检查", "starts_day": 61, "ends_day": 90},
        {"id": "summarize", "title": "总结提升", "starts_day": 91, "ends_day": 91},
    ],
}
LEDGER = {
    "kind": "ledger", "id": "test.hazard_ledger", "version": "1.0.0", "title": "隐患排查治理台账",
    "columns": [
        {"id": "code", "header": "隐患编号", "type": "text", "required": True, "key": True},
        {"id": "found_on", "header": "排查日期", "type": "date", "required": True},
        {"id": "description", "header": "隐患描述", "type": "text", "required": True, "max_length": 500},
        {"id": "grade", "header": "隐患等级", "type": "enum", "choices": ["一般隐患", "重大隐患"]},
        {"id": "funds", "header": "整改资金（万元）", "type": "number"},
    ],
}
SCORING = {
    "kind": "scoring", "id": "test.principal_scoring", "version": "1.0.0-rc.1", "title": "主要负责人述职计分考核表",
    "total": 100,
    "items": [
        {"id": "1", "title": "安全生产责任制", "points": 40, "deductions": [{"text": "未建立全员安全生产责任制", "points": 40}]},
        {"id": "2", "title": "隐患排查治理", "points": 35.5},
        {"id": "3", "title": "应急管理", "points": 24.5, "deductions": [{"text": "未按规定组织应急演练", "points": 5}]},
    ],
}
EXAMPLES = {"checklist": CHECKLIST, "campaign": CAMPAIGN, "ledger": LEDGER, "scoring": SCORING}


def errors_of(template: object) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as e:
        validate_template(template)
    return e.value.errors


def changed(base: str, **top) -> dict:  # noqa: ANN003
    t = copy.deepcopy(EXAMPLES[base])
    t.update(top)
    return t


# --- valid templates -------------------------------------------------------------------

@pytest.mark.parametrize("kind", list(EXAMPLES))
def test_valid_example_passes_and_gets_defaults(kind: str):
    body = validate_template(copy.deepcopy(EXAMPLES[kind]))
    assert body["kind"] == kind
    assert body["description"] == "" and "industries" in body
    assert validate_template(body) == body            # normalising is idempotent


def test_defaults_are_filled_in():
    body = validate_template(copy.deepcopy(CHECKLIST))
    first = body["sections"][0]["items"][0]
    assert first == {"id": "1.1", "text": "是否办理动火安全作业票并经审批", "basis": "", "answer": "yes_no",
                     "points": None, "evidence": False}
    assert body["industries"] == []
    campaign = validate_template(copy.deepcopy(CAMPAIGN))
    assert campaign["phases"][2]["tasks"] == []
    assert campaign["phases"][0]["tasks"][0]["checklist"] is None
    ledger = validate_template(copy.deepcopy(LEDGER))
    assert ledger["columns"][1]["choices"] is None and ledger["columns"][3]["required"] is False
    scoring = validate_template(copy.deepcopy(SCORING))
    assert scoring["items"][1]["deductions"] == []


# --- errors name the path, in Chinese ----------------------------------------------------

def test_not_a_dict_or_unknown_kind():
    assert errors_of(["checklist"]) == {"_": ["模板应为字典（JSON 对象）"]}
    assert errors_of(changed("checklist", kind="inspection")) == {"kind": ["模板类型只能是 checklist、campaign、ledger、criteria、scoring"]}
    assert "kind" in errors_of({"id": "x.y"})


@pytest.mark.parametrize("version", ["1", "1.0", "v1.0.0", "01.0.0", "1.0.0.0", "1.0.0-", ""])
def test_bad_semver(version: str):
    assert errors_of(changed("ledger", version=version))["version"] == ["版本号应为语义化版本，如 1.0.0"]


@pytest.mark.parametrize("template_id", ["Hazchem.check", "1check", "check-list", "check..list", "check.", ""])
def test_bad_template_id(template_id: str):
    assert errors_of(changed("ledger", id=template_id))["id"] == ["模板编号只能由小写字母、数字、下划线和点组成，并以字母开头"]


def test_missing_and_unknown_fields():
    t = copy.deepcopy(CHECKLIST)
    del t["title"]
    del t["sections"][1]["items"][0]["text"]
    t["sections"][0]["items"][1]["pionts"] = 5          # misspelt: refused, not ignored
    assert errors_of(t) == {"title": ["模板名称为必填项"], "sections.1.items.0.text": ["检查内容为必填项"],
                            "sections.0.items.1.pionts": ["未知字段"]}


def test_checklist_duplicate_item_ids_across_sections():
    t = copy.deepcopy(CHECKLIST)
    t["sections"][1]["items"][0]["id"] = "1.2"
    errors = errors_of(t)
    assert errors == {"sections.1.items.0.id": ["检查项编号“1.2”重复（与 sections.0.items.1.id 相同）"]}


def test_checklist_structure():
    assert errors_of(changed("checklist", sections=[])) == {"sections": ["检查表至少一个分组"]}
    t = copy.deepcopy(CHECKLIST)
    t["sections"][0]["items"] = []
    t["sections"][1]["items"][0]["answer"] = "multiple_choice"
    t["sections"][1]["items"][1]["points"] = -1
    assert errors_of(t) == {"sections.0.items": ["每个分组至少一个检查项"],
                            "sections.1.items.0.answer": ["作答方式只能是 yes_no、text 或 score"],
                            "sections.1.items.1.points": ["分值应在0至1000之间"]}


def test_unknown_industry():
    assert errors_of(changed("campaign", industries=["hazchem_use", "chemicals"])) == {
        "industries.1": ["行业类别不在可选范围内"]}


def test_campaign_phase_ending_before_it_starts():
    t = copy.deepcopy(CAMPAIGN)
    t["phases"][1]["ends_day"] = 10
    assert errors_of(t) == {"phases.1.ends_day": ["阶段结束日不能早于开始日"]}


def test_campaign_tasks():
    t = copy.deepcopy(CAMPAIGN)
    t["phases"][0]["tasks"][0]["assignee"] = "city"
    t["phases"][1]["tasks"][0]["due_days"] = 731
    assert errors_of(t) == {"phases.0.tasks.0.assignee": ["承办方只能是 enterprise（企业）、section（股室队）或 bureau（应急管理局）"],
                            "phases.1.tasks.0.due_days": ["完成期限应在0至730天之间"]}
    t = copy.deepcopy(CAMPAIGN)
    t["phases"][1]["tasks"][0]["id"] = "issue_plan"
    assert errors_of(t) == {"phases.1.tasks.0.id": ["任务编号“issue_plan”重复（与 phases.0.tasks.0.id 相同）"]}
    t = copy.deepcopy(CAMPAIGN)
    t["phases"][3]["id"] = "mobilize"
    assert errors_of(t) == {"phases.3.id": ["阶段编号“mobilize”重复（与 phases.0.id 相同）"]}
    assert errors_of(changed("campaign", phases=[])) == {"phases": ["专项整治至少一个阶段"]}


def test_ledger_enum_column_without_choices():
    t = copy.deepcopy(LEDGER)
    del t["columns"][3]["choices"]
    assert errors_of(t) == {"columns.3.choices": ["enum 类型的列必须给出可选值"]}
    t["columns"][3]["choices"] = []
    assert errors_of(t) == {"columns.3.choices": ["enum 类型的列必须给出可选值"]}


def test_ledger_columns():
    t = copy.deepcopy(LEDGER)
    t["columns"][4]["type"] = "money"
    t["columns"][2]["id"] = "Description"
    assert errors_of(t) == {"columns.4.type": ["列类型只能是 text、number、date、enum、person"],
                            "columns.2.id": ["列编号只能由小写字母、数字、下划线和点组成，并以字母开头"]}
    t = copy.deepcopy(LEDGER)
    t["columns"][4]["id"] = "grade"
    assert errors_of(t) == {"columns.4.id": ["列编号“grade”重复（与 columns.3.id 相同）"]}


def test_scoring_items_must_add_up_to_the_total():
    t = copy.deepcopy(SCORING)
    t["items"][2]["points"] = 20
    assert errors_of(t) == {"total": ["各考核项分值之和（95.5）应等于总分（100）"]}
    assert errors_of(changed("scoring", total=0))["total"] == ["总分应在1至1000之间"]


def test_scoring_items():
    t = copy.deepcopy(SCORING)
    t["items"][1]["id"] = "1"
    assert errors_of(t) == {"items.1.id": ["考核项编号“1”重复（与 items.0.id 相同）"]}
    t = copy.deepcopy(SCORING)
    t["items"][0]["deductions"][0] = {"text": "", "points": 5}
    assert errors_of(t) == {"items.0.deductions.0.text": ["扣分情形长度应为1至300个字"]}


# --- canonical JSON and the hash -------------------------------------------------------------

def _reordered(value: object) -> object:
    """The same data with every dict's keys in reverse order."""
    if isinstance(value, dict):
        return {k: _reordered(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reordered(v) for v in value]
    return value


@pytest.mark.parametrize("kind", list(EXAMPLES))
def test_hash_is_stable_under_key_order(kind: str):
    body = validate_template(copy.deepcopy(EXAMPLES[kind]))
    shuffled = _reordered(body)
    assert json.dumps(shuffled, ensure_ascii=False) != json.dumps(body, ensure_ascii=False)
    assert canonical_json(shuffled) == canonical_json(body)
    assert template_hash(shuffled) == template_hash(body)
    assert template_hash(validate_template(_reordered(EXAMPLES[kind]))) == template_hash(body)


def test_canonical_json_form():
    assert canonical_json({"title": "检查表", "b": [1, 2], "a": {"y": None, "x": True}}) == \
        '{"a":{"x":true,"y":null},"b":[1,2],"title":"检查表"}'
    digest = template_hash({"a": 1})
    assert len(digest) == 64 and int(digest, 16) >= 0


def test_any_content_change_changes_the_hash():
    body = validate_template(copy.deepcopy(CHECKLIST))
    reworded = copy.deepcopy(body)
    reworded["sections"][0]["items"][0]["text"] += "。"
    bumped = {**body, "version": "1.0.1"}
    hashes = {template_hash(body), template_hash(reworded), template_hash(bumped)}
    assert len(hashes) == 3


# --- semantic version ordering -------------------------------------------------------------

def test_version_key_orders_numerically_and_releases_after_prereleases():
    assert version_key("1.10.0") > version_key("1.9.0")
    assert version_key("2.0.0") > version_key("1.99.99")
    assert version_key("1.0.10") > version_key("1.0.9")
    assert version_key("1.0.0") > version_key("1.0.0-rc.1")
    assert version_key("1.0.0-rc.1") > version_key("0.9.9")
    ordered = ["0.1.0", "0.9.0", "1.0.0-alpha", "1.0.0-rc.1", "1.0.0", "1.2.0", "1.10.0", "10.0.0"]
    assert sorted(reversed(ordered), key=version_key) == ordered
    assert max(["1.9.0", "1.10.0", "1.10.0-rc.2"], key=version_key) == "1.10.0"


def test_text_item_has_no_points():
    t = copy.deepcopy(CHECKLIST)
    t["sections"][1]["items"][1]["points"] = 5
    assert errors_of(t) == {"sections.1.items.1.points": ["作答方式为 text 的检查项不能设分值"]}


def test_task_due_before_its_phase_starts():
    t = copy.deepcopy(CAMPAIGN)
    t["phases"][1]["tasks"][0]["due_days"] = 10
    assert errors_of(t) == {"phases.1.tasks.0.due_days": ["完成期限（第10天）不能早于所在阶段的开始日（第15天）"]}
    t["phases"][1]["tasks"][0]["due_days"] = 15        # the first day of the phase is fine
    validate_template(t)


def test_deduction_above_its_items_points():
    t = copy.deepcopy(SCORING)
    t["items"][2]["deductions"][0]["points"] = 30
    assert errors_of(t) == {"items.2.deductions.0.points": ["扣分（30）不能超过该考核项的分值（24.5）"]}


def test_template_id_carries_the_plugins_prefix():
    assert validate_template(copy.deepcopy(CHECKLIST), plugin="test")["id"] == "test.hot_work_check"
    with pytest.raises(ValidationFailed) as e:
        validate_template(copy.deepcopy(CHECKLIST), plugin="dust")
    assert e.value.errors == {"id": ["模板编号应以插件名加点开头，如“dust.hot_work_check”"]}
    with pytest.raises(ValidationFailed) as e:
        validate_template(changed("checklist", id="testing.x"), plugin="test")   # a prefix, not the name
    assert list(e.value.errors) == ["id"]


def test_campaign_task_names_a_checklist_of_the_plugin():
    assert [t["id"] for t in validate_templates([copy.deepcopy(CHECKLIST), copy.deepcopy(CAMPAIGN)], "test")] == [
        "test.hot_work_check", "test.hazchem_campaign"]
    with pytest.raises(ValidationFailed) as e:
        validate_templates([copy.deepcopy(CAMPAIGN)], "test")
    assert e.value.errors == {"test.hazchem_campaign: phases.1.tasks.0.checklist": [
        "检查表“test.hot_work_check”不存在（应为本插件提供的检查表模板编号）"]}
