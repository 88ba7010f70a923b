"""Jobs on the inline executor (no Redis): the job runs in-process once the enqueuing
transaction commits."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.jobs import runner, service
from core.jobs.executor import queue_status
from core.jobs.registry import JobKind
from tests.jobs.sample_jobs import count_sections, find_job, load_job


def test_enqueue_runs_after_commit_with_progress_visible_meanwhile(app, ctx_for):
    ctx = ctx_for("wsq_reviewer")
    job = service.enqueue(ctx, "tests.progress", {"note": "x"})
    assert find_job(app, job.id) is None  # nobody sees (or runs) it before the commit
    ctx.session.commit()
    done = load_job(app, job.id)
    assert done.status == "done" and done.progress == 100 and done.attempts == 1
    assert done.started_at and done.finished_at and done.finished_at >= done.started_at
    # Seen from another session while the job ran: the first report, committed at once;
    # the second came within the throttle interval and was not written.
    assert done.result["first"] == ["running", 25, "第一步"]
    assert done.result["second"] == ["running", 25, "第一步"]
    assert done.result["actor"] == "wsq_reviewer"
    assert done.title == "测试：进度" and done.params == {"note": "x"}


def test_job_belongs_to_the_actors_tenant_and_is_audited(app, ctx_for, db):
    ctx = ctx_for("ent1_officer")
    job = service.enqueue(ctx, "tests.progress", {}, title="自定义标题")
    ctx.session.commit()
    row = load_job(app, job.id)
    assert row.tenant_id == ctx.actor.tenant_id and row.requested_by == ctx.actor.user_id
    assert row.title == "自定义标题"
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "job.enqueue",
                                               AuditEvent.object_id == str(job.id)))
    assert event is not None and event.tenant_id == ctx.actor.tenant_id and "自定义标题" in event.summary


def test_rolled_back_enqueue_never_dispatches(app, ctx_for):
    ctx = ctx_for("city_admin")
    job = service.enqueue(ctx, "tests.sections", {"count": 2})
    lost_id = job.id
    ctx.session.rollback()
    # The same session commits other work later: the rolled-back job must not start.
    kept = service.enqueue(ctx, "tests.sections", {"count": 1})
    ctx.session.commit()
    assert load_job(app, kept.id).status == "done"
    assert count_sections(app, kept.id) == 1
    if lost_id != kept.id:  # SQLite may hand the rolled-back id out again
        assert count_sections(app, lost_id) == 0
    assert [j.id for j in service.list_jobs(ctx_for())] == [kept.id]


def test_savepoint_release_does_not_dispatch_before_the_outer_commit(app, ctx_for):
    ctx = ctx_for("city_admin")
    with ctx.session.begin_nested():
        job = service.enqueue(ctx, "tests.sections", {"count": 1})
    # The savepoint is released but nothing is committed yet: the job must wait.
    assert count_sections(app, job.id) == 0
    ctx.session.commit()
    assert load_job(app, job.id).status == "done"


def test_failing_job_rolls_back_its_writes_and_retry_runs_it_again(app, ctx_for, db):
    ctx = ctx_for("city_admin")
    job = service.enqueue(ctx, "tests.sections", {"count": 3, "fail_attempts": 1})
    ctx.session.commit()
    failed = load_job(app, job.id)
    assert failed.status == "failed" and failed.retryable and failed.attempts == 1
    assert failed.error == "任务执行出错：RuntimeError"
    assert count_sections(app, job.id) == 0  # the rows written before the error are gone

    retry_ctx = ctx_for("city_admin")
    service.retry_job(retry_ctx, job.id)
    retry_ctx.session.commit()
    done = load_job(app, job.id)
    assert done.status == "done" and done.attempts == 2 and done.error is None
    assert done.result == {"written": 3, "summary": "写入 3 个股室"}
    assert count_sections(app, job.id) == 3
    assert db.scalar(select(AuditEvent).where(AuditEvent.action == "job.retry",
                                              AuditEvent.object_id == str(job.id))) is not None

    again = ctx_for("city_admin")
    with pytest.raises(Conflict):
        service.retry_job(again, job.id)  # done jobs are not retried


def test_domain_error_fails_with_its_message_and_is_not_retryable(app, ctx_for):
    ctx = ctx_for("ent1_officer")
    job = service.enqueue(ctx, "tests.refuse", {})
    ctx.session.commit()
    row = load_job(app, job.id)
    assert row.status == "failed" and not row.retryable
    assert row.error == "当前状态不允许执行该操作"
    with pytest.raises(Conflict):
        service.retry_job(ctx_for("ent1_officer"), job.id)


def test_running_a_finished_job_again_is_a_no_op(app, ctx_for):
    ctx = ctx_for("city_admin")
    job = service.enqueue(ctx, "tests.sections", {"count": 2})
    ctx.session.commit()
    assert runner.execute(app, job.id) == "skipped"
    row = load_job(app, job.id)
    assert row.attempts == 1 and count_sections(app, job.id) == 2


def test_audit_verify_job_reports_the_chain(app, ctx_for, db):
    ctx = ctx_for("city_admin")
    job = service.enqueue(ctx, "audit.verify", {})
    ctx.session.commit()
    row = load_job(app, job.id)
    assert row.status == "done"
    assert row.result["ok"] is True and row.result["checked"] > 10 and row.result["problems"] == []
    assert row.result["summary"].startswith("审计链完整")

    db.execute(AuditEvent.__table__.update().where(AuditEvent.id == 2).values(summary="被改过"))
    db.commit()
    ctx2 = ctx_for("city_admin")
    job2 = service.enqueue(ctx2, "audit.verify", {})
    ctx2.session.commit()
    result = load_job(app, job2.id).result
    assert result["ok"] is False and result["problem_count"] >= 1
    assert any("第2号" in p for p in result["problems"])


@pytest.mark.parametrize("username", ["wsq_reviewer", "ent1_officer"])
def test_only_bureau_admins_start_audit_verify(app, ctx_for, username):
    ctx = ctx_for(username)
    assert not service.can_enqueue(ctx, "audit.verify")
    with pytest.raises(PermissionDenied):
        service.enqueue(ctx, "audit.verify", {})
    assert service.can_enqueue(ctx_for("city_admin"), "audit.verify")


def test_unknown_kind_and_bad_params_are_refused(app, ctx_for):
    ctx = ctx_for("city_admin")
    with pytest.raises(ValidationFailed):
        service.enqueue(ctx, "no.such.kind", {})
    with pytest.raises(TypeError):
        service.enqueue(ctx, "tests.progress", {"obj": object()})  # ids only, never objects


def test_other_tenants_job_is_not_found(app, ctx_for):
    ctx = ctx_for("ent1_officer")
    job = service.enqueue(ctx, "tests.progress", {})
    ctx.session.commit()
    other = ctx_for("ent2_officer")
    with pytest.raises(NotFound):
        service.get_job(other, job.id)
    assert job.id not in [j.id for j in service.list_jobs(other)]
    with pytest.raises(NotFound):
        service.retry_job(other, job.id)
    # The supervising bureau can open it by id; its own list shows only its own jobs.
    assert service.get_job(ctx_for("city_admin"), job.id).id == job.id
    assert job.id not in [j.id for j in service.list_jobs(ctx_for("city_admin"))]
    assert [j.id for j in service.list_jobs(ctx_for("ent1_officer"))] == [job.id]


def test_registry_rejects_a_conflicting_registration(app):
    jobs = app.extensions["anjian"].jobs
    assert {"audit.verify", "tests.progress"} <= {k.kind for k in jobs.job_kinds()}
    with pytest.raises(ValueError, match="已存在"):   # the same kind again, even with the same function
        jobs.add([JobKind("tests.progress", "tests.jobs.sample_jobs:report_progress", "测试：进度"),
                  JobKind("tests.other", "tests.jobs.sample_jobs:refuse", "另一个")])
    assert jobs.job_kind("tests.other") is None          # all or nothing
    with pytest.raises(ValueError):
        JobKind("tests.bad_path", "tests.jobs.sample_jobs.refuse", "路径错误")


def test_each_app_has_its_own_job_kinds(app, make_app):
    """Nothing registered at import: an app without the sample manifest does not know its kinds."""
    assert app.extensions["anjian"].jobs.job_kind("tests.progress") is not None
    assert make_app().extensions["anjian"].jobs.job_kind("tests.progress") is None


def test_queue_status_inline(app):
    assert queue_status(app) == "inline"
