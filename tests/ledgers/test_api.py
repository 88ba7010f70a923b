"""/api/v1/ledger-types, imports and hazards: a template downloaded, a file imported all or
nothing (dry run, re-upload, a changed row), errors as a list and as an annotated copy,
the bureau told of a major hazard, and another jurisdiction seeing none of it."""
import io
from datetime import date

from python_calamine import CalamineWorkbook
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from core.audit.models import AuditEvent
from core.ledgers.models import Hazard, LedgerImport
from core.notifications.models import Notification
from tests.ledgers.test_xlsx import HEADERS, ROW, workbook

BASE = "/api/v1/ledger-types/hazards"


def send(client, data: bytes, name: str = "隐患台账.xlsx", url: str = f"{BASE}/imports", **form):  # noqa: ANN001, ANN201
    # Encoded in memory: the test client would spool a large body to a temporary file and
    # leave it open.
    upload = FileStorage(io.BytesIO(data), filename=name, content_type="application/octet-stream")
    boundary, body = encode_multipart(MultiDict({"file": upload, **form}))
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def rows(n: int, **changes) -> list[dict]:
    return [{**ROW, "隐患编号": f"YH-{i:03d}", **changes} for i in range(1, n + 1)]


def test_types_and_the_template(api):
    ent1 = api("ent1_officer")
    hazards, risks = ent1.get("/api/v1/ledger-types").json["items"][:2]
    assert risks["id"] == "risk_points"
    assert hazards["id"] == "hazards" and [c["header"] for c in hazards["columns"]] == HEADERS
    r = ent1.get(f"{BASE}/template")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    assert CalamineWorkbook.from_filelike(io.BytesIO(r.data)).sheet_names[0] == "台账"
    assert api("wsq_reviewer").get(f"{BASE}/template").status_code == 200   # bureaus read it too
    assert ent1.get("/api/v1/ledger-types/nothing/template").status_code == 404


def test_dry_run_store_reupload_and_a_changed_row(api, db):
    ent1 = api("ent1_officer")
    data = workbook(rows(3))
    preview = send(ent1, data, dry_run="true")
    assert preview.status_code == 200 and (preview.json["status"], preview.json["created"]) == ("preview", 3)
    assert db.scalar(select(func.count(Hazard.id))) == 0
    stored = send(ent1, data)
    assert stored.status_code == 201, stored.json
    assert {k: stored.json[k] for k in ("status", "rows", "created", "updated", "unchanged")} == {
        "status": "stored", "rows": 3, "created": 3, "updated": 0, "unchanged": 0}
    listing = ent1.get("/api/v1/hazards").json
    assert listing["total"] == 3 and {h["status"] for h in listing["items"]} == {"rectifying"}
    again = send(ent1, data)
    assert (again.json["created"], again.json["updated"], again.json["unchanged"]) == (0, 0, 3)
    assert db.scalar(select(func.count(Hazard.id))) == 3                        # never duplicated
    changed = rows(3)
    changed[1].update({"完成日期": date(2024, 9, 8)})
    third = send(ent1, workbook(changed))
    assert (third.json["created"], third.json["updated"], third.json["unchanged"]) == (0, 1, 2)
    hazard = db.scalar(select(Hazard).where(Hazard.code == "YH-002"))
    assert (hazard.completed_on, hazard.status, hazard.version) == (date(2024, 9, 8), "to_verify", 2)
    event = db.scalars(select(AuditEvent).where(AuditEvent.action == "ledger.import").order_by(AuditEvent.id)).all()[-1]
    assert event.payload["updated"] == 1 and event.payload["sha256"] == third.json["sha256"]


def test_a_file_with_bad_rows_stores_nothing_and_reports_every_error(api, db):
    ent1 = api("ent1_officer")
    bad = rows(3)
    bad[1]["等级"] = "很大"
    bad[2]["整改期限"] = "下周"
    r = send(ent1, workbook(bad))
    assert r.status_code == 422 and r.json["code"] == "validation_failed"
    assert r.json["errors"] == {"第3行 等级": ["只能填写：一般、重大（现为“很大”）"],
                                "第4行 整改期限": ["应为日期，如 2024-09-20、2024/9/20 或 2024年9月20日（现为“下周”）"]}
    made = r.json["import"]
    assert made["status"] == "rejected" and made["errors"] == [
        {"row": 3, "column": "等级", "message": "只能填写：一般、重大（现为“很大”）"},
        {"row": 4, "column": "整改期限", "message": "应为日期，如 2024-09-20、2024/9/20 或 2024年9月20日（现为“下周”）"}]
    assert db.scalar(select(func.count(Hazard.id))) == 0
    record = ent1.get(f"/api/v1/imports/{made['id']}").json           # kept, to read again
    assert (record["status"], record["error_count"]) == ("rejected", 2)
    annotated = ent1.get(made["error_file"])
    assert annotated.status_code == 200
    data = annotated.get_data()
    annotated.close()
    grid = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("台账").to_python()
    assert grid[2][-1].startswith("等级：")
    # Not another enterprise's, not another county's.
    assert api("ent2_officer").get(f"/api/v1/imports/{made['id']}").status_code == 404
    assert api("yjhl_reviewer").get(made["error_file"]).status_code == 404
    assert api("wsq_reviewer").get(f"/api/v1/imports/{made['id']}").status_code == 200   # its own bureau


def test_a_file_that_is_no_ledger(api, db):
    ent1 = api("ent1_officer")
    r = send(ent1, b"%PDF-1.7 not a spreadsheet", "台账.pdf")
    assert r.status_code == 422 and "不是 Excel（.xlsx）文件" in r.json["message"]
    assert r.json["errors"] == {"file": [r.json["message"]]} and r.json["import"]["error_file"] is None
    assert db.scalar(select(LedgerImport.status).where(LedgerImport.id == r.json["import"]["id"])) == "rejected"
    assert ent1.post(f"{BASE}/imports", data={}, content_type="multipart/form-data").status_code == 422


def test_only_the_enterprise_imports(api):
    r = send(api("wsq_reviewer"), workbook(rows(1)))
    assert r.status_code == 403 and "只有企业管理员或安全员" in r.json["message"]


def test_a_major_hazard_is_reported_to_the_bureau_at_once(api, db):
    major = rows(1, 等级="重大", 判定依据="《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》第5项")
    assert send(api("ent1_officer"), workbook(major)).status_code == 201
    titles = db.scalars(select(Notification.title)).all()
    assert any(t.endswith("登记重大事故隐患1项") for t in titles)


def test_another_county_sees_none_of_it(api):
    """伊金霍洛旗 sees no 乌审旗 hazard in lists, statistics, exports, imports or error files."""
    ent1 = api("ent1_officer")
    send(ent1, workbook(rows(2)))
    refused = send(ent1, workbook(rows(1, 等级="特大"))).json["import"]["id"]
    assert api("wsq_reviewer").get("/api/v1/hazards").json["total"] == 2
    other = api("yjhl_reviewer")
    assert other.get("/api/v1/hazards").json["total"] == 0
    assert api("ent2_officer").get("/api/v1/hazards").json["total"] == 0
    assert other.get("/api/v1/stats/hazards").json["total"]["found"] == 0
    with other.get("/api/v1/hazards/export") as export:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(export.data)).get_sheet_by_name("台账").to_python()
    assert len(sheet) == 1                                   # the header alone
    assert other.get(f"/api/v1/imports/{refused}").status_code == 404
    assert other.get(f"/api/v1/imports/{refused}/errors.xlsx").status_code == 404


def test_twenty_thousand_rows_in_one_transaction_and_again_unchanged(api, db, backend):
    """The bulk path (COPY on PostgreSQL): every row stored, none twice."""
    many = [{**ROW, "隐患编号": f"YH-{i:05d}", "隐患描述": f"第{i}处防静电接地装置失效"} for i in range(20_000)]
    data = workbook(many)
    ent1 = api("ent1_officer")
    r = send(ent1, data)
    assert r.status_code == 201 and r.json["created"] == 20_000, r.json
    assert db.scalar(select(func.count(Hazard.id))) == 20_000
    again = send(ent1, data)
    assert (again.json["created"], again.json["unchanged"]) == (0, 20_000)
    assert ent1.get("/api/v1/hazards?limit=1").json["total"] == 20_000


def test_an_export_re_imports_unchanged(api):
    """Dates as dates, a formula-looking cell escaped on the way out and restored on the way
    in, 状态/逾期 beside the template's columns: uploading the export changes nothing."""
    ent1 = api("ent1_officer")
    sent = rows(3)
    sent[0]["整改措施"] = '=HYPERLINK("http://x")'
    sent[1].update({"完成日期": date(2024, 9, 8)})
    assert send(ent1, workbook(sent)).status_code == 201
    r = ent1.get("/api/v1/hazards/export")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    grid = CalamineWorkbook.from_filelike(io.BytesIO(r.data)).get_sheet_by_name("台账").to_python()
    assert grid[0] == HEADERS + ["状态", "逾期"]
    assert grid[1][HEADERS.index("整改措施")].startswith("'=") and grid[2][-2] == "待验收"
    again = send(ent1, r.data, "导出.xlsx")
    assert (again.json["created"], again.json["updated"], again.json["unchanged"]) == (0, 0, 3), again.json
    bureau = CalamineWorkbook.from_filelike(io.BytesIO(api("wsq_reviewer").get("/api/v1/hazards/export").data))
    assert bureau.get_sheet_by_name("台账").to_python()[0][-1] == "企业"
    outsider = CalamineWorkbook.from_filelike(io.BytesIO(api("yjhl_reviewer").get("/api/v1/hazards/export").data))
    assert len(outsider.get_sheet_by_name("台账").to_python()) == 1          # the header alone
