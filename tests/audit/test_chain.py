import threading

from sqlalchemy import delete, select, text, update

from core.audit import service as audit
from core.audit.models import AuditEvent
from core.cli import main as cli


def verify(app):
    with app.extensions["anjian.db"].session() as s:
        return audit.verify(s)


def test_demo_chain_verifies(app):
    report = verify(app)
    assert report.ok and report.checked > 10


def test_edited_row_is_detected(app, db):
    db.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(summary="篡改后的摘要"))
    db.commit()
    report = verify(app)
    assert not report.ok
    assert any("第3号" in p and "篡改" in p for p in report.problems)


def test_deleted_row_and_deleted_tail_are_detected(app, db):
    last = db.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    db.execute(delete(AuditEvent).where(AuditEvent.seq.in_([5, last])))
    db.commit()
    problems = " ".join(verify(app).problems)
    assert "第5至4号" not in problems and "第5" in problems and "缺失" in problems
    assert f"链尾第{last}" in problems


def test_cli_verify_exit_codes(app, db, runner):
    ok = runner.invoke(cli, ["audit", "verify"])
    assert ok.exit_code == 0 and "审计链完整" in ok.output
    db.execute(text("UPDATE audit_events SET actor_name = 'someone' WHERE seq = 2"))
    db.commit()
    bad = runner.invoke(cli, ["audit", "verify"])
    assert bad.exit_code == 1 and "第2号" in bad.output


def test_concurrent_writers_form_one_chain(app, ctx_for):
    def write(i):
        ctx = ctx_for("wsq_admin")
        audit.record(ctx, "test.write", "thing", i, f"并发写入{i}")
        ctx.session.commit()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert verify(app).ok


def test_rolled_back_change_leaves_no_event(app, ctx_for, db):
    before = db.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    ctx = ctx_for("wsq_admin")
    audit.record(ctx, "test.write", "thing", 1, "会回滚")
    ctx.session.rollback()
    assert db.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) == before
    assert verify(app).ok


def test_browsing_is_scoped_to_the_jurisdiction(ctx_for):
    wsq = audit.list_events(ctx_for("wsq_admin"), audit.AuditFilter(action="tenant.create"), limit=100)
    city = audit.list_events(ctx_for("city_admin"), audit.AuditFilter(action="tenant.create"), limit=100)
    assert len(city) == 10  # 3 bureaus + 7 enterprises
    assert len(wsq) == 6    # itself + its 5 enterprises
    assert all("伊金霍洛" not in e.summary and "札萨克" not in e.summary for e in wsq)


def test_audit_page_and_api_are_for_bureau_admins(as_user, api):
    assert as_user("wsq_admin").get("/audit").status_code == 200
    assert as_user("wsq_reviewer").get("/audit").status_code == 403
    resp = api("city_admin").get("/api/v1/audit?action=user.create")
    assert resp.status_code == 200 and len(resp.json["items"]) == resp.json["total"] == 7
    assert api("ent1_officer").get("/api/v1/audit").status_code == 403
