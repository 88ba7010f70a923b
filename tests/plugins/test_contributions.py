"""Pages, menu entries, CLI commands and export formats contributed by a plugin follow
the tenant's effective enablement."""
import csv
import io
import subprocess
import sys

import pytest
from python_calamine import CalamineWorkbook

from core.plugin_api import user_ctx
from core.plugins import service

SAMPLES = "tests.plugins.sample_plugins"


@pytest.fixture
def app(make_app):
    return make_app(PLUGINS_EXTRA=[f"extras = {SAMPLES}:extras"])


def enable_for_wushen(app, ctx_for):
    ctx = ctx_for("wsq_admin")
    service.set_enabled(ctx, "extras", True)
    ctx.session.commit()


def test_blueprint_and_menu_follow_enablement(app, as_user, ctx_for):
    ent1 = as_user("ent1_officer")
    assert ent1.get("/x/sample/hello").status_code == 404
    assert "示例插件页面" not in ent1.get("/dashboard").text
    enable_for_wushen(app, ctx_for)
    assert ent1.get("/x/sample/hello").text == "你好，ent1_officer"
    assert "示例插件页面" in ent1.get("/dashboard").text
    assert "示例插件页面" not in as_user("wsq_reviewer").get("/dashboard").text  # enterprise-only entry
    assert as_user("yjhl_reviewer").get("/x/sample/hello").status_code == 404
    assert app.test_client().get("/x/sample/hello").status_code in (302, 401)


def test_xlsx_export_escapes_formulas_and_keeps_chinese(app, as_user, api, db):
    a = api("wsq_admin")
    ent = a.get("/api/v1/tenants?kind=enterprise").json["items"][0]
    body = {k: ent[k] for k in ("name", "uscc", "industry", "region_code", "address", "phone", "status")}
    a.put(f"/api/v1/tenants/{ent['id']}", json={**body, "principal": "=HYPERLINK(\"http://x\")", "version": ent["version"]})
    resp = as_user("wsq_reviewer").get("/enterprises/export?format=xlsx")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    assert "filename*=UTF-8''%E4%BC%81%E4%B8%9A%E5%90%8D%E5%BD%95" in resp.headers["Content-Disposition"]
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(resp.data)).get_sheet_by_index(0).to_python()
    assert sheet[0][:2] == ["企业名称", "统一社会信用代码"] and len(sheet) == 6
    principals = [row[5] for row in sheet[1:]]
    assert "'=HYPERLINK(\"http://x\")" in principals


def test_plugin_export_format_offered_only_where_enabled(app, as_user, ctx_for):
    reviewer = as_user("wsq_reviewer")
    assert reviewer.get("/enterprises/export?format=csv").status_code == 404
    assert "CSV（逗号分隔）" not in reviewer.get("/enterprises").text
    enable_for_wushen(app, ctx_for)
    assert "CSV（逗号分隔）" in reviewer.get("/enterprises").text
    resp = reviewer.get("/enterprises/export?format=csv&industry=")
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0][0] == "企业名称" and len(rows) == 6
    assert as_user("yjhl_reviewer").get("/enterprises/export?format=csv").status_code == 404


def test_plugin_cli_command_is_added(app, monkeypatch):
    env = {"ANJIAN_PLUGINS_EXTRA": f"extras = {SAMPLES}:extras", "ANJIAN_DATABASE_URL": app.config["DATABASE_URL"]}
    import os
    out = subprocess.run([sys.executable, "-m", "core.cli", "sample-hello"], capture_output=True, text=True,
                         env={**os.environ, **env}, timeout=60)
    assert out.returncode == 0 and "示例插件命令已运行" in out.stdout


def test_two_apps_in_one_process_share_a_plugin_blueprint(app, make_app, ctx_for):
    second = make_app(PLUGINS_EXTRA=[f"extras = {SAMPLES}:extras"])
    assert "sample_pages" in app.blueprints and "sample_pages" in second.blueprints


def test_clashing_blueprint_fails_the_plugin_not_the_app(make_app):
    app = make_app(PLUGINS_EXTRA=[f"clashing = {SAMPLES}:clashing"])
    record = app.extensions["anjian.plugins"].get("clashing")
    assert record.state == "failed" and "files" in record.error
    assert app.test_client().get("/healthz").status_code == 200


@pytest.mark.parametrize("target, reason", [
    ("broken_menu", "RuntimeError: menu broken"),
    ("bad_menu_endpoint", "菜单项指向不存在的页面端点：bad_pages.nowhere"),
])
def test_a_broken_menu_fails_its_plugin_and_pages_keep_working(make_app, ctx_for, target, reason):
    from tests.checklists.conftest import login
    # Enabled for the whole city while a healthy release was installed …
    healthy = make_app(PLUGINS_EXTRA=[f"menu_plugin = {SAMPLES}:listening"])
    with user_ctx(healthy, "city_admin") as ctx:
        service.set_enabled(ctx, "menu_plugin", True)
    # … then a release whose menu raises or points nowhere.
    app = make_app(PLUGINS_EXTRA=[f"menu_plugin = {SAMPLES}:{target}"])
    record = app.extensions["anjian.plugins"].get("menu_plugin")
    assert record.state == "failed" and reason in record.error
    ent1 = login(app, "ent1_officer")
    dashboard = ent1.get("/dashboard")
    assert dashboard.status_code == 200 and "能打开的页面" not in dashboard.text
    assert ent1.get("/x/bad/hello").status_code == 404      # a failed plugin's pages are gone too
    page = login(app, "city_admin").get("/plugins")
    assert page.status_code == 200 and reason in page.text
