"""A section item naming a checklist template of its plugin: the inspection is done against
that checklist, its items kept with the inspection."""
import pytest

from core.campaigns import inspections, service
from core.hookspecs import PluginInfo, hookimpl
from core.plugins import service as plugins
from tests.campaigns.conftest import task_of

CHECK = {"kind": "checklist", "id": "sitecheck.tank_farm", "version": "1.0.0", "title": "罐区现场检查表",
         "sections": [{"title": "罐区", "items": [{"id": "1", "text": "储罐紧急切断阀是否投用"},
                                                 {"id": "2", "text": "防火堤是否完好"}]}]}
CAMPAIGN = {"kind": "campaign", "id": "sitecheck.drive", "version": "1.0.0", "title": "罐区安全专项检查",
            "phases": [{"id": "inspect", "title": "督查检查", "starts_day": 0, "ends_day": 20, "tasks": [
                {"id": "inspection", "title": "现场检查", "assignee": "section", "due_days": 20, "review": False,
                 "checklist": "sitecheck.tank_farm"}]}]}


class SiteCheck:
    @staticmethod
    @hookimpl
    def anjian_plugin_info() -> PluginInfo:
        return PluginInfo(title="罐区检查")

    @staticmethod
    @hookimpl
    def anjian_templates() -> list[dict]:
        return [CHECK, CAMPAIGN]


@pytest.fixture
def app(make_app):  # noqa: ANN001, ANN201
    return make_app(PLUGINS_EXTRA=("sitecheck = tests.campaigns.test_inspection_checklist:SiteCheck",))


def test_the_inspection_uses_the_named_checklist(ctx_for):
    admin = ctx_for("wsq_admin")
    plugins.set_enabled(admin, "sitecheck", True)
    c = service.launch_campaign(admin, {"template_id": "sitecheck.drive", "starts_on": "2026-12-01", "doc_no": "乌应急发〔2026〕9号"})
    service.publish_campaign(admin, c.id, c.version)
    admin.session.commit()
    t = task_of(ctx_for, c.id, "inspection")
    found = inspections.start_inspection(ctx_for("wsq_reviewer"), t.id)
    assert [a["item"] for a in found.answers] == ["储罐紧急切断阀是否投用", "防火堤是否完好"]
