"""After filing over JSON: evaluations, revision triggers, re-filing as a new version, drills
and their obligations; refusals in the common error shape, isolation."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.calendar.service import beijing_today
from core.filings.models import Drill, Filing, FilingEvaluation, RevisionTrigger
from tests.files import samples
from tests.filings.conftest import ONSITE, filed_plan, tenant_id

BASE = "/api/v1/filings"


@pytest.fixture
def filed(ctx_for, store) -> int:  # noqa: ANN001
    return filed_plan(ctx_for, store)


def today() -> str:
    return beijing_today().isoformat()


def evaluate(client, fid: int, data: bytes | None = None, **form):  # noqa: ANN001, ANN201
    fields = {"evaluated_on": today(), "conclusion": "keep", "summary": "经评估，预案内容仍然适用。", **form}
    fields["file"] = (io.BytesIO(samples.pdf("评估报告") if data is None else data), "评估报告.pdf")
    return client.post(f"{BASE}/{fid}/evaluations", data=fields, content_type="multipart/form-data")


def trigger(client, fid: int, **body):  # noqa: ANN001, ANN201
    return client.post(f"{BASE}/{fid}/revision-triggers",
                       json={"trigger": "resources_changed", "occurred_on": today(),
                             "description": "新增一台泡沫消防车", **body})


def drill(client, data: bytes | None = None, **form):  # noqa: ANN001, ANN201
    return client.post("/api/v1/drills", content_type="multipart/form-data", data={
        "kind": "onsite", "held_on": today(), "plan_name": ONSITE[0], "scenario": "甲醇储罐呼吸阀泄漏",
        "participants": "32", **form,
        "file": (io.BytesIO(samples.pdf("演练评估报告") if data is None else data), "演练评估报告.pdf")})


def test_evaluations(api, db, filed) -> None:  # noqa: ANN001
    ent1 = api("ent1_officer")
    assert ent1.get(f"{BASE}/{filed}/evaluations").json["items"] == []
    r = evaluate(ent1, filed, conclusion="maybe")
    assert r.status_code == 422 and r.json["code"] == "validation_failed"
    assert r.json["errors"] == {"conclusion": ["评估结论应为“预案仍然适用”或“需要修订预案”"]}
    r = evaluate(ent1, filed, samples.EXE)
    assert r.status_code == 422 and "file" in r.json["errors"]
    r = evaluate(ent1, filed, evaluated_on="明天")
    assert r.status_code == 422 and r.json["errors"] == {"evaluated_on": ["评估日期格式应为 YYYY-MM-DD（如 2026-03-02）"]}
    r = api("wsq_reviewer").post(f"{BASE}/{filed}/evaluations", data={"conclusion": "keep"},
                                 content_type="multipart/form-data")
    assert r.status_code == 403 and r.json["message"] == "只有企业管理员或安全员可以登记"
    db.expire_all()
    assert db.scalar(select(func.count(FilingEvaluation.id))) == 0

    r = evaluate(ent1, filed)
    assert r.status_code == 201, r.json
    assert (r.json["filing_id"], r.json["evaluated_on"], r.json["conclusion_label"]) == \
        (filed, today(), "预案仍然适用，无需修订")
    assert r.json["file"]["original_name"] == "评估报告.pdf" and r.json["file"]["kind"] == "pdf"
    seen = ent1.get(f"{BASE}/{filed}").json
    assert seen["evaluation_due"] == beijing_today().replace(year=beijing_today().year + 3).isoformat()
    assert not seen["revision_needed"]

    r = evaluate(ent1, filed, conclusion="revise")
    assert r.status_code == 422 and r.json["errors"] == {"trigger": ["评估结论为需要修订时，须选择修订情形"]}
    r = evaluate(ent1, filed, conclusion="revise", trigger="risk_changed", changes=["measures", "procedures"])
    assert r.status_code == 201, r.json
    listing = api("wsq_reviewer").get(f"{BASE}/{filed}/evaluations").json["items"]
    assert [e["conclusion"] for e in listing] == ["revise", "keep"]
    triggers = ent1.get(f"{BASE}/{filed}/revision-triggers").json["items"]
    assert [(t["trigger"], t["changes"], t["requires_refiling"]) for t in triggers] == \
        [("risk_changed", ["measures", "procedures"], True)]
    assert triggers[0]["change_labels"] == ["主要处置措施", "应急处置程序"]
    assert ent1.get(f"{BASE}/{filed}").json["revision_needed"]


def test_trigger_settle_and_refiling_journey(api, db, filed) -> None:  # noqa: ANN001
    ent1, reviewer = api("ent1_officer"), api("wsq_reviewer")
    r = trigger(ent1, filed)
    assert r.status_code == 201, r.json
    minor = r.json
    assert (minor["requires_refiling"], minor["resolved_on"], minor["trigger_label"]) == \
        (False, None, "重要应急资源发生重大变化")
    assert ent1.get(f"{BASE}/{filed}").json["revision_needed"]
    settle = f"{BASE}/{filed}/revision-triggers/{minor['id']}/settle"
    r = ent1.post(settle, json={"note": " "})
    assert r.status_code == 422 and r.json["errors"] == {"note": ["修订情况不能为空"]}
    r = ent1.post(settle, json={"note": "已更新应急资源调查清单"})
    assert r.status_code == 200, r.json
    assert (r.json["resolution"], r.json["resolution_note"], r.json["resolved_on"]) == \
        ("revised", "已更新应急资源调查清单", today())
    assert not ent1.get(f"{BASE}/{filed}").json["revision_needed"]
    r = ent1.post(settle, json={"note": "again"})
    assert r.status_code == 409 and r.json["message"] == "该修订情形已办结"

    r = trigger(ent1, filed, trigger="command_changed", description="应急指挥部总指挥调整",
                changes=["command_system"])
    assert r.status_code == 201 and r.json["requires_refiling"], r.json
    major = r.json
    r = ent1.post(f"{BASE}/{filed}/revision-triggers/{major['id']}/settle", json={"note": "改了"})
    assert r.status_code == 409 and "须重新备案" in r.json["message"]

    r = ent1.post(f"{BASE}/{filed}/revisions", json={"published_on": "2026-03-01"})
    assert r.status_code == 422 and r.json["errors"] == {"published_on": ["修订版本的公布日期不能早于原预案"]}
    r = ent1.post(f"{BASE}/{filed}/revisions", json={})
    assert r.status_code == 422 and "published_on" in r.json["errors"]
    r = reviewer.post(f"{BASE}/{filed}/revisions", json={"published_on": today()})
    assert r.status_code == 403
    r = ent1.post(f"{BASE}/{filed}/revisions", json={"published_on": today(), "title": "宏达甲醇应急预案（2026年修订）"})
    assert r.status_code == 201, r.json
    new = r.json
    assert (new["status"], new["supersedes_id"], new["title"]) == ("draft", filed, "宏达甲醇应急预案（2026年修订）")
    assert len(new["materials"]) == 7 and all(m["present"] for m in new["completeness"] if m["required"])
    assert [a["name"] for a in new["actions"]] == ["submit", "withdraw"]
    r = ent1.post(f"{BASE}/{filed}/revisions", json={"published_on": today()})
    assert r.status_code == 409 and r.json["message"] == "该预案已有正在办理的修订版本备案，请在该备案中继续"

    r = ent1.post(f"{BASE}/{new['id']}/transitions", json={"action": "submit", "version": new["version"]})
    assert r.status_code == 200, r.json
    assert ent1.get(f"{BASE}/{filed}").json["status"] == "accepted"  # in force until the new one is filed
    r = reviewer.post(f"{BASE}/{new['id']}/transitions", json={"action": "accept", "version": r.json["version"]})
    assert r.status_code == 200, r.json
    old = ent1.get(f"{BASE}/{filed}").json
    assert (old["status"], old["revision_needed"]) == ("superseded", False)
    settled = {t["id"]: t for t in ent1.get(f"{BASE}/{filed}/revision-triggers").json["items"]}
    assert (settled[major["id"]]["resolution"], settled[major["id"]]["resolved_filing_id"]) == ("refiled", new["id"])
    assert settled[minor["id"]]["resolution"] == "revised"
    # The superseded version takes no more records.
    r = trigger(ent1, filed)
    assert r.status_code == 409
    assert trigger(ent1, new["id"]).status_code == 201


@pytest.mark.parametrize("body, field", [
    ({"trigger": "bogus"}, "trigger"),
    ({"trigger": ["law_changed"]}, "trigger"),
    ({"trigger": {"x": 1}}, "trigger"),
    ({"changes": "measures"}, "changes"),
    ({"changes": [{"x": 1}]}, "changes"),
    ({"changes": ["drill_plan"]}, "changes"),
    ({"occurred_on": "2999-01-01"}, "occurred_on"),
    ({"occurred_on": 20260101}, "occurred_on"),
    ({"description": ""}, "description"),
    ({"description": ["x"]}, "description"),
])
def test_trigger_bad_input_is_422(api, db, filed, body, field) -> None:  # noqa: ANN001
    r = trigger(api("ent1_officer"), filed, **body)
    assert r.status_code == 422 and r.json["code"] == "validation_failed", r.json
    assert list(r.json["errors"]) == [field]
    db.expire_all()
    assert db.scalar(select(func.count(RevisionTrigger.id))) == 0
    assert not db.get(Filing, filed).revision_needed


def test_other_county_and_other_filing_get_404(api, ctx_for, db, filed) -> None:  # noqa: ANN001
    ent1 = api("ent1_officer")
    tid = trigger(ent1, filed).json["id"]
    for who in ("yjhl_reviewer", "ent2_officer"):
        other = api(who)
        assert other.get(f"{BASE}/{filed}/evaluations").status_code == 404
        assert other.get(f"{BASE}/{filed}/revision-triggers").status_code == 404
        r = evaluate(other, filed)
        assert r.status_code == 404 and r.json["code"] == "not_found"
        assert trigger(other, filed).status_code == 404
        assert other.post(f"{BASE}/{filed}/revision-triggers/{tid}/settle", json={"note": "x"}).status_code == 404
        assert other.post(f"{BASE}/{filed}/revisions", json={"published_on": today()}).status_code == 404
    # A trigger addressed under another (visible) filing of the same enterprise.
    draft = ent1.post(BASE, json={"title": "另一份预案", "published_on": today()}).json
    r = ent1.post(f"{BASE}/{draft['id']}/revision-triggers/{tid}/settle", json={"note": "x"})
    assert r.status_code == 404 and r.json["message"] == "修订情形不存在或无权访问"
    assert ent1.get(f"{BASE}/{draft['id']}/revision-triggers").json["items"] == []
    db.expire_all()
    assert db.get(RevisionTrigger, tid).resolved_on is None


def test_drills_and_obligations(api, db, filed) -> None:  # noqa: ANN001
    ent1, reviewer = api("ent1_officer"), api("wsq_reviewer")
    rows = ent1.get("/api/v1/drills/obligations").json["items"]
    assert len(rows) == 1 and rows[0]["filing_id"] == filed and rows[0]["enterprise_name"] == "乌审旗宏达甲醇有限责任公司"
    assert [o["kind"] for o in rows[0]["obligations"]] == ["comprehensive_or_special", "onsite", "onsite"]
    # Accepted 2026-03-24: each on-site plan was due by 2026-09-24.
    assert [(o["due"], o["overdue"]) for o in rows[0]["obligations"][1:]] == [("2026-09-24", True)] * 2

    r = drill(ent1, plan_name="罐区火灾现场处置方案")
    assert r.status_code == 422 and r.json["errors"] == {
        "plan_name": [f"现场处置方案应为本企业已备案的：{ONSITE[0]}、{ONSITE[1]}"]}
    r = drill(ent1, kind="tabletop")
    assert r.status_code == 422 and list(r.json["errors"]) == ["kind"]
    r = drill(ent1, participants="很多")
    assert r.status_code == 422 and r.json["errors"] == {"participants": ["参演人数应为正整数"]}
    r = drill(ent1, samples.EXE)
    assert r.status_code == 422 and "file" in r.json["errors"]
    r = drill(reviewer)
    assert r.status_code == 403 and r.json["message"] == "只有企业管理员或安全员可以登记演练"
    db.expire_all()
    assert db.scalar(select(func.count(Drill.id))) == 0

    r = drill(ent1, participant_units="乌审旗消防救援大队")
    assert r.status_code == 201, r.json
    assert (r.json["kind_label"], r.json["plan_name"], r.json["participants"], r.json["filing_id"]) == \
        ("现场处置方案演练", ONSITE[0], 32, filed)
    assert r.json["file"]["original_name"] == "演练评估报告.pdf"
    assert [d["id"] for d in ent1.get("/api/v1/drills").json["items"]] == [r.json["id"]]
    ent1_id = tenant_id(db)
    assert [d["id"] for d in reviewer.get("/api/v1/drills", query_string={"enterprise": ent1_id}).json["items"]] == \
        [r.json["id"]]
    assert reviewer.get("/api/v1/drills", query_string={"enterprise": tenant_id(db, "91150626MA0N3B7Q1R")}).json["items"] == []
    assert reviewer.get("/api/v1/drills", query_string={"limit": 0}).status_code == 422

    rows = ent1.get("/api/v1/drills/obligations").json["items"]
    by_label = {o["label"]: o for o in rows[0]["obligations"]}
    drilled, other = (by_label[f"现场处置方案“{n}”演练（每半年至少一次）"] for n in ONSITE)
    assert (drilled["last"], drilled["overdue"], other["last"], other["overdue"]) == (today(), False, None, True)
    due = reviewer.get("/api/v1/drills/obligations").json["items"]
    assert [(d["enterprise_id"], [o["label"] for o in d["obligations"]]) for d in due] == \
        [(ent1_id, [f"现场处置方案“{ONSITE[1]}”演练（每半年至少一次）"])]
    assert api("city_admin").get("/api/v1/drills/obligations").json["items"] == due

    # Another county and a sibling enterprise see nothing of it.
    assert api("yjhl_reviewer").get("/api/v1/drills").json["items"] == []
    assert api("yjhl_reviewer").get("/api/v1/drills/obligations").json["items"] == []
    assert api("ent2_officer").get("/api/v1/drills").json["items"] == []
    assert api("ent2_officer").get("/api/v1/drills/obligations").json["items"] == []  # no filing in force


def test_drill_reported_without_a_filing(api) -> None:  # noqa: ANN001
    ent2 = api("ent2_officer")
    r = drill(ent2, kind="comprehensive", plan_name="", held_on=(beijing_today() - timedelta(days=3)).isoformat())
    assert r.status_code == 201 and r.json["filing_id"] is None and r.json["plan_name"] is None, r.json


def test_anonymous_is_401(client) -> None:  # noqa: ANN001
    assert client.get("/api/v1/drills").status_code == 401
    assert client.get("/api/v1/drills/obligations").status_code == 401
