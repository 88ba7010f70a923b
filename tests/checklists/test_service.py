"""Checklist services: what is offered, the self-check workflow, answer checks, isolation."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.audit.models import AuditEvent
from core.auth import service as auth
from core.checklists import service
from core.checklists.models import ChecklistRun
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.plugins.models import TemplateSnapshot
from tenants.models import Tenant
from tests.checklists.conftest import FULL, SCORED_TEMPLATE, TEMPLATE, enable, tenant_id

YJHL_ENT_USCC = "91150627MA0R2F6NX4"
ENT2_USCC = "91150626MA0N3B7Q1R"


def offered_ids(ctx, registry) -> list[tuple[str, str]]:  # noqa: ANN001
    return [(t["id"], t["version"]) for t in service.offered(ctx)]


def yjhl_enterprise_user(ctx_for, db) -> str:  # noqa: ANN001
    ctx = ctx_for()
    auth.create_user(ctx, {"username": "zsk_officer", "display_name": "札萨克安全员", "password": "Anjian-demo-1",
                           "role": "officer", "tenant_id": tenant_id(db, YJHL_ENT_USCC)})
    ctx.session.commit()
    return "zsk_officer"


def audit_actions(db, run_id: int) -> list[str]:  # noqa: ANN001
    db.expire_all()
    return list(db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "checklist",
                                                           AuditEvent.object_id == str(run_id))
                           .order_by(AuditEvent.id)))


def start(ctx_for, registry, username: str = "ent1_officer", template: str = TEMPLATE) -> ChecklistRun:  # noqa: ANN001
    ctx = ctx_for(username)
    run = service.start_checklist(ctx, template)
    ctx.session.commit()
    return run


def test_offered_only_where_enabled_and_for_the_industry(app, ctx_for, db) -> None:  # noqa: ANN001
    registry = app.extensions["anjian.plugins"]
    outsider = yjhl_enterprise_user(ctx_for, db)
    assert offered_ids(ctx_for("ent1_officer"), registry) == []
    with pytest.raises(NotFound):
        service.start_checklist(ctx_for("ent1_officer"), TEMPLATE)

    enable(app, ctx_for, "checklists", "wsq_admin")
    assert offered_ids(ctx_for("ent1_officer"), registry) == [(TEMPLATE, "1.0.0")]
    assert offered_ids(ctx_for("ent2_officer"), registry) == [(TEMPLATE, "1.0.0")]
    assert offered_ids(ctx_for(outsider), registry) == []  # 伊金霍洛旗 has not enabled it
    with pytest.raises(NotFound):
        service.start_checklist(ctx_for(outsider), TEMPLATE)

    # An enterprise outside the template's industries is not offered it.
    ent2 = db.scalar(select(Tenant).where(Tenant.uscc == ENT2_USCC))
    ent2.industry = "coal_mine"
    db.commit()
    assert offered_ids(ctx_for("ent2_officer"), registry) == []
    with pytest.raises(NotFound):
        service.start_checklist(ctx_for("ent2_officer"), TEMPLATE)

    enable(app, ctx_for, "checklists", "city_admin")
    assert offered_ids(ctx_for(outsider), registry) == [(TEMPLATE, "1.0.0")]
    assert start(ctx_for, registry, outsider).template_version == "1.0.0"


def test_only_enterprise_staff_start(app, ctx_for, enabled) -> None:  # noqa: ANN001
    for username in ("wsq_reviewer", "wsq_admin"):
        with pytest.raises(PermissionDenied):
            service.start_checklist(ctx_for(username), TEMPLATE)
    with pytest.raises(NotFound):
        service.start_checklist(ctx_for("ent1_officer"), "sample.nothing")


def test_start_stores_the_snapshot(app, ctx_for, db, enabled) -> None:  # noqa: ANN001
    run = start(ctx_for, enabled)
    again = start(ctx_for, enabled)
    assert run.id != again.id and run.snapshot_id == again.snapshot_id  # one snapshot per body
    assert (run.status, run.template_id, run.template_version, run.title) == \
        ("draft", TEMPLATE, "1.0.0", "危化品企业现场安全自查表")
    snap = db.get(TemplateSnapshot, run.snapshot_id)
    assert snap.plugin == "checklists" and len(snap.sha256) == 64
    body = service.checklist_body(ctx_for("ent1_officer"), run)
    assert [i["id"] for i in service.items_of(body)] == ["1.1", "1.2", "2.1", "2.2"]
    assert "plugin" not in body and body["version"] == "1.0.0"
    assert audit_actions(db, run.id) == ["checklist.start"]


def test_full_workflow_is_audited(app, ctx_for, db, enabled) -> None:  # noqa: ANN001
    run = start(ctx_for, enabled)
    ent = ctx_for("ent1_officer")
    run = service.save_answers(ent, run.id, FULL, run.version)
    ent.session.commit()
    assert run.answers["1.2"] == {"value": "no", "note": "风险辨识未覆盖新装置"}
    assert run.answers["2.2"] == {"value": "应急物资每月检查一次", "note": ""}
    run = service.transition(ent, run.id, "submit", run.version)
    ent.session.commit()
    assert run.status == "submitted" and run.submitted_at is not None

    rev = ctx_for("wsq_reviewer")
    with pytest.raises(ValidationFailed) as e:
        service.transition(rev, run.id, "return", run.version)
    assert e.value.errors == {"comment": ["退回意见不能为空"]}
    rev.session.rollback()
    run = service.transition(rev, run.id, "return", run.version, comment="第1.2项请补充整改措施")
    rev.session.commit()
    assert (run.status, run.comment, run.reviewed_by) == ("returned", "第1.2项请补充整改措施", rev.actor.user_id)

    ent = ctx_for("ent1_officer")
    run = service.save_answers(ent, run.id, {"1.2": {"value": "yes", "note": "已补充"}}, run.version)
    run = service.transition(ent, run.id, "submit", run.version)
    ent.session.commit()
    assert run.status == "submitted" and run.answers["1.1"] == {"value": "yes", "note": ""}

    rev = ctx_for("wsq_reviewer")
    run = service.transition(rev, run.id, "accept", run.version, comment="同意")
    rev.session.commit()
    assert run.status == "accepted" and run.reviewed_at is not None
    assert audit_actions(db, run.id) == ["checklist.start", "checklist.answers", "checklist.submit",
                                         "checklist.return", "checklist.answers", "checklist.submit",
                                         "checklist.accept"]
    with pytest.raises(Conflict):
        service.save_answers(ctx_for("ent1_officer"), run.id, {"1.1": {"value": "no"}}, run.version)


def test_submit_needs_every_required_item(app, ctx_for, db, enabled) -> None:  # noqa: ANN001
    run = start(ctx_for, enabled)
    ent = ctx_for("ent1_officer")
    with pytest.raises(Conflict) as e:
        service.transition(ent, run.id, "submit", run.version)
    assert e.value.message == "以下检查项尚未作答，不能提交：1.1、1.2、2.1"
    ent.session.rollback()
    run = service.save_answers(ent, run.id, {"1.1": {"value": "na"}, "2.2": {"value": "有台账"}}, run.version)
    with pytest.raises(Conflict) as e:
        service.transition(ent, run.id, "submit", run.version)
    assert e.value.message.endswith("：1.2、2.1")  # the text item 2.2 is not required
    ent.session.rollback()
    assert db.get(ChecklistRun, run.id).status == "draft"
    assert run.submitted_at is None
    assert audit_actions(db, run.id) == ["checklist.start"]


SCORE_MESSAGE = "第1项：得分应为0至10之间的数字"


@pytest.mark.parametrize("template, answers, key, message", [
    (TEMPLATE, {"1.1": {"value": "maybe"}}, "answers.1.1", "第1.1项：只能选择“是”“否”或“不适用”"),
    (TEMPLATE, {"2.1": {"value": 5}}, "answers.2.1", "第2.1项：只能选择“是”“否”或“不适用”"),
    (TEMPLATE, {"2.2": {"value": "字" * 2001}}, "answers.2.2", "第2.2项：填写内容不能超过2000字"),
    (TEMPLATE, {"2.2": {"value": 3}}, "answers.2.2", "第2.2项：填写内容应为文字"),
    (TEMPLATE, {"2.3": {"value": "yes"}}, "answers.2.3", "第2.3项：检查表中没有该项"),
    (TEMPLATE, {"1.1": "yes"}, "answers.1.1", "第1.1项：作答格式应为 {\"value\": …, \"note\": …}"),
    (TEMPLATE, {"1.1": {"value": "yes", "note": "注" * 501}}, "answers.1.1", "第1.1项：说明应为不超过500字的文字"),
    (SCORED_TEMPLATE, {"1": {"value": 10.5}}, "answers.1", SCORE_MESSAGE),
    (SCORED_TEMPLATE, {"1": {"value": -1}}, "answers.1", SCORE_MESSAGE),
    (SCORED_TEMPLATE, {"1": {"value": "多"}}, "answers.1", SCORE_MESSAGE),
    (SCORED_TEMPLATE, {"1": {"value": True}}, "answers.1", SCORE_MESSAGE),
    (SCORED_TEMPLATE, {"1": {"value": "nan"}}, "answers.1", SCORE_MESSAGE),
])
def test_bad_answers_name_the_item(app, ctx_for, db, enabled_all, template, answers, key, message) -> None:  # noqa: ANN001
    run = start(ctx_for, enabled_all, template=template)
    ent = ctx_for("ent1_officer")
    good = {TEMPLATE: {"1.2": {"value": "yes"}}, SCORED_TEMPLATE: {"2": {"value": "yes"}}}[template]
    mixed = {**good, **answers}  # a good answer beside a bad one is not stored either
    with pytest.raises(ValidationFailed) as e:
        service.save_answers(ent, run.id, mixed, run.version)
    assert e.value.errors == {key: [message]} and e.value.message == message
    ent.session.rollback()
    db.expire_all()
    stored = db.get(ChecklistRun, run.id)
    assert stored.answers == {} and stored.version == run.version


def test_scores_merge_and_clear(app, ctx_for, db, enabled_all) -> None:  # noqa: ANN001
    run = start(ctx_for, enabled_all, template=SCORED_TEMPLATE)
    ent = ctx_for("ent1_officer")
    with pytest.raises(Conflict) as e:
        service.transition(ent, run.id, "submit", run.version)
    assert e.value.message.endswith("：1、2")
    ent.session.rollback()
    run = service.save_answers(ent, run.id, {"1": {"value": "8.5", "note": "演练记录齐全"},
                                             "2": {"value": "yes"}}, run.version)
    assert run.answers["1"] == {"value": 8.5, "note": "演练记录齐全"}
    run = service.save_answers(ent, run.id, {"1": {"value": 10}}, run.version)
    assert run.answers["1"] == {"value": 10, "note": "演练记录齐全"}
    run = service.save_answers(ent, run.id, {"1": {"note": "补充"}, "2": {"value": ""}}, run.version)
    assert run.answers == {"1": {"value": 10, "note": "补充"}}
    run = service.save_answers(ent, run.id, {"1": {"value": None, "note": ""}}, run.version)
    assert run.answers == {}
    ent.session.commit()
    # Saving the same answers again writes nothing: no version step, no audit event.
    seen = run.version
    run = service.save_answers(ent, run.id, {"1": {"value": ""}, "2": {"note": ""}}, seen)
    ent.session.commit()
    assert run.version == seen
    assert audit_actions(db, run.id).count("checklist.answers") == 4
    with pytest.raises(ValidationFailed) as e:
        service.save_answers(ent, run.id, ["1.1"], run.version)
    assert list(e.value.errors) == ["answers"]
    with pytest.raises(ValidationFailed) as e:
        service.save_answers(ent, run.id, {}, None)
    assert e.value.errors == {"version": ["缺少版本号"]}


def test_stale_version_conflicts(app, ctx_for, enabled) -> None:  # noqa: ANN001
    run = start(ctx_for, enabled)
    seen = run.version
    ent = ctx_for("ent1_officer")
    service.save_answers(ent, run.id, FULL, seen)
    ent.session.commit()
    other = ctx_for("ent1_officer")
    with pytest.raises(Conflict) as e:
        service.save_answers(other, run.id, {"1.1": {"value": "no"}}, seen)
    assert "已被他人处理或修改" in e.value.message
    with pytest.raises(Conflict):
        service.transition(other, run.id, "submit", seen)

    ent = ctx_for("ent1_officer")
    run = service.transition(ent, run.id, "submit", service.get_checklist(ent, run.id).version)
    ent.session.commit()
    # Two reviewers act on the same version: the first wins, the second gets 409.
    first = ctx_for("wsq_reviewer")
    service.transition(first, run.id, "accept", run.version)
    first.session.commit()
    with pytest.raises(Conflict):
        service.transition(ctx_for("wsq_admin"), run.id, "return", run.version, comment="晚了一步")


def test_roles(app, ctx_for, enabled) -> None:  # noqa: ANN001
    run = start(ctx_for, enabled)
    with pytest.raises(PermissionDenied):
        service.save_answers(ctx_for("wsq_reviewer"), run.id, FULL, run.version)
    ent = ctx_for("ent1_officer")
    run = service.save_answers(ent, run.id, FULL, run.version)
    run = service.transition(ent, run.id, "submit", run.version)
    ent.session.commit()
    for action in ("accept", "return"):
        with pytest.raises(PermissionDenied):
            service.transition(ctx_for("ent1_officer"), run.id, action, run.version, comment="自己通过")
    with pytest.raises(ValidationFailed) as e:
        service.transition(ctx_for("wsq_reviewer"), run.id, "archive", run.version)
    assert e.value.errors == {"action": ["未知操作“archive”"]}
    assert [a.name for a in service.actions(ctx_for("wsq_reviewer"), run)] == ["accept", "return"]
    assert service.actions(ctx_for("ent1_officer"), run) == []


def test_other_tenants_do_not_see_a_run(app, ctx_for, enabled) -> None:  # noqa: ANN001
    run = start(ctx_for, enabled)
    for username in ("ent2_officer", "yjhl_reviewer", "yjhl_admin"):
        ctx = ctx_for(username)
        with pytest.raises(NotFound):
            service.get_checklist(ctx, run.id)
        with pytest.raises(NotFound):
            service.save_answers(ctx, run.id, FULL, run.version)
        with pytest.raises(NotFound):
            service.transition(ctx, run.id, "accept", run.version)
        assert service.list_checklists(ctx) == []
    for username in ("ent1_officer", "wsq_reviewer", "city_admin"):
        assert [r.id for r in service.list_checklists(ctx_for(username))] == [run.id]
    assert service.list_checklists(ctx_for("wsq_reviewer"), "submitted") == []
    with pytest.raises(ValidationFailed):
        service.list_checklists(ctx_for("wsq_reviewer"), "bogus")
