"""/api/v1/checklists: templates, start, answers, transitions; errors in the common shape."""
from __future__ import annotations

from sqlalchemy import select

from core.audit.models import AuditEvent
from tests.checklists.conftest import FULL, TEMPLATE

BASE = "/api/v1/checklists"


def started(api) -> dict:  # noqa: ANN001
    r = api("ent1_officer").post(BASE, json={"template_id": TEMPLATE})
    assert r.status_code == 201, r.json
    return r.json


def test_templates_offered_only_when_enabled(app, api, ctx_for) -> None:  # noqa: ANN001
    ent1 = api("ent1_officer")
    assert ent1.get(f"{BASE}/templates").json["items"] == []
    r = ent1.post(BASE, json={"template_id": TEMPLATE})
    assert r.status_code == 404 and r.json["code"] == "not_found"
    from tests.checklists.conftest import enable
    enable(app, ctx_for)
    listing = ent1.get(f"{BASE}/templates").json["items"]
    assert [(t["id"], t["version"], t["plugin"]) for t in listing] == [(TEMPLATE, "1.0.0", "checklists")]
    assert [i["id"] for s in listing[0]["sections"] for i in s["items"]] == ["1.1", "1.2", "2.1", "2.2"]
    assert api("yjhl_admin").get(f"{BASE}/templates").json["items"] == []


def test_anonymous_is_401(client) -> None:  # noqa: ANN001
    assert client.get(BASE).status_code == 401
    assert client.get(f"{BASE}/templates").status_code == 401


def test_full_journey(app, api, db, enabled) -> None:  # noqa: ANN001
    ent1, reviewer = api("ent1_officer"), api("wsq_reviewer")
    run = started(api)
    assert (run["status"], run["template_version"], run["plugin"], run["answers"]) == \
        ("draft", "1.0.0", "checklists", {})
    assert run["body"]["version"] == "1.0.0" and len(run["snapshot_sha256"]) == 64
    assert run["created_by_name"] == "宏达甲醇安全员" and run["tenant_name"] == "乌审旗宏达甲醇有限责任公司"
    assert [a["name"] for a in run["actions"]] == ["submit"]
    url = f"{BASE}/{run['id']}"

    r = ent1.post(f"{url}/transitions", json={"action": "submit", "version": run["version"]})
    assert r.status_code == 409 and r.json["code"] == "conflict"
    assert r.json["message"] == "以下检查项尚未作答，不能提交：1.1、1.2、2.1"

    r = ent1.put(f"{url}/answers", json={"answers": FULL, "version": run["version"]})
    assert r.status_code == 200, r.json
    assert r.json["answers"]["1.2"] == {"value": "no", "note": "风险辨识未覆盖新装置"}
    r = ent1.post(f"{url}/transitions", json={"action": "submit", "version": r.json["version"]})
    assert r.status_code == 200 and r.json["status"] == "submitted" and r.json["submitted_at"]
    assert r.json["actions"] == []

    seen = reviewer.get(url).json
    assert [a["name"] for a in seen["actions"]] == ["accept", "return"]
    assert [a["needs_comment"] for a in seen["actions"]] == [False, True]
    r = reviewer.post(f"{url}/transitions", json={"action": "return", "version": seen["version"]})
    assert r.status_code == 422 and r.json["errors"] == {"comment": ["退回意见不能为空"]}
    r = reviewer.post(f"{url}/transitions", json={"action": "return", "version": seen["version"],
                                                  "comment": "请补充第1.2项的整改措施"})
    assert r.status_code == 200 and r.json["status"] == "returned"
    assert r.json["comment"] == "请补充第1.2项的整改措施" and r.json["reviewed_by_name"] == "乌审旗审核员"

    back = ent1.get(url).json
    assert back["comment"] == "请补充第1.2项的整改措施" and back["reviewed_by_name"] == "乌审旗审核员"
    r = ent1.put(f"{url}/answers", json={"answers": {"1.2": {"value": "yes", "note": "已整改"}},
                                         "version": back["version"]})
    r = ent1.post(f"{url}/transitions", json={"action": "submit", "version": r.json["version"]})
    assert r.json["status"] == "submitted"
    r = reviewer.post(f"{url}/transitions", json={"action": "accept", "version": r.json["version"]})
    assert r.status_code == 200 and r.json["status"] == "accepted" and r.json["status_label"] == "已通过"

    assert [x["id"] for x in reviewer.get(f"{BASE}?status=accepted").json["items"]] == [run["id"]]
    assert reviewer.get(f"{BASE}?status=draft").json["items"] == []
    assert reviewer.get(f"{BASE}?status=bogus").status_code == 422
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "checklist",
                                                         AuditEvent.object_id == str(run["id"]))
                         .order_by(AuditEvent.id)).all()
    assert actions == ["checklist.start", "checklist.answers", "checklist.submit", "checklist.return",
                       "checklist.answers", "checklist.submit", "checklist.accept"]


def test_bad_answers_are_422_naming_the_item(app, api, enabled) -> None:  # noqa: ANN001
    run = started(api)
    ent1 = api("ent1_officer")
    url = f"{BASE}/{run['id']}/answers"
    r = ent1.put(url, json={"answers": {"1.1": {"value": "yes"}, "2.1": {"value": "maybe"}},
                            "version": run["version"]})
    assert r.status_code == 422 and r.json["code"] == "validation_failed"
    assert r.json["message"] == "第2.1项：只能选择“是”“否”或“不适用”"
    assert r.json["errors"] == {"answers.2.1": ["第2.1项：只能选择“是”“否”或“不适用”"]}
    r = ent1.put(url, json={"answers": {"9.9": {"value": "yes"}}, "version": run["version"]})
    assert r.status_code == 422 and r.json["message"] == "第9.9项：检查表中没有该项"
    r = ent1.put(url, json={"answers": {"1.1": {"value": "yes"}}})
    assert r.status_code == 422 and r.json["errors"] == {"version": ["缺少版本号"]}
    r = ent1.put(url, json={"version": run["version"]})
    assert r.status_code == 422 and "answers" in r.json["errors"]
    assert ent1.get(f"{BASE}/{run['id']}").json["answers"] == {}
    r = ent1.post(BASE, json={})
    assert r.status_code == 422 and r.json["errors"] == {"template_id": ["检查表模板为必填项"]}


def test_stale_version_is_409(app, api, enabled) -> None:  # noqa: ANN001
    run = started(api)
    ent1 = api("ent1_officer")
    url = f"{BASE}/{run['id']}"
    assert ent1.put(f"{url}/answers", json={"answers": FULL, "version": run["version"]}).status_code == 200
    r = ent1.put(f"{url}/answers", json={"answers": {"1.1": {"value": "no"}}, "version": run["version"]})
    assert r.status_code == 409 and "已被他人处理或修改" in r.json["message"]
    r = ent1.post(f"{url}/transitions", json={"action": "submit", "version": run["version"]})
    assert r.status_code == 409
    assert ent1.get(url).json["answers"]["1.1"] == {"value": "yes", "note": ""}


def test_wrong_role_is_403(app, api, enabled) -> None:  # noqa: ANN001
    run = started(api)
    url = f"{BASE}/{run['id']}"
    r = api("wsq_reviewer").put(f"{url}/answers", json={"answers": FULL, "version": run["version"]})
    assert r.status_code == 403
    r = api("ent1_officer").post(f"{url}/transitions", json={"action": "accept", "version": run["version"]})
    assert r.status_code == 403
    assert api("wsq_reviewer").post(BASE, json={"template_id": TEMPLATE}).status_code == 403


def test_another_tenants_run_is_404(app, api, enabled) -> None:  # noqa: ANN001
    run = started(api)
    url = f"{BASE}/{run['id']}"
    for username in ("ent2_officer", "yjhl_reviewer", "yjhl_admin"):
        c = api(username)
        assert c.get(url).status_code == 404
        # 404 whatever the body: the run is looked up before the body is checked.
        for body in ({}, {"answers": FULL, "version": run["version"]}):
            r = c.put(f"{url}/answers", json=body)
            assert r.status_code == 404 and r.json["code"] == "not_found", username
        for body in ({}, {"action": "accept", "version": run["version"]}):
            assert c.post(f"{url}/transitions", json=body).status_code == 404
        assert c.get(BASE).json["items"] == []
    assert api("ent1_officer").get(f"{BASE}/999999").status_code == 404
    assert [x["id"] for x in api("city_admin").get(BASE).json["items"]] == [run["id"]]


def test_openapi_documents_the_routes(app, client) -> None:  # noqa: ANN001
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    assert {"/api/v1/checklists", "/api/v1/checklists/templates", "/api/v1/checklists/{run_id}",
            "/api/v1/checklists/{run_id}/answers", "/api/v1/checklists/{run_id}/transitions"} <= set(paths)
    assert "requestBody" in paths["/api/v1/checklists/{run_id}/answers"]["put"]
