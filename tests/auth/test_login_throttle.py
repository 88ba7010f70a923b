"""Repeated failed logins: a username no account has is answered exactly like a real one
(401 until the limit, then 429), on the login page and on POST /api/v1/tokens, and every
failure and lock is in the audit trail."""
from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.auth.models import LoginThrottle, User
from tests.auth.test_login import login


def page_attempt(client, username: str, password: str) -> tuple[int, str]:  # noqa: ANN001
    """The status and the whole page, but for the name typed and the form's CSRF token."""
    resp = login(client, username, password)
    return resp.status_code, re.sub(r'name="csrf_token" value="[^"]+"', "", resp.text.replace(username, "NAME"))


def api_attempt(client, username: str, password: str) -> tuple[int, str]:  # noqa: ANN001
    resp = client.post("/api/v1/tokens", json={"username": username, "password": password})
    return resp.status_code, resp.json.get("message", "")


def answers(app, attempt, username: str) -> list[tuple[int, str]]:  # noqa: ANN001
    """What the limit's failures, then one more try with another wrong password, answer."""
    client = app.test_client()
    return [attempt(client, username, f"wrong-{i}") for i in range(app.config["LOGIN_MAX_FAILURES"] + 1)]


@pytest.mark.parametrize("attempt", [page_attempt, api_attempt], ids=["page", "api"])
def test_unknown_username_is_answered_like_a_real_one(app, attempt):
    real, unknown = answers(app, attempt, "ent1_officer"), answers(app, attempt, "no_such_user")
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert [status for status, _ in real] == [401] * limit + [429]
    assert "用户名或密码错误" in real[0][1] and "登录失败次数过多，请15分钟后再试" in real[limit][1]
    assert unknown == real


def test_unknown_name_counter_is_kept_by_hash_and_spelling(app, db):
    client = app.test_client()
    for _ in range(2):
        api_attempt(client, " Ghost.User ", "my-secret-password")
    key = hashlib.sha256(b"Ghost.User").hexdigest()
    row = db.scalar(select(LoginThrottle).where(LoginThrottle.key == key))
    assert row.failed_logins == 2 and row.locked_until is None
    # Usernames are case-sensitive, so another spelling is another name with its own count.
    other = hashlib.sha256(b"ghost.user").hexdigest()
    assert db.scalar(select(LoginThrottle).where(LoginThrottle.key == other)) is None


def test_lock_ends_and_counting_starts_again(app, db):
    client = app.test_client()
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        api_attempt(client, "no_such_user", "wrong")
    row = db.scalar(select(LoginThrottle))
    assert row.failed_logins == 0 and row.locked_until is not None
    row.locked_until = None  # the lock has passed
    db.commit()
    assert api_attempt(client, "no_such_user", "wrong") == (401, "用户名或密码错误")


def events(db, action: str) -> list[AuditEvent]:  # noqa: ANN001
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_failures_and_the_lock_are_audited_in_the_users_tenant(app, db):
    user = db.scalar(select(User).where(User.username == "ent1_officer"))
    client = app.test_client()
    login(client, "ent1_officer", "wrong-password")
    [failed] = events(db, "user.login_failed")
    assert (failed.tenant_id, failed.object_type, failed.object_id) == (user.tenant_id, "user", str(user.id))
    assert failed.actor_id is None  # whoever typed the password is not known to be the user
    assert failed.payload["reason"] == "password" and failed.payload["via"] == "page"
    assert failed.payload["remote_addr"] == "127.0.0.1" and "wrong-password" not in str(failed.payload)
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        api_attempt(client, "ent1_officer", "wrong-password")
    [locked] = events(db, "user.locked")
    assert locked.tenant_id == user.tenant_id and locked.object_id == str(user.id) and "锁定15分钟" in locked.summary
    assert len(events(db, "user.login_failed")) == app.config["LOGIN_MAX_FAILURES"]
    # Refused while locked: the lock was recorded; these cheap requests add nothing.
    api_attempt(client, "ent1_officer", "anjian-demo")
    assert len(events(db, "user.login_failed")) == app.config["LOGIN_MAX_FAILURES"]


def test_unknown_username_events_are_system_events_without_the_name(app, db):
    client = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        login(client, "secret-typed-here", "wrong")
    failed, locked = events(db, "user.login_failed"), events(db, "user.locked")
    assert len(failed) == app.config["LOGIN_MAX_FAILURES"] and len(locked) == 1
    for e in (*failed, *locked):
        assert e.tenant_id is None and e.object_id is None
        assert "secret-typed-here" not in e.summary + str(e.payload) + e.actor_name
        assert e.payload["username_sha256"] == hashlib.sha256(b"secret-typed-here").hexdigest()


def test_successful_login_is_audited(app, db):
    client = app.test_client()
    assert login(client, "wsq_reviewer").status_code == 302
    resp = client.post("/api/v1/tokens", json={"username": "wsq_reviewer", "password": "anjian-demo"})
    assert resp.status_code == 201
    page, api = events(db, "user.login")
    user = db.scalar(select(User).where(User.username == "wsq_reviewer"))
    assert (page.actor_id, page.tenant_id, page.payload["via"]) == (user.id, user.tenant_id, "page")
    assert api.payload["via"] == "api" and [e.actor_id for e in events(db, "token.create")] == [user.id]


def test_inactive_account_login_is_audited(app, ctx_for, db):
    from core.auth import service as auth
    admin = ctx_for("wsq_admin")
    user = admin.session.scalar(select(User).where(User.username == "wsq_reviewer"))
    auth.update_user(admin, user.id, {"display_name": user.display_name, "role": user.role, "active": False,
                                      "version": user.version})
    admin.session.commit()
    assert login(app.test_client(), "wsq_reviewer").status_code == 401
    [failed] = events(db, "user.login_failed")
    assert failed.payload["reason"] == "inactive"


def test_bureau_admin_filters_security_events(app, as_user):
    client = app.test_client()
    login(client, "ent1_officer", "wrong-password")
    login(client, "no_such_user", "wrong-password")
    page = as_user("wsq_admin").get("/audit?action=user.login_failed")
    assert page.status_code == 200 and 'value="user.login_failed" selected' in page.text
    assert "用户 ent1_officer 登录失败：密码错误" in page.text
    assert "用户名不存在" not in page.text  # a system event: no bureau's


def test_concurrent_failures_of_an_unknown_name_each_count(app, db):
    """The first failures of a new name race to insert its row: the upsert counts them all."""
    from concurrent.futures import ThreadPoolExecutor

    from core.auth import service as auth
    from core.errors import Unauthorized

    def fail(_i: int) -> None:
        with app.extensions["anjian.db"].session() as s:
            with pytest.raises(Unauthorized):
                auth.authenticate(s, "racing_name", "wrong")
            s.commit()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(fail, range(4)))
    db.expire_all()
    assert db.scalar(select(LoginThrottle.failed_logins)) == 4
    assert len(events(db, "user.login_failed")) == 4
