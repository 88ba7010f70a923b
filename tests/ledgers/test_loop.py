"""The rectification loop on the workflow engine: 一般 closed by the enterprise's own
verification, 重大 needing a 治理方案 and the bureau's verification, a failed verification
back to 整改中, 回头看 reopening, overdue announced once by the sweep, and each step refused
with the reason where it does not belong."""
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from core.audit.models import AuditEvent
from core.calendar.service import beijing_today
from core.ledgers.loop import sweep_overdue
from core.ledgers.models import Hazard
from core.notifications.models import Notification
from core.plugins.models import OutboxEvent
from tests.files import samples
from tests.ledgers.test_api import rows, send
from tests.ledgers.test_xlsx import workbook

PLAN = {"goal": "消除储罐区静电引燃风险", "methods": "更换接地装置并检测", "funding": "3万元，检测仪器两台",
        "people": "设备部负责，安全部监督", "timeline": "2024年9月30日前", "safety": "动火作业审批，专人监护",
        "contingency": "储罐区泄漏现场处置方案"}
MAJOR = {"等级": "重大", "判定依据": "判定标准第5项"}


def imported(api, db, *, major: bool = False, due: date | None = None) -> Hazard:
    changes = dict(MAJOR) if major else {}
    if due:
        changes["整改期限"] = due
    assert send(api("ent1_officer"), workbook(rows(1, **changes))).status_code == 201
    return db.scalar(select(Hazard))


def evidence(client, hazard_id: int, data: bytes | None = None, name: str = "整改后.png", **form):  # noqa: ANN001, ANN201
    """Upload a photo (整改后 unless `stage` says otherwise) through the API."""
    upload = FileStorage(io.BytesIO(samples.png() if data is None else data), filename=name)
    boundary, body = encode_multipart(MultiDict({"file": upload, "stage": "rectified", **form}))
    return client.post(f"/api/v1/hazards/{hazard_id}/evidence", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def step(client, hazard_id: int, action: str, **data):  # noqa: ANN001, ANN201
    version = client.get(f"/api/v1/hazards/{hazard_id}").json["version"]
    return client.post(f"/api/v1/hazards/{hazard_id}/transitions", json={"action": action, "version": version, **data})


def test_a_general_hazard_closes_by_the_enterprises_verification(api, db):
    h = imported(api, db)
    ent1 = api("ent1_officer")
    assert [a["name"] for a in ent1.get(f"/api/v1/hazards/{h.id}").json["actions"]] == ["complete"]
    r = step(ent1, h.id, "complete", completed_on="2024-09-01")        # before it was found
    assert r.status_code == 422 and r.json["errors"] == {"completed_on": ["完成日期不能早于排查日期"]}
    assert step(ent1, h.id, "complete", completed_on="2024-09-08").json["status"] == "to_verify"
    r = step(ent1, h.id, "verify", verified_by="李明", verified_on="2024-09-09")
    assert r.status_code == 422 and r.json["errors"] == {"verified_by": ["验收人不能与整改责任人为同一人"]}
    r = step(ent1, h.id, "verify", verified_by="赵刚", verified_on="2024-09-09", verdict="接地电阻合格")
    assert r.status_code == 200 and (r.json["status"], r.json["closed_on"], r.json["verdict"]) == (
        "closed", "2024-09-09", "接地电阻合格")
    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "hazard").order_by(AuditEvent.id)).all()
    assert actions == ["hazard.complete", "hazard.verify"]


def test_a_stale_version_is_409(api, db):
    h = imported(api, db)
    ent1 = api("ent1_officer")
    r = ent1.post(f"/api/v1/hazards/{h.id}/transitions", json={"action": "complete", "version": 7,
                                                                "completed_on": "2024-09-08"})
    assert r.status_code == 409


def test_a_major_hazard_needs_a_plan_and_the_bureau(api, db):
    h = imported(api, db, major=True)
    ent1, reviewer = api("ent1_officer"), api("wsq_reviewer")
    assert h.status == "registered"
    r = step(ent1, h.id, "start")
    assert r.status_code == 409 and r.json["message"] == "重大事故隐患须先制定治理方案（填写或上传），再开始整改"
    bad = ent1.put(f"/api/v1/hazards/{h.id}/plan", json={"version": h.version, "plan": {"goal": "x"}})
    assert bad.status_code == 422 and "plan.methods" in bad.json["errors"]
    assert ent1.put(f"/api/v1/hazards/{h.id}/plan", json={"version": h.version, "plan": PLAN}).status_code == 200
    assert step(ent1, h.id, "start").json["status"] == "rectifying"
    assert evidence(ent1, h.id).status_code == 201     # 整改后 photo: no rectification on paper only
    step(ent1, h.id, "complete", completed_on="2024-09-20")
    r = step(ent1, h.id, "verify", verified_by="赵刚", verified_on="2024-09-21")
    assert r.status_code == 409 and "须经应急管理局核查后销号" in r.json["message"]
    assert [a["name"] for a in reviewer.get(f"/api/v1/hazards/{h.id}").json["actions"]] == ["reject", "supervise"]
    assert step(reviewer, h.id, "bureau_verify", comment="同意").json["message"] == "企业须先组织验收并报请核查"
    r = step(ent1, h.id, "report", verified_by="赵刚", verified_on="2024-09-21", verdict="专家评估合格")
    assert (r.json["status"], r.json["verified_by"]) == ("to_verify", "赵刚")
    assert step(ent1, h.id, "report", verified_by="赵刚", verified_on="2024-09-21").status_code == 409
    assert [a["name"] for a in reviewer.get(f"/api/v1/hazards/{h.id}").json["actions"]] == [
        "reject", "bureau_verify", "supervise"]
    assert step_or_404(api("yjhl_reviewer"), h.id, "bureau_verify", comment="同意") == 404   # another county
    r = step(reviewer, h.id, "reject", comment="接地电阻仍超标")
    assert (r.json["status"], r.json["verdict"], r.json["verified_on"]) == ("rectifying", "接地电阻仍超标", None)
    step(ent1, h.id, "complete", completed_on="2024-09-25")
    step(ent1, h.id, "report", verified_by="赵刚", verified_on="2024-09-26")
    r = step(reviewer, h.id, "bureau_verify", comment="现场核查合格")
    assert r.status_code == 200 and r.json["status"] == "closed"


def test_look_back_reopens_and_counts_the_rebound(api, db):
    h = imported(api, db)
    ent1, reviewer = api("ent1_officer"), api("wsq_reviewer")
    step(ent1, h.id, "complete", completed_on="2024-09-08")
    step(ent1, h.id, "verify", verified_by="赵刚", verified_on="2024-09-09")
    assert step(ent1, h.id, "reopen", comment="x").status_code == 403                  # the bureau's step
    assert step(reviewer, h.id, "reopen").status_code == 422                            # with its finding
    r = step(reviewer, h.id, "reopen", comment="回头看发现接地线再次锈蚀断开")
    assert (r.json["status"], r.json["reopened"], r.json["closed_on"], r.json["completed_on"]) == (
        "rectifying", 1, None, None)


def test_overdue_is_derived_and_announced_once(app, api, db, ctx_for):
    past = beijing_today() - timedelta(days=3)
    h = imported(api, db, due=past)
    listed = api("ent1_officer").get(f"/api/v1/hazards/{h.id}").json
    assert listed["overdue"] is True and listed["status"] == "rectifying"
    for _ in range(2):                                   # cron may run it at any interval
        system = ctx_for()
        sweep_overdue(system)
        system.session.commit()
    assert db.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.name == "deadline.passed")) == 1
    assert db.scalar(select(func.count(Notification.id)).where(Notification.title.like("隐患YH-001已超过整改期限%"))) >= 1


@pytest.mark.parametrize("who, action, status", [
    ("wsq_reviewer", "complete", 403),       # the enterprise rectifies, not the bureau
    ("ent2_officer", "complete", 404),       # another enterprise cannot see it
])
def test_who_takes_which_step(api, db, who, action, status):
    h = imported(api, db)
    assert step_or_404(api(who), h.id, action, completed_on="2024-09-08") == status


def step_or_404(client, hazard_id: int, action: str, **data) -> int:  # noqa: ANN001
    r = client.post(f"/api/v1/hazards/{hazard_id}/transitions", json={"action": action, "version": 1, **data})
    return r.status_code


def test_an_upload_takes_no_step_only_the_loop_takes(api, db):
    """Re-uploading the sheet may correct a hazard's text, not close a 重大 hazard, move its
    整改期限 or undo a 回头看; a 一般 hazard closed by upload is closed on its 验收日期."""
    ent1, reviewer = api("ent1_officer"), api("wsq_reviewer")
    sheet = rows(2) + [{**rows(3)[2], **MAJOR}]
    assert send(ent1, workbook(sheet)).status_code == 201
    major = {**sheet[2], "完成日期": "2024-09-05", "验收人": "赵刚", "验收日期": "2024-09-06", "整改期限": "2024-12-31"}
    r = send(ent1, workbook([sheet[0], sheet[1], major]))
    assert r.status_code == 422 and set(r.json["errors"]) == {"第4行 完成日期", "第4行 验收人", "第4行 验收日期", "第4行 整改期限"}
    r = send(ent1, workbook([{**sheet[0], "等级": "重大", "判定依据": "第12项"}, sheet[1], sheet[2]]))
    assert r.status_code == 422 and "已登记隐患的等级不能通过导入修改" in r.json["errors"]["第2行 等级"][0]
    closed = {**sheet[0], "完成日期": "2024-09-05", "验收人": "赵刚", "验收日期": "2024-09-06"}
    assert send(ent1, workbook([closed, sheet[1], {**sheet[2], "隐患描述": "报警器探头失效（已核实）"}])).json["updated"] == 2
    h = db.scalar(select(Hazard).where(Hazard.code == "YH-001"))
    assert (h.status, h.closed_on) == ("closed", date(2024, 9, 6))
    assert step(reviewer, h.id, "reopen", comment="回头看：接地线再次断开").status_code == 200
    same = [closed, sheet[1], {**sheet[2], "隐患描述": "报警器探头失效（已核实）"}]
    assert send(ent1, workbook(same)).json["unchanged"] == 3           # the same sheet again: nothing happens
    db.expire_all()
    assert db.get(Hazard, h.id).status == "rectifying"
    r = send(ent1, workbook([{**closed, "验收日期": "2024-09-07"}, *same[1:]]))
    assert r.status_code == 422 and "回头看要求重新整改的隐患" in r.json["errors"]["第2行 验收日期"][0]


def test_the_bureau_closes_on_its_own_day_and_the_audit_keeps_only_the_steps_fields(api, db):
    h = imported(api, db, major=True)
    ent1, reviewer = api("ent1_officer"), api("wsq_reviewer")
    ent1.put(f"/api/v1/hazards/{h.id}/plan", json={"version": h.version, "plan": PLAN})
    step(ent1, h.id, "start")
    evidence(ent1, h.id)
    step(ent1, h.id, "complete", completed_on="2024-09-20", csrf_token="x", tenant_id=999)
    step(ent1, h.id, "report", verified_by="赵刚", verified_on="2024-09-21")
    r = step(reviewer, h.id, "bureau_verify", comment="现场核查合格", verified_on="2020-01-01")
    assert r.json["closed_on"] == beijing_today().isoformat()
    assert ent1.put(f"/api/v1/hazards/{h.id}/plan", json={"version": r.json["version"], "plan": PLAN}).status_code == 409
    payload = db.scalar(select(AuditEvent.payload).where(AuditEvent.action == "hazard.complete"))
    assert "csrf_token" not in payload and "tenant_id" not in payload and payload["completed_on"] == "2024-09-20"
