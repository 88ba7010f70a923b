"""The campaign API with its stable names, as a county's system and an enterprise's would use it."""
import io

from python_calamine import CalamineWorkbook

from tests.campaigns.conftest import TEMPLATE
from tests.files.samples import pdf


def test_launch_publish_work_and_review_over_json(api):
    admin, officer, reviewer, other = api("wsq_admin"), api("ent1_officer"), api("wsq_reviewer"), api("yjhl_admin")
    templates = admin.get("/api/v1/campaign-templates").json
    t = next(x for x in templates["items"] if x["id"] == TEMPLATE)
    assert t["versions"] == ["2024.1.0"] and len(t["phases"]) == 3
    bad = admin.post("/api/v1/campaigns", json={"template_id": TEMPLATE, "starts_on": "2024-09-01"})
    assert bad.status_code == 422 and "doc_no" in bad.json["errors"]
    made = admin.post("/api/v1/campaigns", json={"template_id": TEMPLATE, "starts_on": "2024-09-01",
                                                  "doc_no": "乌应急发〔2024〕56号"})
    assert made.status_code == 201, made.json
    c = made.json
    assert c["schedule"]["items"]["inspection"] == "2024-09-30" and c["body"]["version"] == "2024.1.0"
    assert other.get(f"/api/v1/campaigns/{c['id']}").status_code == 404
    stale = admin.patch(f"/api/v1/campaigns/{c['id']}", json={"version": c["version"] + 1, "doc_no": "x"})
    assert stale.status_code == 409
    edited = admin.patch(f"/api/v1/campaigns/{c['id']}", json={"version": c["version"],
                                                               "schedule": {"items": {"summary_report": "2024-10-15"}}})
    assert edited.status_code == 200 and edited.json["schedule"]["items"]["summary_report"] == "2024-10-15"
    out = admin.post(f"/api/v1/campaigns/{c['id']}/publish", json={"version": edited.json["version"]})
    assert out.status_code == 200 and out.json["status"] == "published"
    assert admin.post(f"/api/v1/campaigns/{c['id']}/publish", json={"version": out.json["campaign"]["version"]}
                      ).status_code == 409
    matrix = reviewer.get(f"/api/v1/campaigns/{c['id']}/matrix").json
    assert len(matrix["rows"]) == 5 and matrix["overall"]["done"] == 0
    mine = officer.get("/api/v1/tasks", query_string={"campaign_id": c["id"], "limit": 100}).json
    assert mine["total"] >= 7 and {x["tenant_id"] for x in mine["items"]} == {mine["items"][0]["tenant_id"]}
    task = next(x for x in mine["items"] if x["item_id"] == "summary_report")
    detail = officer.get(f"/api/v1/tasks/{task['id']}").json
    files = next(f["id"] for f in detail["item"]["fields"] if f["type"] == "files")
    text = next(f["id"] for f in detail["item"]["fields"] if f["type"] == "text")
    assert officer.put(f"/api/v1/tasks/{task['id']}", json={"data": {text: 5}, "version": detail["version"]}
                       ).status_code == 422
    saved = officer.put(f"/api/v1/tasks/{task['id']}", json={"data": {text: "完成六项工作"}, "version": detail["version"]})
    assert saved.status_code == 200 and saved.json["status"] == "in_progress"
    early = officer.post(f"/api/v1/tasks/{task['id']}/transitions", json={"action": "submit", "version": saved.json["version"]})
    assert early.status_code == 422 and f"data.{files}" in early.json["errors"]
    up = officer.post(f"/api/v1/tasks/{task['id']}/files", data={"field": files, "file": (io.BytesIO(pdf("r")), "总结报告.pdf")},
                      content_type="multipart/form-data")
    assert up.status_code == 201 and len(up.json["data"][files]) == 1
    sent = officer.post(f"/api/v1/tasks/{task['id']}/transitions", json={"action": "submit", "version": up.json["version"]})
    assert sent.status_code == 200 and sent.json["status"] == "submitted"
    assert other.post(f"/api/v1/tasks/{task['id']}/transitions", json={"action": "accept", "version": 1}).status_code == 404
    accepted = reviewer.post(f"/api/v1/tasks/{task['id']}/transitions", json={"action": "accept",
                                                                            "version": sent.json["version"]})
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    again = admin.post(f"/api/v1/tasks/{task['id']}/transitions", json={"action": "return", "comment": "x",
                                                                      "version": sent.json["version"]})
    assert again.status_code == 409
    assert reviewer.get(f"/api/v1/campaigns/{c['id']}/matrix").json["columns"]["summary_report"]["done"] == 1
    book = CalamineWorkbook.from_filelike(io.BytesIO(reviewer.get(f"/api/v1/campaigns/{c['id']}/export").data))
    assert "问题台账" in book.sheet_names


def test_a_phone_inspection_over_json(api, ctx_for, published):
    from tests.campaigns.conftest import task_of
    from tests.files.samples import png
    reviewer, officer, other = api("wsq_reviewer"), api("ent1_officer"), api("yjhl_admin")
    t = task_of(ctx_for, published, "inspection")
    started = reviewer.post(f"/api/v1/tasks/{t.id}/inspections")
    assert started.status_code == 201 and started.json["status"] == "draft"
    i = started.json
    assert officer.get(f"/api/v1/inspections/{i['id']}").status_code == 404     # not until it is done
    assert other.get(f"/api/v1/inspections/{i['id']}").status_code == 404
    bad = reviewer.put(f"/api/v1/inspections/{i['id']}", json={"version": i["version"], "findings": [{"description": "x"}]})
    assert bad.status_code == 422 and "findings.0.measures" in bad.json["errors"]
    saved = reviewer.put(f"/api/v1/inspections/{i['id']}", json={
        "version": i["version"], "answers": {str(n): {"answer": "yes"} for n in range(len(i["answers"]))},
        "findings": [{"description": "泄压阀铅封缺失", "location": "合成塔", "measures": "补加铅封", "owner": "王五",
                      "due_on": "2099-01-01"}]})
    assert saved.status_code == 200
    photo = reviewer.post(f"/api/v1/inspections/{i['id']}/photos", data={"finding": "0", "file": (io.BytesIO(png()), "阀.png")},
                          content_type="multipart/form-data")
    assert photo.status_code == 201 and len(photo.json["findings"][0]["photos"]) == 1
    done = reviewer.post(f"/api/v1/inspections/{i['id']}/complete", json={"version": photo.json["version"]})
    assert done.status_code == 200 and len(done.json["hazard_ids"]) == 1
    assert reviewer.post(f"/api/v1/inspections/{i['id']}/complete", json={"version": done.json["version"]}
                         ).status_code == 409
    assert officer.get(f"/api/v1/inspections/{i['id']}").status_code == 200
    listed = officer.get("/api/v1/hazards", query_string={"campaign": published}).json
    assert [h["description"] for h in listed["items"]] == ["泄压阀铅封缺失"]
