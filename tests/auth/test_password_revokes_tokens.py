"""A new password ends the API tokens the old one could have created: an admin's reset and
the user's own change revoke them all, each revocation in the audit trail."""
from __future__ import annotations

from sqlalchemy import select

from core.audit.models import AuditEvent
from core.auth.models import ApiToken, User


def token_of(client, username: str = "ent1_officer") -> dict:  # noqa: ANN001
    secret = client.post("/api/v1/tokens", json={"username": username, "password": "anjian-demo"}).json["token"]
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    return headers


def revocations(db, user_id: int) -> list[AuditEvent]:  # noqa: ANN001
    db.expire_all()
    ids = [str(i) for i in db.scalars(select(ApiToken.id).where(ApiToken.user_id == user_id))]
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == "token.revoke",
                                                    AuditEvent.object_id.in_(ids))))


def test_admin_reset_on_the_page_revokes_the_users_tokens(client, as_user, db):
    first, second = token_of(client), token_of(client)
    user = db.scalar(select(User).where(User.username == "ent1_officer"))
    admin = as_user("wsq_admin")
    resp = admin.post(f"/users/{user.id}/password", data={"csrf_token": admin.csrf, "password": "reset-pass-2026"})
    assert resp.status_code == 302
    assert client.get("/api/v1/me", headers=first).status_code == 401
    assert client.get("/api/v1/me", headers=second).status_code == 401
    db.expire_all()
    assert all(t.revoked_at is not None for t in db.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))
    events = revocations(db, user.id)
    assert len(events) == 2 and {e.tenant_id for e in events} == {user.tenant_id}
    assert all(e.payload == {"reason": "password"} and "修改用户 ent1_officer 的密码时吊销" in e.summary for e in events)


def test_admin_reset_over_the_api_revokes_them(client, api, db):
    headers = token_of(client)
    user = db.scalar(select(User).where(User.username == "ent1_officer"))
    resp = api("wsq_admin").post(f"/api/v1/users/{user.id}/password", json={"password": "reset-pass-2026"})
    assert resp.status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_own_password_change_revokes_them(client, as_user, db):
    headers = token_of(client)
    me = as_user("ent1_officer")
    assert me.post("/me/password", data={"csrf_token": me.csrf, "password": "new-pass-2026"}).status_code == 302
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert me.get("/me").status_code == 200  # this browser stays logged in
    user = db.scalar(select(User).where(User.username == "ent1_officer"))
    assert len(revocations(db, user.id)) == 1


def test_other_users_tokens_and_revoked_ones_are_left_alone(client, as_user, db):
    mine, theirs = token_of(client, "ent1_officer"), token_of(client, "wsq_reviewer")
    tid = client.get("/api/v1/tokens", headers=mine).json["items"][0]["id"]
    assert client.delete(f"/api/v1/tokens/{tid}", headers=mine).status_code == 200  # revoked already
    me = as_user("ent1_officer")
    assert me.post("/me/password", data={"csrf_token": me.csrf, "password": "new-pass-2026"}).status_code == 302
    assert client.get("/api/v1/me", headers=theirs).status_code == 200
    user = db.scalar(select(User).where(User.username == "ent1_officer"))
    assert len(revocations(db, user.id)) == 1  # the earlier revocation only, not a second one
