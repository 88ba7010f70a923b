"""The ledger's pages: the list with its filters and export, an upload refused on the page
with its errors (422, nothing stored) and stored after correction, a hazard registered on the
phone form, its page with the steps the user may take, 挂牌督办 and an extension through the
forms, and the statistics with their charts — another county seeing none of it."""
import io
import re
from datetime import timedelta

from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from core.calendar.service import beijing_today
from core.ledgers.models import Hazard
from tenants.models import Section, Tenant
from tests.files import samples
from tests.ledgers.test_api import rows, send
from tests.ledgers.test_xlsx import workbook


def upload(client, data: bytes, **form):  # noqa: ANN001, ANN201
    return client.post("/ledgers/imports", data={"csrf_token": client.csrf, "file": (io.BytesIO(data), "台账.xlsx"),
                                                 **form}, content_type="multipart/form-data")


def test_upload_refused_then_stored_and_listed(as_user, db):
    ent1 = as_user("ent1_officer")
    page = ent1.get("/ledgers/hazards").get_data(as_text=True)
    assert 'data-testid="import-form"' in page and "下载模板" in page
    assert ent1.get("/ledgers/template").mimetype.endswith("spreadsheetml.sheet")
    bad = rows(3)
    bad[1]["等级"], bad[2]["整改期限"] = "特大", "下周"
    r = upload(ent1, workbook(bad))
    text = r.get_data(as_text=True)
    assert r.status_code == 422 and 'data-status="rejected"' in text and "第 3 行" in text and "第 4 行" in text
    assert db.scalar(select(func.count(Hazard.id))) == 0
    annotated = re.search(r'href="(/ledgers/imports/\d+/errors\.xlsx)"', text).group(1)
    with ent1.get(annotated) as r:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(r.data)).get_sheet_by_name("台账").to_python()
    assert "只能填写" in str(sheet[2][-1])                   # the error column on the row that had it
    r = upload(ent1, workbook(rows(3)), dry_run="1")
    assert r.status_code == 303 and db.scalar(select(func.count(Hazard.id))) == 0
    assert 'data-testid="preview"' in ent1.get(r.headers["Location"]).get_data(as_text=True)
    r = upload(ent1, workbook(rows(3)))
    assert r.status_code == 303 and db.scalar(select(func.count(Hazard.id))) == 3
    listed = ent1.get("/ledgers/hazards?overdue=1&level=一般").get_data(as_text=True)
    assert listed.count('data-hazard-id="') == 3 and "共 3 条" in listed
    assert as_user("yjhl_reviewer").get("/ledgers/hazards").get_data(as_text=True).count('data-hazard-id="') == 0
    export = as_user("wsq_reviewer").get("/ledgers/hazards/export?q=YH-002")
    assert len(CalamineWorkbook.from_filelike(io.BytesIO(export.data)).get_sheet_by_name("台账").to_python()) == 2


def test_an_upload_without_a_file_and_a_bureau_upload(as_user):
    r = as_user("ent1_officer").post("/ledgers/imports", data={"csrf_token": "test-csrf"})
    assert r.status_code == 422 and "请选择要导入的 .xlsx 文件" in r.get_data(as_text=True)
    assert upload(as_user("wsq_reviewer"), workbook(rows(1))).status_code == 403


def test_a_major_hazard_from_the_phone_form_to_supervision(as_user, db):
    ent1, reviewer = as_user("ent1_officer"), as_user("wsq_reviewer")
    form = ent1.get("/ledgers/hazards/new").get_data(as_text=True)
    assert re.search(r'name="code" value="YH\d{8}-001"', form)
    data = {"csrf_token": ent1.csrf, "code": "YH-900", "source": "日常排查", "found_on": beijing_today().isoformat(),
            "found_by": "王强", "department": "生产部", "location": "甲醇合成装置", "description": "安全阀未定期校验",
            "category": "现场管理类", "level": "重大", "measures": "送检安全阀", "owner": "李明",
            "due_on": (beijing_today() + timedelta(days=10)).isoformat()}
    r = ent1.post("/ledgers/hazards/new", data=data)
    assert r.status_code == 422 and "等级为“重大”时，判定依据不能为空" in r.get_data(as_text=True)
    r = ent1.post("/ledgers/hazards/new", data={**data, "basis": "判定标准第10项"})
    assert r.status_code == 303
    hazard = db.scalar(select(Hazard).where(Hazard.code == "YH-900"))
    page = ent1.get(r.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="plan-form"' in page and 'data-action="extend"' in page
    assert 'data-action="start"' not in page                # its 治理方案 first
    bureau_page = reviewer.get(f"/ledgers/hazards/{hazard.id}").get_data(as_text=True)
    assert 'data-action="supervise"' in bureau_page and "宏达甲醇" in bureau_page
    section = db.scalar(select(Section.id).where(Section.name == "危险化学品安全监管股"))
    post = {"csrf_token": reviewer.csrf, "version": hazard.version, "section_id": section}
    r = reviewer.post(f"/ledgers/hazards/{hazard.id}/supervision", data={**post, "doc_no": "", "due_on": ""})
    assert r.status_code == 422 and "督办文号不能为空" in r.get_data(as_text=True)
    r = reviewer.post(f"/ledgers/hazards/{hazard.id}/supervision", data={
        **post, "doc_no": "乌应急督〔2024〕5号", "due_on": (beijing_today() + timedelta(days=20)).isoformat()})
    assert r.status_code == 303
    listed = reviewer.get("/ledgers/hazards?supervised=1").get_data(as_text=True)
    assert 'data-code="YH-900"' in listed and 'data-testid="supervised"' in listed
    assert as_user("yjhl_reviewer").get(f"/ledgers/hazards/{hazard.id}").status_code == 404
    r = ent1.post(f"/ledgers/hazards/{hazard.id}/extensions", data={
        "csrf_token": ent1.csrf, "due_on": (beijing_today() + timedelta(days=40)).isoformat(), "reason": "安全阀送检排队"})
    assert r.status_code == 303
    extension = re.search(r'data-extension-id="(\d+)"', reviewer.get(f"/ledgers/hazards/{hazard.id}").get_data(
        as_text=True)).group(1)
    r = reviewer.post(f"/ledgers/hazards/{hazard.id}/extensions/{extension}", data={
        "csrf_token": reviewer.csrf, "approve": "0", "reason": ""})
    assert r.status_code == 422 and "审批意见不能为空" in r.get_data(as_text=True)
    r = reviewer.post(f"/ledgers/hazards/{hazard.id}/extensions/{extension}", data={
        "csrf_token": reviewer.csrf, "approve": "1", "reason": ""})
    assert r.status_code == 303
    history = reviewer.get(f"/ledgers/hazards/{hazard.id}").get_data(as_text=True)
    for action in ("hazard.register", "hazard.supervise", "hazard.extension_request", "hazard.extension_decide"):
        assert f'data-action="{action}"' in history


def test_the_statistics_page(as_user, api):
    send(api("ent1_officer"), workbook(rows(2)))
    county = as_user("wsq_reviewer").get("/ledgers/stats").get_data(as_text=True)
    assert 'data-testid="rate-chart"' in county and 'data-testid="trend-chart"' in county
    assert 'data-name="乌审旗宏达甲醇有限责任公司" data-found="2"' in county and "未建台账" in county
    city = as_user("city_admin").get("/ledgers/stats").get_data(as_text=True)
    assert 'data-name="乌审旗应急管理局" data-found="2"' in city
    assert 'data-found="2"' not in as_user("yjhl_reviewer").get("/ledgers/stats").get_data(as_text=True)


def test_the_enterprise_file_shows_its_ledger(as_user, api, db):
    ent1 = db.scalar(select(Tenant.id).where(Tenant.name == "乌审旗宏达甲醇有限责任公司"))
    reviewer = as_user("wsq_reviewer")
    assert "未建台账" in reviewer.get(f"/tenants/{ent1}").get_data(as_text=True)
    send(api("ent1_officer"), workbook(rows(4)))
    page = reviewer.get(f"/tenants/{ent1}").get_data(as_text=True)
    card = page[page.index('data-testid="enterprise-hazards"'):]
    assert "隐患总数 4" in card and "逾期未整改 4" in card and f"/ledgers/hazards?enterprise={ent1}" in card


def test_evidence_through_the_page(as_user, api, db):
    send(api("ent1_officer"), workbook(rows(1)))
    hazard = db.scalar(select(Hazard.id))
    ent1 = as_user("ent1_officer")
    assert 'data-testid="evidence-form"' in ent1.get(f"/ledgers/hazards/{hazard}").get_data(as_text=True)
    r = ent1.post(f"/ledgers/hazards/{hazard}/evidence", data={
        "csrf_token": ent1.csrf, "stage": "found", "note": "现场照片",
        "file": (io.BytesIO(samples.EXE), "现场.png")}, content_type="multipart/form-data")
    assert r.status_code == 422 and 'data-testid="evidence-form"' in r.get_data(as_text=True)
    r = ent1.post(f"/ledgers/hazards/{hazard}/evidence", data={
        "csrf_token": ent1.csrf, "stage": "found", "note": "现场照片",
        "file": (io.BytesIO(samples.png()), "现场.png")}, content_type="multipart/form-data")
    assert r.status_code == 303
    page = as_user("wsq_reviewer").get(f"/ledgers/hazards/{hazard}").get_data(as_text=True)
    assert 'data-stage="found"' in page and "现场照片" in page and '<option value="inspection"' in page


def test_bulk_steps_from_the_list(as_user, api, db):
    send(api("ent1_officer"), workbook(rows(3) + [{**rows(4)[3], "等级": "重大", "判定依据": "第12项"}]))
    ent1 = as_user("ent1_officer")
    assert 'data-testid="bulk-form"' in ent1.get("/ledgers/hazards").get_data(as_text=True)
    assert 'data-testid="bulk-form"' not in as_user("wsq_reviewer").get("/ledgers/hazards").get_data(as_text=True)
    ticked = [f"{h.id}:{h.version}" for h in db.scalars(select(Hazard).order_by(Hazard.code))]
    r = ent1.post("/ledgers/hazards/bulk", data={"csrf_token": ent1.csrf, "action": "complete", "h": ticked,
                                                 "completed_on": "2024-09-08"})
    text = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "1 项隐患不能“整改完成”，未办理任何一项" in text and "YH-004：" in text    # the 重大 one waits for its plan
    assert set(db.scalars(select(Hazard.status))) == {"rectifying", "registered"}
    r = ent1.post("/ledgers/hazards/bulk", data={"csrf_token": ent1.csrf, "action": "complete", "h": ticked[:3],
                                                 "completed_on": "2024-09-08"})
    assert r.status_code == 303
    db.expire_all()
    fresh = [f"{h.id}:{h.version}" for h in db.scalars(select(Hazard).where(Hazard.status == "to_verify"))]
    r = ent1.post("/ledgers/hazards/bulk", data={"csrf_token": ent1.csrf, "action": "verify", "h": fresh,
                                                 "verified_by": "赵刚", "verified_on": "2024-09-09"})
    assert r.status_code == 303
    db.expire_all()
    assert sorted(db.scalars(select(Hazard.status))) == ["closed", "closed", "closed", "registered"]
    assert as_user("wsq_reviewer").post("/ledgers/hazards/bulk", data={
        "csrf_token": "test-csrf", "action": "complete", "h": ticked[:1], "completed_on": "2024-09-08"}).status_code == 403
