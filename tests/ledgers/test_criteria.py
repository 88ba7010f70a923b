"""重大事故隐患判定标准 from the built-in plugin: a hazardous-chemical enterprise's 重大 hazard
names one of the 20 items — on import (every such row reported, nothing stored) and on the
page's form — while an enterprise of another industry, or one whose bureau has not enabled
the plugin, writes its 判定依据 freely."""
import pytest
from sqlalchemy import func, select, update

from core.ledgers.criteria import item_number
from core.ledgers.models import Hazard
from core.plugins import service as plugins
from tenants.models import Tenant
from tests.ledgers.test_api import rows, send
from tests.ledgers.test_xlsx import workbook

TITLE = "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）"


@pytest.mark.parametrize("text, number", [
    ("《判定标准》第12项", 12), ("第十二项", 12), ("第二十项", 20), ("第 5 条", 5), ("12", 12), ("（３）安全阀", 3),
    ("第十项", 10), ("判定标准", None), ("", None)])
def test_item_number(text, number):
    assert item_number(text) == number


def test_a_major_hazard_names_an_item(api, db):
    ent1 = api("ent1_officer")
    bad = rows(3, 等级="重大")
    bad[0]["判定依据"], bad[1]["判定依据"], bad[2]["判定依据"] = "判定标准", "第二十一项", f"《{TITLE}》第十二项"
    r = send(ent1, workbook(bad))
    assert r.status_code == 422 and list(r.json["errors"]) == ["第2行 判定依据", "第3行 判定依据"]
    assert f"判定依据须写明《{TITLE}》中的一项" in r.json["errors"]["第2行 判定依据"][0]
    assert db.scalar(select(func.count(Hazard.id))) == 0
    bad[0]["判定依据"], bad[1]["判定依据"] = "第4项", "５"
    assert send(ent1, workbook(bad)).status_code == 201
    detail = api("wsq_reviewer").get("/api/v1/hazards").json["items"][0]
    assert detail["basis"] == "第4项"


def test_other_industries_and_a_disabled_plugin_write_freely(api, db, ctx_for):
    major = rows(1, 等级="重大", 判定依据="专家论证意见：存在重大事故隐患")
    assert send(api("ent1_officer"), workbook(major)).status_code == 422
    db.execute(update(Tenant).where(Tenant.name == "鄂尔多斯市苏力格合成氨化工有限公司").values(industry="other"))
    db.commit()
    assert send(api("ent2_officer"), workbook(major)).status_code == 201
    admin = ctx_for("wsq_admin")
    plugins.set_enabled(admin, "major_hazard_criteria", False)
    admin.session.commit()
    assert send(api("ent1_officer"), workbook(major)).status_code == 201


def test_the_form_offers_the_items(as_user):
    ent1 = as_user("ent1_officer")
    page = ent1.get("/ledgers/hazards/new").get_data(as_text=True)
    assert 'list="criteria-items"' in page and f"《{TITLE}》第12项" in page
    form = {"csrf_token": ent1.csrf, "code": "YH-1", "source": "日常排查", "found_on": "2024-09-02", "found_by": "王强",
            "department": "生产部", "location": "罐区", "description": "报警器未投用", "category": "现场管理类",
            "level": "重大", "basis": "判定标准", "measures": "投用", "owner": "李明", "due_on": "2099-01-01"}
    r = ent1.post("/ledgers/hazards/new", data=form)
    assert r.status_code == 422 and "判定依据须写明" in r.get_data(as_text=True)
    r = ent1.post("/ledgers/hazards/new", data={**form, "basis": f"《{TITLE}》第12项"})
    detail = ent1.get(r.headers["Location"]).get_data(as_text=True)
    assert "第12项：涉及可燃和有毒有害气体泄漏的场所未按国家标准设置检测报警装置" in detail
