"""Discovery and loading: built-ins through the entry-point group, broken plugins contained."""
from core.cli import main as cli
from core.plugins.manager import build_registry, installed_entry_points

SAMPLES = "tests.plugins.sample_plugins"
BROKEN = [f"misspelt = {SAMPLES}:misspelt", f"bad_signature = {SAMPLES}:bad_signature",
          f"bad_template = {SAMPLES}:bad_template", "missing = tests.plugins.no_such_module"]


def test_builtins_come_through_the_entry_point_group():
    names = {ep.name: ep for ep in installed_entry_points()}
    for name in ("hazchem_warning_month", "leadership_reporting", "emergency_system_check"):
        assert names[name].value == f"plugins.{name}" and names[name].dist.name == "anjian"
    reg = build_registry()
    assert reg.get("hazchem_warning_month").title == "危险化学品生产安全事故警示月专项整治"
    assert reg.get("hazchem_warning_month").version == "0.1.0"


def test_broken_plugins_are_listed_as_failed_and_the_app_still_starts(make_app):
    app = make_app(PLUGINS_EXTRA=[f"checklists = {SAMPLES}:checklists", *BROKEN])
    reg = app.extensions["anjian.plugins"]
    errors = {r.name: r.error for r in reg.records.values() if not r.loaded}
    assert "anjian_templatez" in errors["misspelt"]
    assert "extra" in errors["bad_signature"]
    assert "模板编号只能由小写字母" in errors["bad_template"] and "版本号应为语义化版本" in errors["bad_template"]
    assert "ModuleNotFoundError" in errors["missing"]
    assert reg.get("checklists").loaded
    # Failed plugins are not registered with pluggy: their hooks are never called.
    assert "bad_signature" not in [i.plugin_name for i in reg.pm.hook.anjian_on_event.get_hookimpls()]
    assert app.test_client().get("/healthz").status_code == 200


def test_duplicate_template_id_fails_the_second_plugin():
    reg = build_registry([f"checklists = {SAMPLES}:checklists", f"checklists_v2 = {SAMPLES}:checklists_v2"])
    assert reg.get("checklists").loaded
    assert "已由插件“checklists”提供" in reg.get("checklists_v2").error


def test_cli_list_shows_state_and_contributions(runner, monkeypatch):
    result = runner.invoke(cli, ["plugins", "list"])
    assert result.exit_code == 0
    line = next(ln for ln in result.output.splitlines() if ln.startswith("emergency_system_check"))
    assert "anjian 0.1.0" in line and "loaded" in line and "应急体系现场管理检查考核" in line
