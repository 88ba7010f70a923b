from sqlalchemy import select

from core.auth.models import ApiToken


def test_token_by_password_and_bearer_use(client):
    resp = client.post("/api/v1/tokens", json={"username": "wsq_reviewer", "password": "anjian-demo"})
    assert resp.status_code == 201
    token = resp.json["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json["user"]["username"] == "wsq_reviewer"
    assert me.json["tenant"]["name"] == "乌审旗应急管理局" and me.json["roles"] == ["reviewer"]


def test_wrong_credentials_401_common_shape(client):
    resp = client.post("/api/v1/tokens", json={"username": "wsq_reviewer", "password": "nope-nope"})
    assert resp.status_code == 401
    assert resp.json == {"code": "unauthorized", "message": "用户名或密码错误", "errors": {}}
    missing = client.post("/api/v1/tokens", json={"username": "wsq_reviewer"})
    assert missing.status_code == 422 and missing.json["errors"]["password"] == ["密码为必填项"]


def test_token_stored_hashed_and_revocable(client, db):
    token = client.post("/api/v1/tokens", json={"username": "ent1_officer", "password": "anjian-demo"}).json["token"]
    rows = db.scalars(select(ApiToken)).all()
    assert rows and all(token not in (r.token_hash, r.prefix) for r in rows)
    h = {"Authorization": f"Bearer {token}"}
    tid = client.get("/api/v1/tokens", headers=h).json["items"][0]["id"]
    assert client.delete(f"/api/v1/tokens/{tid}", headers=h).status_code == 200
    assert client.get("/api/v1/me", headers=h).status_code == 401


def test_no_or_bad_token_is_401(client):
    assert client.get("/api/v1/me").status_code == 401
    resp = client.get("/api/v1/tenants", headers={"Authorization": "Bearer ajt_forged"})
    assert resp.status_code == 401 and resp.json["code"] == "unauthorized"


def test_token_created_on_user_page_shown_once(as_user):
    c = as_user("ent1_officer")
    resp = c.post("/me/tokens", data={"csrf_token": c.csrf, "name": "数据对接"}, follow_redirects=True)
    assert "ajt_" in resp.text and "数据对接" in resp.text
    again = c.get("/me")
    assert "data-testid=\"new-token\"" not in again.text


def test_cli_token(runner):
    from core.cli import main as cli
    result = runner.invoke(cli, ["tokens", "create", "wsq_admin"])
    assert result.exit_code == 0 and result.output.startswith("ajt_")


def test_session_cookie_api_writes_need_the_csrf_header(as_user, ctx_for):
    from core.auth import service as auth
    ctx = ctx_for("ent1_officer")
    token, _ = auth.create_token(ctx, ctx.actor.user_id, {"name": "x"})
    ctx.session.commit()
    c = as_user("ent1_officer")
    assert c.delete(f"/api/v1/tokens/{token.id}").status_code == 400
    assert c.delete(f"/api/v1/tokens/{token.id}", headers={"X-CSRF-Token": c.csrf}).status_code == 200
