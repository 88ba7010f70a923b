"""Events reach plugins after the core commit; a raising plugin loses nothing."""
import pytest
from sqlalchemy import func, select

from core.plugins import service
from core.plugins.events import deliver_pending, emit
from core.plugins.models import OutboxEvent, PluginFailure
from tenants.models import Tenant
from tests.plugins import sample_plugins
from tests.workflow.test_engine import FLOW, Doc, SampleBase

SAMPLES = "tests.plugins.sample_plugins"


@pytest.fixture
def app(make_app):
    sample_plugins.RECEIVED.clear()
    sample_plugins.SEEN.clear()
    return make_app(PLUGINS_EXTRA=[f"raising = {SAMPLES}:raising", f"listening = {SAMPLES}:listening"])


@pytest.fixture
def doc_id(app, db, ctx_for):
    SampleBase.metadata.create_all(app.extensions["anjian.db"].engine)
    wsq = ctx_for("wsq_admin")
    for name in ("raising", "listening"):
        service.set_enabled(wsq, name, True)
    wsq.session.commit()
    ent1 = db.scalar(select(Tenant).where(Tenant.uscc == "91150626MA0N1H2K6K"))
    doc = Doc(tenant_id=ent1.id)
    db.add(doc)
    db.commit()
    return doc.id


def test_core_action_succeeds_and_the_failure_is_recorded(app, ctx_for, db, doc_id, as_user):
    officer = ctx_for("ent1_officer")
    doc = officer.session.get(Doc, doc_id)
    FLOW.apply(officer, doc, "submit", version=1)
    officer.session.commit()  # inline delivery runs right after this commit
    db.expire_all()
    assert db.get(Doc, doc_id).status == "submitted"               # core data kept
    assert sample_plugins.RECEIVED == [("workflow.transition", doc.tenant_id, "submit")]
    failure = db.scalar(select(PluginFailure))
    assert failure.plugin == "raising" and "示例插件处理事件" in failure.error
    # The last frames of the traceback: where in the plugin it broke.
    assert "sample_plugins.py" in failure.error and "in _raise" in failure.error
    assert db.scalar(select(OutboxEvent.delivered_at)) is not None
    page = as_user("wsq_admin").get("/plugins")
    assert "示例插件处理事件 workflow.transition 时出错" in page.text
    # Another county's admin does not see this county's failures.
    assert "示例插件处理事件" not in as_user("yjhl_admin").get("/plugins").text


def test_a_handler_acts_in_the_jurisdiction_that_enabled_the_plugin(app, ctx_for, db, doc_id):
    """乌审旗 enabled the plugin: its handler reads 乌审旗's subtree, not the city or 伊旗."""
    officer = ctx_for("ent1_officer")
    FLOW.apply(officer, officer.session.get(Doc, doc_id), "submit", version=1)
    officer.session.commit()
    assert sample_plugins.SEEN == [{"150626"}]


def test_events_of_a_rolled_back_transaction_are_never_delivered(app, ctx_for, db, doc_id):
    officer = ctx_for("ent1_officer")
    FLOW.apply(officer, officer.session.get(Doc, doc_id), "submit", version=1)
    officer.session.rollback()
    assert db.scalar(select(func.count()).select_from(OutboxEvent)) == 0
    assert sample_plugins.RECEIVED == []


def test_plugins_not_enabled_for_the_tenant_hear_nothing(app, ctx_for, db, doc_id):
    system = ctx_for()
    yjhl = db.scalar(select(Tenant.id).where(Tenant.uscc == "91150627MA0R2F6NX4"))
    emit(system, "deadline.passed", tenant_id=yjhl, payload={"what": "演练"})
    system.session.commit()
    assert sample_plugins.RECEIVED == []
    assert db.scalar(select(func.count()).select_from(PluginFailure)) == 0


def test_sweep_delivers_what_after_commit_delivery_missed(app, ctx_for, db, doc_id):
    ent1 = db.scalar(select(Tenant.id).where(Tenant.uscc == "91150626MA0N1H2K6K"))
    db.add(OutboxEvent(name="deadline.passed", tenant_id=ent1, payload={"what": "备案"}))
    db.commit()  # written without emit(): nobody scheduled delivery
    assert deliver_pending(app) == 1
    assert sample_plugins.RECEIVED == [("deadline.passed", ent1, None)]
    assert deliver_pending(app) == 0


@pytest.mark.redis
def test_delivery_on_a_real_rq_worker(app, ctx_for, db, doc_id, redis_url, tmp_path, monkeypatch):
    from tests.jobs.sample_jobs import drop_queue, run_worker_process, use_rq
    use_rq(app, redis_url)
    try:
        ent1 = db.scalar(select(Tenant.id).where(Tenant.uscc == "91150626MA0N1H2K6K"))
        system = ctx_for()
        emit(system, "deadline.passed", tenant_id=ent1, payload={"what": "演练"})
        system.session.commit()
        queue = app.extensions["anjian.executor"].queue()
        assert [(j.func_name, j.args) for j in queue.jobs] == [("core.worker.run_task", ("core.plugins.events:deliver_pending",))]
        assert db.scalar(select(OutboxEvent.delivered_at)) is None  # nothing ran here
        monkeypatch.setenv("ANJIAN_PLUGINS_EXTRA", f"raising = {SAMPLES}:raising;listening = {SAMPLES}:listening")
        run_worker_process(app, tmp_path)
        db.expire_all()
        assert db.scalar(select(OutboxEvent.delivered_at)) is not None
        assert db.scalar(select(PluginFailure.plugin)) == "raising"
    finally:
        drop_queue(app)


def test_a_leased_event_is_not_delivered_twice_until_the_lease_runs_out(app, db, doc_id):
    from datetime import timedelta

    from core.db import utcnow
    ent1 = db.scalar(select(Tenant.id).where(Tenant.uscc == "91150626MA0N1H2K6K"))
    db.add(OutboxEvent(name="deadline.passed", tenant_id=ent1, payload={}, claimed_until=utcnow() + timedelta(minutes=3)))
    db.commit()
    assert deliver_pending(app) == 0 and sample_plugins.RECEIVED == []   # another deliverer holds it
    db.execute(OutboxEvent.__table__.update().values(claimed_until=utcnow() - timedelta(seconds=1)))
    db.commit()                                                           # that deliverer died
    assert deliver_pending(app) == 1 and len(sample_plugins.RECEIVED) == 1


def test_starting_a_checklist_emits_template_instantiated(make_app, ctx_for):
    from core.checklists import service as checklists
    from tests.checklists.conftest import CHECKLISTS, TEMPLATE
    sample_plugins.RECEIVED.clear()
    app = make_app(PLUGINS_EXTRA=[CHECKLISTS, f"listening = {SAMPLES}:listening"])
    wsq = ctx_for("wsq_admin", of=app)
    for name in ("checklists", "listening"):
        service.set_enabled(wsq, name, True)
    wsq.session.commit()
    officer = ctx_for("ent1_officer", of=app)
    run = checklists.start_checklist(officer, TEMPLATE)
    officer.session.commit()
    assert sample_plugins.RECEIVED == [("template.instantiated", run.tenant_id, None)]
    event = officer.session.scalar(select(OutboxEvent).where(OutboxEvent.name == "template.instantiated"))
    assert (event.object_type, event.object_id) == ("checklist", str(run.id))
    assert event.payload == {"template_id": TEMPLATE, "version": "1.0.0", "sha256": run.snapshot_sha256,
                             "plugin": "checklists"}


def test_an_undeclared_event_name_is_refused(ctx_for):
    with pytest.raises(ValueError, match="scoring.finished"):
        emit(ctx_for(), "scoring.finished", tenant_id=None)
