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


def test_serve_command_serves_the_app(app, tmp_path):
    """`anjian serve --host H --port P` is the stable way scripts start the web app."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "ANJIAN_DATABASE_URL": app.config["DATABASE_URL"],
           "ANJIAN_INSTANCE_PATH": str(tmp_path / "serve")}
    proc = subprocess.Popen([sys.executable, "-m", "core.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    assert resp.status == 200 and b'"database":"ok"' in resp.read()
                    break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
