from sqlalchemy import func, select

from core.auth.models import User


def test_county_admin_creates_enterprise_user(api, db):
    ent1 = api("wsq_admin").get("/api/v1/tenants?kind=enterprise").json["items"][0]
    resp = api("wsq_admin").post("/api/v1/users", json={
        "username": "hd_viewer", "display_name": "宏达只读", "password": "long-enough-1",
        "role": "viewer", "tenant_id": ent1["id"]})
    assert resp.status_code == 201 and resp.json["tenant_id"] == ent1["id"]


def test_bad_user_input_names_fields_and_stores_nothing(api, db):
    before = db.scalar(select(func.count()).select_from(User))
    resp = api("wsq_admin").post("/api/v1/users", json={
        "username": "1bad", "display_name": "", "password": "123", "role": "officer"})
    assert resp.status_code == 422
    errors = resp.json["errors"]
    assert "username" in errors and "password" in errors
    # officer is an enterprise role; the bureau itself cannot have one
    resp = api("wsq_admin").post("/api/v1/users", json={
        "username": "wsq_officer", "display_name": "某人", "password": "long-enough-1", "role": "officer"})
    assert resp.status_code == 422 and "角色只能是" in resp.json["errors"]["role"][0]
    assert db.scalar(select(func.count()).select_from(User)) == before


def test_enterprise_admin_only_in_own_enterprise_and_reviewer_cannot(api, db):
    yjhl = db.scalar(select(User).where(User.username == "yjhl_reviewer"))
    resp = api("wsq_admin").post("/api/v1/users", json={
        "username": "sneaky", "display_name": "某人", "password": "long-enough-1", "role": "viewer",
        "tenant_id": yjhl.tenant_id})
    assert resp.status_code == 422 and "tenant_id" in resp.json["errors"]
    resp = api("wsq_reviewer").post("/api/v1/users", json={
        "username": "sneaky", "display_name": "某人", "password": "long-enough-1", "role": "viewer"})
    assert resp.status_code == 403


def test_user_pages(as_user):
    admin = as_user("wsq_admin")
    page = admin.get("/users")
    assert page.status_code == 200 and "ent1_officer" in page.text and "yjhl_reviewer" not in page.text
    resp = admin.post("/users/new", data={"csrf_token": admin.csrf, "username": "wsq_viewer",
                                          "display_name": "乌审旗只读", "role": "viewer", "password": "anjian-2026"})
    assert resp.status_code == 302
    bad = admin.post("/users/new", data={"csrf_token": admin.csrf, "username": "wsq_viewer",
                                         "display_name": "重复", "role": "viewer", "password": "anjian-2026"})
    assert bad.status_code == 422 and "用户名已被使用" in bad.text


def test_stale_user_edit_is_409(api, db):
    user = db.scalar(select(User).where(User.username == "ent1_officer"))
    body = {"display_name": "新名字", "role": "officer", "version": user.version}
    a = api("wsq_admin")
    assert a.put(f"/api/v1/users/{user.id}", json=body).status_code == 200
    stale = a.put(f"/api/v1/users/{user.id}", json=body)
    assert stale.status_code == 409 and "已被他人修改" in stale.json["message"]


def test_a_username_taken_in_another_jurisdiction_is_refused_and_the_rest_kept(ctx_for, db):
    """伊金霍洛旗's admin cannot see 乌审旗's users, yet a name they hold is refused (the
    database's unique constraint, in a savepoint): the field error names it, and what the
    same transaction did before stays."""
    import pytest

    from core.auth import service as auth
    from core.errors import ValidationFailed
    yjhl = ctx_for("yjhl_admin")
    assert yjhl.session.scalar(select(User.id).where(User.username == "wsq_reviewer")) is None   # out of sight
    first = auth.create_user(yjhl, {"username": "yjhl_new", "display_name": "新用户", "password": "Passw0rd!x",
                                    "role": "viewer"})
    with pytest.raises(ValidationFailed) as e:
        auth.create_user(yjhl, {"username": "wsq_reviewer", "display_name": "重名", "password": "Passw0rd!x",
                                "role": "viewer"})
    assert e.value.errors == {"username": ["用户名已被使用"]}
    yjhl.session.commit()
    assert db.scalar(select(User.display_name).where(User.id == first.id)) == "新用户"
    assert db.scalar(select(func.count()).select_from(User).where(User.username == "wsq_reviewer")) == 1
