"""The built-in plugins say what they provide, and emergency_system_check's seven-area
checklist (seed 000) takes an enterprise from 检查表自查 to an accepted self-check."""
from __future__ import annotations

from core.manifests import template_kinds
from core.plugins.manager import build_registry

BASE = "/api/v1/checklists"
TEMPLATE = "emergency_system_check.site_management"
AREAS = ["应急制度", "应急预案", "应急物资", "应急培训", "应急演练", "监督检查", "现场处置"]


def test_each_builtin_says_what_it_provides():
    reg = build_registry((), template_kinds())
    check = reg.get("emergency_system_check")
    assert check.loaded and check.contributions() == {"template:checklist": 1, "template:ledger": 1, "sweep": 1}
    assert "应急体系现场管理检查考核表" in check.description and "应急物资台账" in check.description
    criteria = reg.get("major_hazard_criteria")
    assert criteria.loaded and criteria.contributions() == {"template:criteria": 1}
    assert len(criteria.templates[0]["items"]) == 20
    warning_month = reg.get("hazchem_warning_month")
    assert warning_month.loaded and warning_month.contributions() == {"template:campaign": 1}
    assert "危险化学品生产安全事故警示月安全专项整治" in warning_month.description
    record = reg.get("leadership_reporting")
    # Nothing yet, and the description says so rather than promising campaigns or scoring.
    assert record.loaded and record.contributions() == {}
    assert record.description.startswith("本版本暂未提供模板")


def test_the_checklist_has_the_seven_areas_of_seed_000():
    (template,) = [t for t in build_registry((), template_kinds()).get("emergency_system_check").templates
                   if t["kind"] == "checklist"]
    assert [s["title"] for s in template["sections"]] == AREAS
    assert all(s["items"] for s in template["sections"])
    assert "第六采油厂应急体系现场管理检查考核细则" in template["basis"]


def test_an_enterprise_starts_and_completes_the_self_check(api):
    officer, reviewer = api("ent1_officer"), api("wsq_reviewer")
    # The demo enables the built-ins for the whole city: offered without any set-up.
    assert TEMPLATE in [t["id"] for t in officer.get(f"{BASE}/templates").json["items"]]
    run = officer.post(BASE, json={"template_id": TEMPLATE})
    assert run.status_code == 201, run.json
    items = [i for s in run.json["body"]["sections"] for i in s["items"]]
    answers = {i["id"]: {"value": "情况已说明" if i["answer"] == "text" else "yes"} for i in items}
    saved = officer.put(f"{BASE}/{run.json['id']}/answers", json={"answers": answers, "version": run.json["version"]})
    assert saved.status_code == 200, saved.json
    sent = officer.post(f"{BASE}/{run.json['id']}/transitions", json={"action": "submit", "version": saved.json["version"]})
    assert sent.status_code == 200 and sent.json["status"] == "submitted"
    done = reviewer.post(f"{BASE}/{run.json['id']}/transitions", json={"action": "accept", "version": sent.json["version"]})
    assert done.status_code == 200 and done.json["status"] == "accepted"
