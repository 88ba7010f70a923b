"""Photos and files kept with a hazard at each stage, through the files area (checked by
content), and 纸面整改 refused: a 重大 hazard is marked rectified only with a 整改后 photo or
file. Each upload is audited; another county sees none of it."""
from sqlalchemy import select

from core.audit.models import AuditEvent
from tests.files import samples
from tests.ledgers.test_loop import PLAN, evidence, imported, step


def test_a_major_hazard_is_not_rectified_on_paper(api, db):
    h = imported(api, db, major=True)
    ent1 = api("ent1_officer")
    ent1.put(f"/api/v1/hazards/{h.id}/plan", json={"version": h.version, "plan": PLAN})
    step(ent1, h.id, "start")
    assert "complete" not in [a["name"] for a in ent1.get(f"/api/v1/hazards/{h.id}").json["actions"]]
    r = step(ent1, h.id, "complete", completed_on="2024-09-20")
    assert r.status_code == 409 and r.json["message"] == "重大事故隐患须先上传整改后的照片或资料，再登记整改完成"
    assert evidence(ent1, h.id, stage="found", name="整改前.png").status_code == 201   # before: not enough
    assert step(ent1, h.id, "complete", completed_on="2024-09-20").status_code == 409
    r = evidence(ent1, h.id, note="更换后的报警探头")
    assert r.status_code == 201 and (r.json["stage_label"], r.json["note"]) == ("整改后", "更换后的报警探头")
    assert step(ent1, h.id, "complete", completed_on="2024-09-20").json["status"] == "to_verify"
    shown = ent1.get(f"/api/v1/hazards/{h.id}").json["evidence"]
    assert [e["stage"] for e in shown] == ["found", "rectified"]
    with ent1.get(shown[1]["content"]) as photo:
        assert photo.data == samples.png()
    assert db.scalars(select(AuditEvent.action).where(AuditEvent.action == "hazard.evidence")).all() == [
        "hazard.evidence"] * 2


def test_who_uploads_what(api, db):
    h = imported(api, db)
    assert evidence(api("ent1_officer"), h.id, data=samples.EXE, name="photo.png").status_code == 422
    assert evidence(api("ent1_officer"), h.id, stage="inspection").status_code == 422     # the bureau's stage
    reviewer = api("wsq_reviewer")
    assert evidence(reviewer, h.id).status_code == 422                                    # the enterprise's stage
    assert evidence(reviewer, h.id, stage="inspection", name="核查.png").status_code == 201
    assert evidence(api("yjhl_reviewer"), h.id, stage="inspection").status_code == 404
    assert evidence(api("ent2_officer"), h.id).status_code == 404
    assert len(api("ent1_officer").get(f"/api/v1/hazards/{h.id}").json["evidence"]) == 1


def test_a_plan_uploaded_as_a_document_lets_rectification_start(api, db):
    h = imported(api, db, major=True)
    ent1 = api("ent1_officer")
    assert step(ent1, h.id, "start").status_code == 409
    r = evidence(ent1, h.id, data=samples.pdf("治理方案"), name="重大事故隐患治理方案.pdf", stage="plan")
    assert r.status_code == 201 and r.json["stage_label"] == "治理方案"
    assert step(ent1, h.id, "start").json["status"] == "rectifying"
