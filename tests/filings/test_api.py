"""/api/v1/filings: the journey over JSON, refusals in the common error shape, isolation."""
from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import func, select

from core.calendar.service import beijing_today
from core.files.models import StoredFile
from core.filings.models import Filing, FilingMaterial
from tests.files import samples
from tests.filings.conftest import REQUIRED

BASE = "/api/v1/filings"


def send(client, fid: int, material: str, data: bytes, filename: str, **form):  # noqa: ANN001, ANN201
    return client.post(f"{BASE}/{fid}/files", data={"file": (io.BytesIO(data), filename), "material": material,
                                                    **form},
                       content_type="multipart/form-data")


def created(ent1) -> dict:  # noqa: ANN001
    published = (beijing_today() - timedelta(days=10)).isoformat()
    r = ent1.post(BASE, json={"title": "乌审旗宏达甲醇有限责任公司生产安全事故应急预案", "published_on": published})
    assert r.status_code == 201, r.json
    return r.json


def test_full_journey(api) -> None:  # noqa: ANN001
    ent1, reviewer = api("ent1_officer"), api("wsq_reviewer")
    filing = created(ent1)
    assert (filing["status"], filing["materials"], filing["returns"]) == ("draft", [], [])
    assert [a["name"] for a in filing["actions"]] == ["submit", "withdraw"]
    url = f"{BASE}/{filing['id']}"

    r = ent1.post(f"{url}/transitions", json={"action": "submit", "version": filing["version"]})
    assert r.status_code == 409 and r.json["code"] == "conflict"
    assert r.json["message"].startswith("以下必备材料尚未上传，不能提交：应急预案备案申报表、综合应急预案")
    assert ent1.get(url).json["status"] == "draft"

    for material in REQUIRED:
        r = send(ent1, filing["id"], material, samples.pdf(material), f"{material}.pdf")
        assert r.status_code == 201, r.json
    r = send(ent1, filing["id"], "special_plans", samples.docx("危险化学品泄漏专项应急预案"), "专项预案.docx",
             name="危险化学品泄漏专项应急预案")
    assert r.status_code == 201, r.json
    special = r.json["materials"][-1]
    assert (special["material_label"], special["name"], special["file"]["kind"]) == \
        ("专项应急预案", "危险化学品泄漏专项应急预案", "docx")
    assert all(m["present"] for m in r.json["completeness"] if m["required"])

    r = ent1.post(f"{url}/transitions", json={"action": "submit", "version": r.json["version"]})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "submitted" and r.json["received_on"] == beijing_today().isoformat()
    assert r.json["review_due"] > r.json["received_on"] and not r.json["overdue"]

    seen = reviewer.get(url).json
    assert [(a["name"], a["needs_items"]) for a in seen["actions"]] == [("return", True), ("accept", False)]
    r = reviewer.post(f"{url}/transitions",
                      json={"action": "return", "comment": "材料不全", "version": seen["version"]})
    assert r.status_code == 422 and r.json["code"] == "validation_failed"
    assert r.json["message"] == "退回时须至少列出一项需补正的材料（一次性告知）"
    items = [{"material": "review_opinion", "note": "评审意见缺专家签字"},
             {"material": "risk_assessment", "note": "风险评估未覆盖新建罐区"}]
    r = reviewer.post(f"{url}/transitions", json={"action": "return", "comment": "请一并补正", "items": items,
                                                  "version": seen["version"]})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "returned"

    returned = ent1.get(url).json
    assert [(x["round"], x["returned_by_name"], x["comment"]) for x in returned["returns"]] == \
        [(1, "乌审旗审核员", "请一并补正")]
    assert [(i["material_label"], i["note"]) for i in returned["returns"][0]["items"]] == \
        [("应急预案评审或论证意见", "评审意见缺专家签字"), ("风险评估结果", "风险评估未覆盖新建罐区")]
    assert [a["name"] for a in returned["actions"]] == ["resubmit", "withdraw"]
    send(ent1, filing["id"], "review_opinion", samples.pdf("fixed"), "评审意见.pdf")
    r = send(ent1, filing["id"], "risk_assessment", samples.pdf("fixed2"), "风险评估.pdf")
    r = ent1.post(f"{url}/transitions", json={"action": "resubmit", "version": r.json["version"]})
    assert r.status_code == 200 and r.json["status"] == "submitted", r.json

    seen = reviewer.get(url).json
    r = reviewer.post(f"{url}/transitions", json={"action": "accept", "version": seen["version"]})
    assert r.status_code == 200, r.json
    assert r.json["status"] == "accepted" and r.json["status_label"] == "已备案"
    assert r.json["filing_no"] == f"乌应急备〔{beijing_today().year}〕第001号"
    assert r.json["accepted_on"] == beijing_today().isoformat() and r.json["evaluation_due"]

    listing = reviewer.get(BASE, query_string={"status": "accepted"}).json["items"]
    assert [f["filing_no"] for f in listing] == [r.json["filing_no"]]
    assert reviewer.get(BASE, query_string={"overdue": "true"}).json["items"] == []


def test_other_county_gets_404(api) -> None:  # noqa: ANN001
    ent1 = api("ent1_officer")
    filing = created(ent1)
    other = api("yjhl_reviewer")
    url = f"{BASE}/{filing['id']}"
    assert other.get(url).status_code == 404
    r = other.post(f"{url}/transitions", json={"action": "accept", "version": filing["version"]})
    assert r.status_code == 404 and r.json["code"] == "not_found"
    assert send(other, filing["id"], "application_form", samples.pdf(), "a.pdf").status_code == 404
    assert other.get(BASE).json["items"] == []
    assert [f["id"] for f in api("city_admin").get(BASE).json["items"]] == [filing["id"]]


def test_wrong_file_type_is_422_and_stores_nothing(app, api, db) -> None:  # noqa: ANN001
    ent1 = api("ent1_officer")
    filing = created(ent1)
    db.expire_all()
    before = db.scalar(select(func.count()).select_from(StoredFile))
    r = send(ent1, filing["id"], "comprehensive_plan", samples.EXE, "预案.pdf")
    assert r.status_code == 422 and r.json["code"] == "validation_failed" and "file" in r.json["errors"]
    r = send(ent1, filing["id"], "comprehensive_plan", samples.OLE2_DOC, "预案.doc")
    assert r.status_code == 422
    r = send(ent1, filing["id"], "nonsense", samples.pdf(), "预案.pdf")
    assert r.status_code == 422 and r.json["errors"] == {"material": ["材料类别不在可选范围内"]}
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(StoredFile)) == before
    assert db.scalar(select(func.count()).select_from(FilingMaterial)) == 0
    assert not [p for p in samples.stored_files(app) if "tmp" not in p.parts]


def test_bad_input(api, db) -> None:  # noqa: ANN001
    ent1 = api("ent1_officer")
    r = ent1.post(BASE, json={"title": "", "published_on": "明天"})
    assert r.status_code == 422 and set(r.json["errors"]) == {"title", "published_on"}
    r = api("wsq_reviewer").post(BASE, json={"title": "x", "published_on": "2026-03-02"})
    assert r.status_code == 403
    filing = created(ent1)
    r = ent1.post(f"{BASE}/{filing['id']}/transitions", json={"action": "fly", "version": 1})
    assert r.status_code == 422
    r = ent1.post(f"{BASE}/{filing['id']}/transitions", json={"action": "withdraw"})
    assert r.status_code == 422 and r.json["errors"] == {"version": ["缺少版本号"]}
    assert ent1.get(BASE, query_string={"status": "nonsense"}).status_code == 422
    db.expire_all()
    assert db.scalar(select(Filing.status).where(Filing.id == filing["id"])) == "draft"


def test_anonymous_is_401(client) -> None:  # noqa: ANN001
    assert client.get(BASE).status_code == 401
