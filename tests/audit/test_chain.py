import threading

from sqlalchemy import delete, func, select, text, update

from core.audit import service as audit
from core.audit.models import AuditEvent
from core.cli import main as cli
from tenants.models import Tenant
from tenants.scoping import Scope


def verify(app):
    with app.extensions["anjian.db"].session(Scope.system()) as s:
        return audit.verify(s)


def test_demo_chain_verifies(app):
    report = verify(app)
    assert report.ok and report.checked > 10


def longest_chain(db):
    """The chain with the most events, its label and its last seq."""
    chain, last = db.execute(select(AuditEvent.chain, func.max(AuditEvent.seq)).group_by(AuditEvent.chain)
                             .order_by(func.max(AuditEvent.seq).desc()).limit(1)).one()
    return chain, audit.chain_label(chain, audit._chain_names(db)), last


def test_each_transaction_appends_to_the_chain_of_its_first_event(app, ctx_for, db):
    wsq, city = ctx_for("wsq_admin"), ctx_for("city_admin")
    ent = db.scalar(select(Tenant.id).where(Tenant.kind == "enterprise", Tenant.path.like(wsq.scope.prefix + "%")))
    first = audit.record(wsq, "test.write", "thing", 1, "乌审旗写入")
    other = audit.record(wsq, "test.write", "thing", 2, "同一事务写给企业", tenant_id=ent)
    wsq.session.commit()
    mine = audit.record(city, "test.write", "thing", 3, "市局写入")
    city.session.commit()
    assert first.chain == other.chain == wsq.actor.tenant_id and other.tenant_id == ent
    assert mine.chain == city.actor.tenant_id
    assert verify(app).ok


def test_edited_row_is_detected(app, db):
    chain, label, _ = longest_chain(db)
    db.execute(update(AuditEvent).where(AuditEvent.chain == chain, AuditEvent.seq == 3)
               .values(summary="篡改后的摘要"))
    db.commit()
    report = verify(app)
    assert not report.ok
    assert report.problems == [f"{label}第3号审计记录内容被篡改（id={db.scalar(select(AuditEvent.id).where(AuditEvent.chain == chain, AuditEvent.seq == 3))}）"]


def test_deleted_row_and_deleted_tail_are_detected(app, db):
    chain, label, last = longest_chain(db)
    db.execute(delete(AuditEvent).where(AuditEvent.chain == chain, AuditEvent.seq.in_([5, last])))
    db.commit()
    problems = verify(app).problems
    assert f"{label}第5至5号审计记录缺失（被删除）" in problems
    assert f"{label}链尾第{last}至{last}号审计记录缺失（被删除）" in problems


def test_cli_verify_exit_codes(app, db, runner):
    ok = runner.invoke(cli, ["audit", "verify"])
    assert ok.exit_code == 0 and "审计链完整" in ok.output
    chain, label, _ = longest_chain(db)
    db.execute(text("UPDATE audit_events SET actor_name = 'someone' WHERE seq = 2 AND chain = :c"), {"c": chain})
    db.commit()
    bad = runner.invoke(cli, ["audit", "verify"])
    assert bad.exit_code == 1 and f"{label}第2号" in bad.output


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
    before = db.scalar(select(func.count(AuditEvent.id)))
    ctx = ctx_for("wsq_admin")
    audit.record(ctx, "test.write", "thing", 1, "会回滚")
    ctx.session.rollback()
    assert db.scalar(select(func.count(AuditEvent.id))) == before
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
