"""A campaign's problem ledger of a plugin's own ledger type: uploaded from the task page with
that type's import, its rows tagged with the campaign and listed on the task."""
import io

import pytest
from sqlalchemy import select

from core.campaigns import service
from core.hookspecs import PluginInfo, hookimpl
from core.ledgers import service as ledgers
from core.ledgers import xlsx
from core.ledgers.models import LedgerRow
from core.plugin_api import validate_templates
from core.plugins import service as plugins
from tests.campaigns.conftest import task_of

LEDGER = {"kind": "ledger", "id": "gasdrive.leaks", "version": "1.0.0", "title": "燃气泄漏问题台账",
          "columns": [{"id": "code", "header": "问题编号", "type": "text", "required": True, "key": True},
                      {"id": "place", "header": "部位", "type": "text", "required": True},
                      {"id": "problem", "header": "问题", "type": "text", "required": True}]}
CAMPAIGN = {"kind": "campaign", "id": "gasdrive.drive", "version": "1.0.0", "title": "燃气安全专项整治",
            "phases": [{"id": "check", "title": "排查", "starts_day": 0, "ends_day": 30, "tasks": [
                {"id": "leaks", "title": "排查燃气泄漏问题", "assignee": "enterprise", "due_days": 30,
                 "fields": [{"id": "ledger", "label": "泄漏问题台账", "type": "ledger", "ledger": "gasdrive.leaks",
                             "required": False}]}]}]}


class GasDrive:
    @staticmethod
    @hookimpl
    def anjian_plugin_info() -> PluginInfo:
        return PluginInfo(title="燃气专项整治")

    @staticmethod
    @hookimpl
    def anjian_templates() -> list[dict]:
        return [LEDGER, CAMPAIGN]


@pytest.fixture
def app(make_app):  # noqa: ANN001, ANN201
    return make_app(PLUGINS_EXTRA=("gasdrive = tests.campaigns.test_other_ledger:GasDrive",))


def test_a_misspelt_ledger_type_is_refused():
    bad = {**CAMPAIGN, "phases": [{**CAMPAIGN["phases"][0], "tasks": [
        {**CAMPAIGN["phases"][0]["tasks"][0], "fields": [{"id": "ledger", "label": "台账", "type": "ledger",
                                                          "ledger": "gasdrive.leak"}]}]}]}
    with pytest.raises(Exception) as e:
        validate_templates([LEDGER, bad], "gasdrive")
    assert "台账类型“gasdrive.leak”不存在" in str(e.value.errors)


def test_the_rows_uploaded_for_the_task_are_the_campaigns(ctx_for, as_user, db):
    admin = ctx_for("wsq_admin")
    plugins.set_enabled(admin, "gasdrive", True)
    c = service.launch_campaign(admin, {"template_id": "gasdrive.drive", "starts_on": "2026-12-01", "doc_no": "乌应急发〔2026〕7号"})
    service.publish_campaign(admin, c.id, c.version)
    admin.session.commit()
    t = task_of(ctx_for, c.id, "leaks")
    officer = as_user("ent1_officer")
    lt = ledgers.ledger_type(ctx_for("ent1_officer"), "gasdrive.leaks")
    data = xlsx.export(lt, [["XL-1", "调压箱", "接口漏气"], ["XL-2", "灶间", "软管老化"]], ())
    resp = officer.post(f"/campaigns/tasks/{t.id}/ledger", data={"csrf_token": officer.csrf, "field": "ledger",
                                                                 "file": (io.BytesIO(data), "问题台账.xlsx")},
                        content_type="multipart/form-data")
    assert resp.status_code == 303
    rows = db.scalars(select(LedgerRow).where(LedgerRow.ledger_type == "gasdrive.leaks")).all()
    assert {r.key for r in rows} == {"XL-1", "XL-2"} and {r.campaign_id for r in rows} == {c.id}
    page = officer.get(f"/campaigns/tasks/{t.id}")
    assert page.text.count('data-testid="ledger-row"') == 2 and "接口漏气" in page.text


def test_the_export_has_a_sheet_of_each_other_ledger(ctx_for, as_user, db):
    from python_calamine import CalamineWorkbook
    test_the_rows_uploaded_for_the_task_are_the_campaigns(ctx_for, as_user, db)
    cid = db.scalar(select(LedgerRow.campaign_id).limit(1))
    book = CalamineWorkbook.from_filelike(io.BytesIO(as_user("wsq_admin").get(f"/campaigns/{cid}/export").data))
    sheet = book.get_sheet_by_name("燃气泄漏问题台账").to_python()
    assert sheet[0] == ["企业", "问题编号", "部位", "问题"] and len(sheet) == 3
