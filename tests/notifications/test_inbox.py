from core.notifications import service as notifications


def test_sweep_style_notifications_are_not_duplicated(ctx_for):
    system = ctx_for()
    user_id = ctx_for("ent1_officer").actor.user_id
    for _ in range(3):  # a sweep running three times
        notifications.notify(system, user_id, "应急预案即将到期", link="/dashboard", dedupe_key="plan-7-due")
    system.session.commit()
    assert notifications.unread_count(ctx_for("ent1_officer")) == 1


def test_notify_role_reaches_the_right_people(ctx_for, db):
    system = ctx_for()
    wsq = ctx_for("wsq_reviewer")
    n = notifications.notify_role(system, wsq.actor.tenant_id, ("reviewer",), "有新的备案待审查", dedupe_key="f-1")
    system.session.commit()
    assert n == 1
    assert notifications.unread_count(ctx_for("wsq_reviewer")) == 1
    assert notifications.unread_count(ctx_for("wsq_admin")) == 0


def test_header_counter_and_reading(as_user, ctx_for):
    system = ctx_for()
    uid = ctx_for("ent1_officer").actor.user_id
    notifications.notify(system, uid, "请于5个工作日内补正材料", link="/profile")
    notifications.notify(system, uid, "演练记录已逾期")
    system.session.commit()
    c = as_user("ent1_officer")
    page = c.get("/dashboard")
    assert 'data-testid="unread">2<' in page.text and "请于5个工作日内补正材料" in page.text
    inbox = c.get("/inbox")
    first = notifications.inbox(ctx_for("ent1_officer"))[-1]
    resp = c.post(f"/inbox/{first.id}/open", data={"csrf_token": c.csrf})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/profile")
    assert 'data-testid="unread">1<' in c.get("/dashboard").text
    c.post("/inbox/read-all", data={"csrf_token": c.csrf})
    assert 'data-testid="unread"' not in c.get("/dashboard").text
    assert "演练记录已逾期" in inbox.text


def test_someone_elses_message_is_404(as_user, ctx_for):
    system = ctx_for()
    notifications.notify(system, ctx_for("ent1_officer").actor.user_id, "只给企业1")
    system.session.commit()
    note = notifications.inbox(ctx_for("ent1_officer"))[0]
    c = as_user("wsq_admin")  # can see ent1's tenant, but it is not their message
    assert c.post(f"/inbox/{note.id}/open", data={"csrf_token": c.csrf}).status_code == 404
