"""A hazard registered by hand, 挂牌督办 of a major one, the enterprise's extension request
and the bureau's answer, and the list's filters: each through the API, each refused with
its reason where it does not belong, each audited."""
from datetime import timedelta

from sqlalchemy import select

from core.audit.models import AuditEvent
from core.calendar.service import beijing_today
from core.ledgers.models import Hazard
from core.notifications.models import Notification
from tenants.models import Section
from tests.ledgers.test_api import rows, send
from tests.ledgers.test_loop import MAJOR, imported
from tests.ledgers.test_xlsx import workbook

FORM = {"code": "YH-101", "source": "日常排查", "found_on": "2024-09-02", "found_by": "王强", "department": "生产部",
        "location": "甲醇储罐区", "description": "罐区可燃气体报警器失效", "category": "现场管理类", "level": "重大",
        "basis": "判定标准第9项", "measures": "更换报警器", "owner": "李明", "due_on": "2099-09-30"}


def _section(db, county: str = "乌审旗应急管理局") -> int:  # noqa: ANN001
    return db.scalar(select(Section.id).where(Section.name == "危险化学品安全监管股"))


def test_a_hazard_registered_by_hand_is_checked_as_a_row_and_reported(api, db):
    ent1 = api("ent1_officer")
    r = ent1.post("/api/v1/hazards", json={**FORM, "basis": "", "due_on": "2024-02-30"})
    assert r.status_code == 422 and r.json["errors"] == {
        "basis": ["等级为“重大”时，判定依据不能为空"],
        "due_on": ["应为日期，如 2024-09-20、2024/9/20 或 2024年9月20日（现为“2024-02-30”）"]}
    r = ent1.post("/api/v1/hazards", json=FORM)
    assert r.status_code == 201 and (r.json["status"], r.json["level"]) == ("registered", "重大")
    assert ent1.post("/api/v1/hazards", json=FORM).json["errors"] == {"code": ["隐患编号“YH-101”已存在"]}
    assert any("登记重大事故隐患1项" in t for t in db.scalars(select(Notification.title)))
    assert api("wsq_reviewer").post("/api/v1/hazards", json={**FORM, "code": "X"}).status_code == 403
    assert db.scalar(select(AuditEvent.action).where(AuditEvent.object_type == "hazard")) == "hazard.register"


def test_the_bureau_supervises_a_major_hazard(api, db):
    h = imported(api, db, major=True)
    reviewer, ent1 = api("wsq_reviewer"), api("ent1_officer")
    section = _section(db)
    due = (beijing_today() + timedelta(days=30)).isoformat()
    body = {"version": h.version, "doc_no": "乌应急督〔2024〕3号", "due_on": due, "section_id": section}
    assert ent1.put(f"/api/v1/hazards/{h.id}/supervision", json=body).status_code == 403
    assert api("yjhl_reviewer").put(f"/api/v1/hazards/{h.id}/supervision", json=body).status_code == 404
    bad = reviewer.put(f"/api/v1/hazards/{h.id}/supervision", json={**body, "doc_no": " ", "section_id": 999999})
    assert bad.status_code == 422 and "doc_no" in bad.json["errors"]
    r = reviewer.put(f"/api/v1/hazards/{h.id}/supervision", json=body)
    assert r.status_code == 200 and (r.json["supervised"], r.json["supervised_no"], r.json["supervised_due"]) == (
        True, "乌应急督〔2024〕3号", due)
    again = reviewer.put(f"/api/v1/hazards/{h.id}/supervision", json={**body, "version": r.json["version"]})
    assert again.status_code == 409
    assert any(t == f"重大事故隐患{h.code}已被挂牌督办" for t in db.scalars(select(Notification.title)))
    listed = reviewer.get("/api/v1/hazards", query_string={"supervised": "true"}).json
    assert [i["code"] for i in listed["items"]] == [h.code]
    assert reviewer.get("/api/v1/hazards", query_string={"supervised": "false"}).json["total"] == 0


def test_a_general_hazard_is_not_supervised_nor_extended(api, db):
    h = imported(api, db)
    r = api("wsq_reviewer").put(f"/api/v1/hazards/{h.id}/supervision", json={
        "version": h.version, "doc_no": "x", "due_on": "2099-01-01", "section_id": _section(db)})
    assert r.status_code == 409 and "只有重大事故隐患" in r.json["message"]
    assert api("ent1_officer").post(f"/api/v1/hazards/{h.id}/extensions",
                                    json={"due_on": "2099-01-01", "reason": "x"}).status_code == 409


def test_an_extension_is_requested_then_rejected_then_approved(api, db):
    h = imported(api, db, major=True, due=beijing_today() + timedelta(days=5))
    ent1, reviewer = api("ent1_officer"), api("wsq_reviewer")
    url = f"/api/v1/hazards/{h.id}/extensions"
    assert ent1.post(url, json={"due_on": h.due_on.isoformat(), "reason": "设备未到货"}).status_code == 422
    later = (h.due_on + timedelta(days=20)).isoformat()
    first = ent1.post(url, json={"due_on": later, "reason": "防爆报警器订货周期30天"})
    assert first.status_code == 201 and first.json["status"] == "pending"
    assert ent1.post(url, json={"due_on": later, "reason": "again"}).status_code == 409     # one pending at a time
    decide = f"/api/v1/extensions/{first.json['id']}/decision"
    assert ent1.post(decide, json={"approve": True}).status_code == 403
    assert api("yjhl_reviewer").post(decide, json={"approve": True}).status_code == 404
    assert reviewer.post(decide, json={"approve": False}).json["errors"] == {"reason": ["审批意见不能为空"]}
    r = reviewer.post(decide, json={"approve": False, "reason": "可先采用便携式报警仪临时管控，期限不变"})
    assert r.status_code == 200 and r.json["status"] == "rejected"
    assert reviewer.post(decide, json={"approve": True}).status_code == 409                 # answered already
    second = ent1.post(url, json={"due_on": later, "reason": "厂家书面证明延迟发货"}).json
    assert reviewer.post(f"/api/v1/extensions/{second['id']}/decision", json={"approve": True}).json["status"] == \
        "approved"
    detail = ent1.get(f"/api/v1/hazards/{h.id}").json
    assert detail["due_on"] == later and [e["status"] for e in detail["extensions"]] == ["rejected", "approved"]
    events = db.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(h.id),
                                                        AuditEvent.object_type == "hazard")).all()
    assert events.count("hazard.extension_request") == 2 and events.count("hazard.extension_decide") == 2


def test_the_lists_filters(api, db):
    past = beijing_today() - timedelta(days=2)
    future = beijing_today() + timedelta(days=9)
    send(api("ent1_officer"), workbook(rows(3) + [{**rows(4)[3], **MAJOR, "整改期限": past},
                                                  {**rows(5)[4], "整改期限": future}]))
    reviewer = api("wsq_reviewer")

    def codes(**q) -> list[str]:
        return [i["code"] for i in reviewer.get("/api/v1/hazards", query_string=q).json["items"]]

    assert codes(level="重大") == ["YH-004"]
    assert codes(overdue="true") == ["YH-001", "YH-002", "YH-003", "YH-004"]   # by 整改期限, oldest first
    assert codes(overdue="false") == ["YH-005"]
    assert codes(status="registered") == ["YH-004"]                      # a major one starts with its plan
    assert codes(q="YH-002") == ["YH-002"]
    assert reviewer.get("/api/v1/hazards", query_string={"level": "特大"}).status_code == 422
    assert len(codes(enterprise=db.scalar(select(Hazard.tenant_id)))) == 5
