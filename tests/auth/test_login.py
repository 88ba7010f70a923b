import re

from sqlalchemy import select

from core.auth.models import User


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client, username, password="anjian-demo"):
    page = client.get("/login")
    return client.post("/login", data={"csrf_token": csrf_of(page.text), "username": username,
                                       "password": password})


def test_login_dashboard_logout(client):
    assert client.get("/dashboard").status_code == 302
    resp = login(client, "wsq_reviewer")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/dashboard")
    page = client.get("/dashboard")
    assert "乌审旗应急管理局" in page.text and "辖区企业" in page.text
    out = client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert out.status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_wrong_password_is_rejected_in_chinese(client):
    resp = login(client, "wsq_reviewer", "wrong-password")
    assert resp.status_code == 401 and "用户名或密码错误" in resp.text
    assert login(client, "nobody", "whatever1").status_code == 401


def test_login_without_csrf_token_is_refused(client):
    client.get("/login")
    resp = client.post("/login", data={"username": "wsq_reviewer", "password": "anjian-demo"})
    assert resp.status_code == 400 and "CSRF" in resp.text


def test_throttling_locks_after_repeated_failures(app, client, db):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(client, "ent1_officer", "bad-password")
    resp = login(client, "ent1_officer")  # right password, but locked
    assert resp.status_code == 429 and "分钟后再试" in resp.text
    user = db.scalar(select(User).where(User.username == "ent1_officer"))
    assert user.locked_until is not None


def test_password_is_hashed_with_a_kdf(db):
    user = db.scalar(select(User).where(User.username == "wsq_admin"))
    assert user.password_hash.startswith("scrypt:") and "anjian-demo" not in user.password_hash


def test_password_change_ends_other_sessions(app, as_user):
    other = as_user("ent2_officer")
    me = as_user("ent2_officer")
    resp = me.post("/me/password", data={"csrf_token": me.csrf, "password": "new-pass-2026"})
    assert resp.status_code == 302
    assert me.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302


def test_weak_password_gets_a_field_message(as_user):
    me = as_user("ent2_officer")
    resp = me.post("/me/password", data={"csrf_token": me.csrf, "password": "12345678"})
    assert resp.status_code == 422 and "纯数字" in resp.text


def test_next_parameter_cannot_redirect_off_site(client):
    page = client.get("/login?next=//evil.example/")
    resp = client.post("/login?next=//evil.example/", data={
        "csrf_token": csrf_of(page.text), "username": "wsq_admin", "password": "anjian-demo"})
    assert resp.headers["Location"].endswith("/dashboard")


def test_english_is_selectable(as_user):
    c = as_user("wsq_reviewer")
    assert "Dashboard" in c.get("/dashboard?lang=en").text
    assert "Dashboard" in c.get("/dashboard").text  # remembered
    assert "工作台" in c.get("/dashboard?lang=zh_Hans_CN").text


def test_logins_do_not_bump_the_user_version(client, db):
    before = db.scalar(select(User.version).where(User.username == "wsq_admin"))
    login(client, "wsq_admin", "bad-password")
    login(client, "wsq_admin")
    db.expire_all()
    user = db.scalar(select(User).where(User.username == "wsq_admin"))
    assert user.version == before and user.last_login_at is not None and user.failed_logins == 0


def test_frames_are_refused(client):
    resp = client.get("/login")
    assert resp.headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
