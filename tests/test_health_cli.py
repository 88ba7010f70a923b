from sqlalchemy import func, select

from core.auth.models import User
from core.cli import main as cli
from tenants.models import Tenant


def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json["database"] == "ok" and resp.json["status"] == "ok" and "jobs" in resp.json


def test_healthz_503_when_database_unreachable(tmp_path, monkeypatch):
    from core.app import create_app
    monkeypatch.setenv("ANJIAN_INSTANCE_PATH", str(tmp_path))
    app = create_app({"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none", "TESTING": True})
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 503 and resp.json["database"].startswith("error")


def test_demo_is_idempotent(runner, db):
    before = (db.scalar(select(func.count()).select_from(Tenant)), db.scalar(select(func.count()).select_from(User)))
    result = runner.invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    assert "wsq_reviewer" in result.output
    db.expire_all()
    after = (db.scalar(select(func.count()).select_from(Tenant)), db.scalar(select(func.count()).select_from(User)))
    assert before == after == (10, 7)


def test_cli_tenants_and_users(runner):
    ok = runner.invoke(cli, ["tenants", "create", "--kind", "enterprise", "--parent", "150627",
                             "--name", "伊金霍洛旗测试化工有限公司", "--region", "150627", "--uscc", "914403001922038216",
                             "--industry", "hazchem_use", "--address", "伊旗", "--principal", "张三",
                             "--phone", "13904771234"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(cli, ["tenants", "create", "--kind", "enterprise", "--parent", "150627",
                              "--name", "另一家公司", "--region", "150627", "--uscc", "914403001922038217",
                              "--industry", "hazchem_use", "--address", "伊旗", "--principal", "张三",
                              "--phone", "13904771234"])
    assert bad.exit_code == 1 and "校验位" in bad.output
    listing = runner.invoke(cli, ["tenants", "list"])
    assert "伊金霍洛旗测试化工有限公司" in listing.output
    made = runner.invoke(cli, ["users", "create", "yjhl_new", "--tenant", "914403001922038216", "--role", "officer",
                               "--name", "新用户"], input="anjian-2026\nanjian-2026\n")
    assert made.exit_code == 0, made.output
    assert "yjhl_new" in runner.invoke(cli, ["users", "list"]).output
    pw = runner.invoke(cli, ["users", "set-password", "yjhl_new"], input="another-2026\nanother-2026\n")
    assert pw.exit_code == 0
