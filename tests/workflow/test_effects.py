"""The engine's effects, checks, relations and bulk steps, on a sample campaign task: a
bureau assigns it to an enterprise and names a section to review it."""
import pytest
from sqlalchemy import String, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.audit.models import AuditEvent
from core.auth.models import User
from core.errors import Conflict, PermissionDenied, ValidationFailed
from core.workflow import (
    Transition,
    Workflow,
    all_of,
    assigning_bureau,
    named_section,
    own_enterprise,
)
from tenants.models import Tenant, TenantOwned

ISSUED: list = []  # every number an effect issued


class TaskBase(DeclarativeBase):
    pass


class Task(TenantOwned, TaskBase):
    __tablename__ = "sample_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column()
    bureau_id: Mapped[int] = mapped_column()
    section_id: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="assigned")
    number: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}


def issue_number(ctx, task, data):
    ISSUED.append(task.id)
    return {"number": f"T-{len(ISSUED):03d}"}


def cleaned_note(ctx, task, data):
    note = (data.get("note") or "").strip()
    if not note:
        raise ValidationFailed({"note": ["说明不能为空"]})
    return {"note": note}


FLOW = Workflow(
    name="task", initial="assigned",
    states={"assigned": "已下达", "submitted": "已提交", "accepted": "已通过"},
    transitions=(
        Transition("submit", ("assigned",), "submitted", ("officer",), "提交", bureau=False,
                   authority=own_enterprise, checks=(cleaned_note,),
                   on_enter=(lambda c, t, d: {"note": d["note"]},)),
        Transition("accept", ("submitted",), "accepted", ("reviewer", "admin"), "通过", bureau=True,
                   authority=all_of(assigning_bureau("bureau_id"), named_section("section_id")),
                   on_enter=(issue_number,), records=("number",)),
        Transition("publish", ("assigned",), "submitted", (), "批量发布"),
    ),
)


@pytest.fixture
def tasks(app, db):
    ISSUED.clear()
    TaskBase.metadata.create_all(app.extensions["anjian.db"].engine)
    ent = db.scalar(select(Tenant).where(Tenant.uscc == "91150626MA0N1H2K6K"))
    reviewer = db.scalar(select(User).where(User.username == "wsq_reviewer"))
    made = [Task(tenant_id=ent.id, bureau_id=ent.parent_id, section_id=reviewer.section_id) for _ in range(3)]
    db.add_all(made)
    db.commit()
    return [t.id for t in made]


def events(db, action):
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_effects_run_after_every_check_and_ride_on_one_update(ctx_for, db, tasks):
    officer = ctx_for("ent1_officer")
    task = officer.session.get(Task, tasks[0])
    FLOW.apply(officer, task, "submit", version=1, data={"note": "  已整改  "})
    officer.session.commit()
    assert (task.status, task.note, task.version) == ("submitted", "已整改", 2)

    admin = ctx_for("wsq_admin")
    task = admin.session.get(Task, tasks[0])
    with pytest.raises(Conflict):  # stale: the version check comes before the effect
        FLOW.apply(admin, task, "accept", version=1)
    assert ISSUED == [] and task.number is None and task.status == "submitted"
    step = FLOW.apply(admin, task, "accept", version=2)
    admin.session.commit()
    assert ISSUED == [tasks[0]] and step.stamps == {"number": "T-001"}
    assert (task.status, task.number, task.version) == ("accepted", "T-001", 3)  # one version step
    [accepted] = events(db, "task.accept")
    assert accepted.payload["number"] == "T-001" and accepted.payload["to"] == "accepted"


def test_checks_come_after_the_engines_own_and_may_clean_the_input(ctx_for, tasks):
    officer = ctx_for("ent1_officer")
    task = officer.session.get(Task, tasks[0])
    with pytest.raises(Conflict):  # a stale version answers 409 before the empty note is looked at
        FLOW.apply(officer, task, "submit", version=7, data={"note": ""})
    with pytest.raises(ValidationFailed) as e:
        FLOW.apply(officer, task, "submit", version=1, data={"note": " "})
    assert e.value.errors == {"note": ["说明不能为空"]} and task.status == "assigned"


@pytest.mark.parametrize(("username", "problem"), [
    ("wsq_reviewer", None),                      # the section named on the task
    ("wsq_admin", None),                         # the assigning bureau's admin
    ("city_admin", "只有交办（受理）该事项的应急管理局可以办理"),  # sees it, did not assign it
])
def test_authority_by_relation(ctx_for, db, tasks, username, problem):
    ctx = ctx_for(username)
    task = ctx.session.get(Task, tasks[0])
    task.status = "submitted"
    assert [t.name for t in FLOW.available(ctx, task)] == ([] if problem else ["accept"])
    if problem:
        with pytest.raises(PermissionDenied, match=problem):
            FLOW.check(ctx, task, "accept", version=task.version)


def test_another_section_and_a_bureau_officer_are_refused(ctx_for, db, tasks):
    from core.context import Actor, ServiceContext
    reviewer = ctx_for("wsq_reviewer")
    task = reviewer.session.get(Task, tasks[0])
    task.status = "submitted"
    a = reviewer.actor
    other = ServiceContext(reviewer.session, Actor(a.user_id, a.username, a.tenant_id, a.tenant_kind, a.tenant_path,
                                                   "reviewer", section_id=(a.section_id or 0) + 1000))
    with pytest.raises(PermissionDenied, match="指定股室"):
        FLOW.check(other, task, "accept", version=task.version)
    bureau_officer = ServiceContext(reviewer.session, Actor(a.user_id, a.username, a.tenant_id, a.tenant_kind,
                                                            a.tenant_path, "officer"))
    task.status = "assigned"
    with pytest.raises(PermissionDenied):  # the enterprise's own step, not its bureau's
        FLOW.check(bureau_officer, task, "submit", version=task.version, data={"note": "x"})


def test_apply_many_moves_all_in_one_flush_or_none(app, ctx_for, db, tasks):
    from core.context import ServiceContext
    with app.extensions["anjian.db"].session() as s:
        system = ServiceContext.system(s, "campaign")
        rows = list(s.scalars(select(Task).where(Task.id.in_(tasks)).order_by(Task.id)))
        rows[1].version  # noqa: B018 - loaded
        with pytest.raises(Conflict):  # one stale version refuses them all
            FLOW.apply_many(system, rows, "publish", versions={rows[1].id: 99})
        assert all(r.status == "assigned" for r in rows)
        steps = FLOW.apply_many(system, rows, "publish")
        s.commit()
    assert [st.source for st in steps] == ["assigned"] * 3
    db.expire_all()
    assert db.scalar(select(func.count(Task.id)).where(Task.status == "submitted")) == 3
    assert [e.object_id for e in events(db, "task.publish")] == [str(t) for t in tasks]
