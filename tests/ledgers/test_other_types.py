"""Ledger types besides the hazard ledger, kept the same way: the core's 安全风险分级管控清单
(四色 levels; hazards name its risk points; the bureau counts red and orange points per
enterprise) and the 应急物资台账 from the built-in emergency_system_check plugin (its sweep
warning before expiry and calibration dates, once each) — upserted by key, exported so it
re-imports unchanged, and invisible to another county."""
import io
from datetime import timedelta

from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from core.calendar.service import beijing_today
from core.ledgers.models import Hazard, LedgerRow
from core.notifications.models import Notification
from core.plugins import service as plugins
from plugins.emergency_system_check import sweep_supplies
from tests.ledgers.test_api import ROW, send
from tests.ledgers.test_xlsx import workbook

RISK_HEADERS = ["风险点编号", "风险点", "风险描述", "可能导致的事故类型", "风险等级", "管控措施", "管控层级", "责任人"]
RISKS = [dict(zip(RISK_HEADERS, r)) for r in [
    ("FX-001", "甲醇储罐区", "泄漏遇点火源", "火灾、爆炸", "重大风险", "紧急切断", "公司级", "张伟"),
    ("FX-002", "合成装置", "超温超压", "爆炸", "较大风险", "联锁", "车间级", "刘洋"),
    ("FX-003", "装卸站台", "静电", "火灾", "较大风险", "静电接地", "车间级", "刘洋"),
    ("FX-004", "办公区", "违规充电", "火灾", "低风险", "集中充电", "岗位级", "王芳")]]
SUPPLY_HEADERS = ["物资编号", "物资名称", "规格型号", "数量", "存放地点", "保管人", "上次检查日期", "检定有效期至", "有效期至"]


def upload(client, type_id: str, rows: list[dict], headers: list[str]):  # noqa: ANN001, ANN201
    return send(client, workbook(rows, headers), url=f"/api/v1/ledger-types/{type_id}/imports")


def test_the_risk_list_and_hazards_naming_its_points(api, db):
    ent1 = api("ent1_officer")
    named = [{**ROW, "风险点编号": "FX-009"}]
    r = send(ent1, workbook(named))
    assert r.status_code == 422 and "风险点编号“FX-009”不在本企业的安全风险分级管控清单中" in r.json["errors"]["第2行 风险点编号"][0]
    bad = [*RISKS, {**RISKS[0], "风险点编号": "FX-005", "风险等级": "红色"}]
    r = upload(ent1, "risk_points", bad, RISK_HEADERS)
    assert r.status_code == 422 and list(r.json["errors"]) == ["第6行 风险等级"]
    assert db.scalar(select(func.count(LedgerRow.id))) == 0
    assert upload(ent1, "risk_points", RISKS, RISK_HEADERS).json["created"] == 4
    assert upload(ent1, "risk_points", RISKS, RISK_HEADERS).json["unchanged"] == 4     # again: nothing changes
    rows = ent1.get("/api/v1/ledger-types/risk_points/rows").json
    assert rows["total"] == 4 and rows["items"][0]["values"]["level"] == "重大风险"
    assert send(ent1, workbook([{**ROW, "风险点编号": "FX-001"}])).status_code == 201
    reviewer = api("wsq_reviewer")
    assert [h["code"] for h in reviewer.get("/api/v1/hazards", query_string={"risk_point": "FX-001"}).json["items"]] == [
        "YH-001"]
    ent1_row = next(r for r in reviewer.get("/api/v1/stats/hazards").json["rows"] if r["name"] == "乌审旗宏达甲醇有限责任公司")
    assert (ent1_row["red"], ent1_row["orange"]) == (1, 2)
    with ent1.get("/api/v1/ledger-types/risk_points/export") as export:
        exported = export.data
    assert CalamineWorkbook.from_filelike(io.BytesIO(exported)).get_sheet_by_name("台账").to_python()[0] == RISK_HEADERS
    assert send(ent1, exported, url="/api/v1/ledger-types/risk_points/imports").json["unchanged"] == 4
    assert api("yjhl_reviewer").get("/api/v1/ledger-types/risk_points/rows").json["total"] == 0
    assert api("ent2_officer").get("/api/v1/ledger-types/risk_points/rows").json["total"] == 0
    assert db.scalar(select(Hazard.risk_point)) == "FX-001"


def test_the_supplies_ledger_and_its_warnings(api, db, ctx_for):
    ent1 = api("ent1_officer")
    today = beijing_today()
    assert "emergency_system_check.supplies" in [t["id"] for t in ent1.get("/api/v1/ledger-types").json["items"]]
    supplies = [dict(zip(SUPPLY_HEADERS, r)) for r in [
        ("WZ-001", "正压式空气呼吸器", "RHZKF6.8/30", 4, "中控室应急柜", "赵刚", today - timedelta(days=10), None,
         today + timedelta(days=12)),
        ("WZ-002", "便携式可燃气体检测仪", "GT-903", 2, "罐区值班室", "赵刚", today - timedelta(days=10),
         today - timedelta(days=3), None),
        ("WZ-003", "消防沙", "2 m³", 1, "罐区", "赵刚", today - timedelta(days=10), None, None)]]
    r = upload(ent1, "emergency_system_check.supplies", supplies, SUPPLY_HEADERS)
    assert r.status_code == 201 and r.json["created"] == 3
    for _ in range(2):                                       # cron runs it at any interval
        system = ctx_for()
        sweep_supplies(system)
        system.session.commit()
    titles = sorted(db.scalars(select(Notification.title).where(Notification.title.like("应急物资%"))).all())
    officers = len({n for n in db.scalars(select(Notification.user_id).where(Notification.title.like("应急物资%")))})
    assert sorted(set(titles)) == [
        f"应急物资“便携式可燃气体检测仪”（WZ-002）检定有效期已于{(today - timedelta(days=3)).isoformat()}届满，请及时更换或送检",
        f"应急物资“正压式空气呼吸器”（WZ-001）有效期将于{(today + timedelta(days=12)).isoformat()}届满"]
    assert len(titles) == 2 * officers                      # once each, however often the sweep runs
    admin = ctx_for("wsq_admin")
    plugins.set_enabled(admin, "emergency_system_check", False)
    admin.session.commit()
    assert upload(ent1, "emergency_system_check.supplies", supplies, SUPPLY_HEADERS).status_code == 404


def test_the_pages_of_another_type(as_user, api):
    upload(api("ent1_officer"), "risk_points", RISKS, RISK_HEADERS)
    page = as_user("ent1_officer").get("/ledgers/hazards").get_data(as_text=True)
    assert "/ledgers/types/risk_points" in page and "/ledgers/types/emergency_system_check.supplies" in page
    rows = as_user("wsq_reviewer").get("/ledgers/types/risk_points").get_data(as_text=True)
    assert 'data-key="FX-001"' in rows and 'class="badge risk-红"' in rows and "乌审旗宏达甲醇有限责任公司" in rows
    assert 'data-key="FX-001"' not in as_user("yjhl_reviewer").get("/ledgers/types/risk_points").get_data(as_text=True)
    assert as_user("ent1_officer").get("/ledgers/types/nothing").status_code == 404
