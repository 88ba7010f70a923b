"""Enablement per jurisdiction, inherited down the tree; pages, API and CLI."""
import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.cli import main as cli
from core.errors import NotFound, PermissionDenied, ValidationFailed
from core.plugins import service
from tenants.models import Tenant

SAMPLES = "tests.plugins.sample_plugins"


@pytest.fixture
def app(make_app):
    return make_app(PLUGINS_EXTRA=[f"checklists = {SAMPLES}:checklists", f"misspelt = {SAMPLES}:misspelt"])


def enabled_for(ctx_for, app, username):
    ctx = ctx_for(username)
    return service.enabled_plugins(ctx.session, ctx.actor.tenant_id, app.extensions["anjian.plugins"])


def test_demo_enables_builtins_for_the_whole_city(app, ctx_for):
    for user in ("city_admin", "yjhl_reviewer", "ent1_officer"):
        assert {"hazchem_warning_month", "leadership_reporting", "emergency_system_check"} <= enabled_for(ctx_for, app, user)
    assert "checklists" not in enabled_for(ctx_for, app, "ent1_officer")


def test_inherited_down_and_overridable_below(app, ctx_for, db):
    city = ctx_for("city_admin")
    service.set_enabled(city, "checklists", True)
    city.session.commit()
    assert "checklists" in enabled_for(ctx_for, app, "ent1_officer")
    assert "checklists" in enabled_for(ctx_for, app, "yjhl_reviewer")
    yjhl = ctx_for("yjhl_admin")
    service.set_enabled(yjhl, "checklists", False)
    yjhl.session.commit()
    assert "checklists" not in enabled_for(ctx_for, app, "yjhl_reviewer")
    assert "checklists" in enabled_for(ctx_for, app, "ent2_officer")
    service.set_enabled(ctx_for("yjhl_admin"), "checklists", None)  # back to inheriting
    assert db.scalar(select(AuditEvent.summary).where(AuditEvent.action == "plugin.disable"))


def test_rules(app, ctx_for, db):
    with pytest.raises(PermissionDenied):
        service.set_enabled(ctx_for("wsq_reviewer"), "checklists", True)
    with pytest.raises(PermissionDenied):
        service.set_enabled(ctx_for("ent1_officer"), "checklists", True)
    with pytest.raises(ValidationFailed) as e:
        service.set_enabled(ctx_for("wsq_admin"), "misspelt", True)
    assert "加载失败" in e.value.message
    with pytest.raises(NotFound):
        service.set_enabled(ctx_for("wsq_admin"), "no_such_plugin", True)
    yjhl = db.scalar(select(Tenant.id).where(Tenant.region_code == "150627", Tenant.kind == "bureau"))
    with pytest.raises(NotFound):  # another county's bureau is invisible
        service.set_enabled(ctx_for("wsq_admin"), "checklists", True, yjhl)


def test_page_api_and_cli(app, as_user, api, runner, ctx_for):
    admin = as_user("wsq_admin")
    page = admin.get("/plugins")
    assert page.status_code == 200 and "示例检查表" in page.text and "加载失败" in page.text
    resp = admin.post("/plugins/checklists/enablement", data={"csrf_token": admin.csrf, "enabled": "1"})
    assert resp.status_code == 302
    assert "checklists" in enabled_for(ctx_for, app, "ent1_officer")
    assert as_user("ent1_officer").get("/plugins").status_code == 403
    rows = {p["name"]: p for p in api("yjhl_admin").get("/api/v1/plugins").json["items"]}
    assert rows["checklists"]["enabled"] is False and rows["misspelt"]["state"] == "failed"
    resp = api("yjhl_admin").put("/api/v1/plugins/checklists/enablement", json={"enabled": True})
    assert resp.status_code == 200 and resp.json["enabled"] is True and resp.json["explicit"] is True
    assert api("yjhl_admin").put("/api/v1/plugins/nope/enablement", json={"enabled": True}).status_code == 404
    assert api("yjhl_admin").put("/api/v1/plugins/checklists/enablement", json={}).status_code == 422
    out = runner.invoke(cli, ["plugins", "disable", "checklists", "--tenant", "150627"])
    assert out.exit_code == 0 and "停用" in out.output
    assert "checklists" not in enabled_for(ctx_for, app, "yjhl_reviewer")
    bad = runner.invoke(cli, ["plugins", "enable", "checklists", "--tenant", "999999"])
    assert bad.exit_code != 0


def test_api_answers_for_the_bureau_it_changed(app, api, db):
    wsq = db.scalar(select(Tenant.id).where(Tenant.region_code == "150626", Tenant.kind == "bureau"))
    city = api("city_admin")
    city.put("/api/v1/plugins/checklists/enablement", json={"enabled": True})
    resp = city.put("/api/v1/plugins/checklists/enablement", json={"enabled": False, "tenant_id": wsq})
    assert resp.status_code == 200 and resp.json["enabled"] is False and resp.json["explicit"] is False
