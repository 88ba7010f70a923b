"""Discovery and loading: built-ins through the entry-point group, broken plugins contained,
hooks called through pluggy."""
import logging

import pytest

from core.cli import main as cli
from core.manifests import template_kinds
from core.plugins import service
from core.plugins.manager import build_registry, installed_entry_points

SAMPLES = "tests.plugins.sample_plugins"
BROKEN = [f"misspelt = {SAMPLES}:misspelt", f"bad_signature = {SAMPLES}:bad_signature",
          f"bad_template = {SAMPLES}:bad_template", "missing = tests.plugins.no_such_module"]


def test_builtins_come_through_the_entry_point_group():
    names = {ep.name: ep for ep in installed_entry_points()}
    for name in ("hazchem_warning_month", "leadership_reporting", "emergency_system_check"):
        assert names[name].value == f"plugins.{name}" and names[name].dist.name == "anjian"
    reg = build_registry((), template_kinds())
    assert reg.get("hazchem_warning_month").title == "危险化学品生产安全事故警示月专项整治"
    assert reg.get("hazchem_warning_month").version == "0.1.0"


def test_broken_plugins_are_listed_as_failed_and_the_app_still_starts(make_app):
    app = make_app(PLUGINS_EXTRA=[f"checklists = {SAMPLES}:checklists", *BROKEN])
    reg = app.extensions["anjian.plugins"]
    errors = {r.name: r.error for r in reg.records.values() if not r.loaded}
    assert "anjian_templatez" in errors["misspelt"]
    assert errors["bad_signature"] == "钩子 anjian_on_event 的实现有该钩子没有的参数 extra；参数只能是 event"
    assert "模板编号只能由小写字母" in errors["bad_template"] and "版本号应为语义化版本" in errors["bad_template"]
    assert "ModuleNotFoundError" in errors["missing"]
    assert reg.get("checklists").loaded
    # Failed plugins are not registered with pluggy: their hooks are never called.
    assert "bad_signature" not in [i.plugin_name for i in reg.pm.hook.anjian_on_event.get_hookimpls()]
    assert app.test_client().get("/healthz").status_code == 200


def test_template_id_outside_the_plugins_name_fails_it():
    # checklists_v2 offers "checklists.site_check": only the plugin named checklists may.
    reg = build_registry([f"checklists = {SAMPLES}:checklists", f"checklists_v2 = {SAMPLES}:checklists_v2"], template_kinds())
    assert reg.get("checklists").loaded
    assert "模板编号应以插件名加点开头" in reg.get("checklists_v2").error


def test_cli_list_shows_state_and_contributions(runner, monkeypatch):
    result = runner.invoke(cli, ["plugins", "list"])
    assert result.exit_code == 0
    line = next(ln for ln in result.output.splitlines() if ln.startswith("emergency_system_check"))
    assert "anjian 0.1.0" in line and "loaded" in line and "应急体系现场管理检查考核" in line


def test_cli_list_fails_when_a_plugin_failed_and_shows_no_contributions(make_app):
    app = make_app(PLUGINS_EXTRA=[f"checklists = {SAMPLES}:checklists", f"bad_template = {SAMPLES}:bad_template"])
    result = app.test_cli_runner().invoke(cli, ["plugins", "list"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    bad = next(ln for ln in lines if ln.startswith("bad_template"))
    assert "failed" in bad and "template:" not in bad and " - " in bad
    assert "template:checklist×1" in next(ln for ln in lines if ln.startswith("checklists"))
    assert "1 个插件加载失败：bad_template" in result.output


def test_a_load_failure_is_logged_once_per_process(caplog):
    caplog.set_level(logging.WARNING, logger="core.plugins.manager")
    for _ in range(3):
        build_registry([f"misspelt_once = {SAMPLES}:misspelt"], template_kinds())
    assert len([r for r in caplog.records if "misspelt_once" in r.getMessage()]) == 1


def test_hooks_follow_pluggys_order_and_the_tenants_enablement(make_app, ctx_for):
    from tests.checklists.conftest import login
    app = make_app(PLUGINS_EXTRA=[f"order_{x} = {SAMPLES}:order_{x}" for x in "abc"])
    reg = app.extensions["anjian.plugins"]
    assert reg.call_order("anjian_menu_items", {"order_a", "order_b", "order_c"}) == ["order_c", "order_b", "order_a"]
    # Through pluggy itself, restricted to a tenant's plugins: only those, in the same order.
    assert reg.hook_for({"order_a", "order_c"}).anjian_menu_items() == [
        reg.get("order_c").menu_items, reg.get("order_a").menu_items]
    city = ctx_for("city_admin", of=app)
    for name in ("order_a", "order_b", "order_c"):
        service.set_enabled(city, name, True)
    city.session.commit()
    yjhl = ctx_for("yjhl_admin", of=app)
    service.set_enabled(yjhl, "order_b", False)
    yjhl.session.commit()
    page = login(app, "wsq_reviewer").get("/dashboard").text
    assert page.index("排序丙") < page.index("排序乙") < page.index("排序甲")
    page = login(app, "yjhl_reviewer").get("/dashboard").text
    assert "排序乙" not in page and page.index("排序丙") < page.index("排序甲")


@pytest.mark.parametrize("user", ["ent1_officer", "wsq_reviewer"])
def test_any_user_learns_what_is_enabled_for_them(api, user):
    rows = api(user).get("/api/v1/plugins")
    assert rows.status_code == 200
    items = rows.json["items"]
    names = [p["name"] for p in items]
    assert names == sorted(["emergency_system_check", "hazchem_warning_month", "leadership_reporting",
                            "major_hazard_criteria"])
    assert all(p["enabled"] for p in items) and rows.json["total"] == 4
    assert api(user).put("/api/v1/plugins/leadership_reporting/enablement", json={"enabled": False}).status_code == 403
