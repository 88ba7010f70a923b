"""Deadlines declared on states and read by the engine's sweep: a reminder on its day, the
system's step once the limit has certainly passed, nothing irreversible on an estimated
calendar, and an overdue-only limit that changes no state."""
from datetime import date

import pytest
from sqlalchemy import Date, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.audit.models import AuditEvent
from core.plugins.models import OutboxEvent
from core.workflow import PASSED, REMIND, UNCONFIRMED, Deadline, Limit, Transition, Workflow
from tenants.models import Tenant, TenantOwned

TOLD: list[tuple[int, str]] = []


class Base(DeclarativeBase):
    pass


class Permit(TenantOwned, Base):
    __tablename__ = "sample_permits"
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(String(20), default="requested")
    requested_on: Mapped[date] = mapped_column(Date)
    granted_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(default=1)
    __mapper_args__ = {"version_id_col": version}


def tell(ctx, permit, moment) -> int:  # noqa: ANN001
    TOLD.append((permit.id, moment))
    return 1


FLOW = Workflow(
    name="permit", initial="requested", obj_type="permit",
    states={"requested": "待批", "granted": "已批（逾期默认）", "active": "生效"},
    transitions=(
        Transition("lapse", ("requested",), "granted", (), "逾期默认批准"),
        Transition("activate", ("granted",), "active", ("admin",), "生效"),
    ),
    deadlines={
        # three calendar days to answer, a reminder on the second; silence grants it
        "requested": Deadline(Limit(3, working=False, remind_at=2), "requested_on", then="lapse",
                              what="permit.answer", tell=tell, summary=lambda p, st: f"许可申请#{p.id}逾期默认批准"),
        # five working days to take effect once granted; passing only makes it overdue
        "granted": Deadline(Limit(5), "granted_on", what="permit.activate", tell=tell),
    },
)


@pytest.fixture
def permits(app, db):  # noqa: ANN001, ANN201
    TOLD.clear()
    Base.metadata.create_all(app.extensions["anjian.db"].engine)
    ent = db.scalar(select(Tenant.id).where(Tenant.uscc == "91150626MA0N1H2K6K"))

    def make(**values) -> int:
        permit = Permit(tenant_id=ent, **values)
        db.add(permit)
        db.commit()
        return permit.id
    return make


def test_remind_on_its_day_then_the_system_takes_the_step(ctx_for, db, permits):
    pid = permits(requested_on=date(2025, 3, 3))
    system = ctx_for()
    assert FLOW.sweep(system, [system.session.get(Permit, pid)], date(2025, 3, 4)).reminded == 0
    assert FLOW.sweep(system, [system.session.get(Permit, pid)], date(2025, 3, 5)).reminded == 1
    assert TOLD == [(pid, REMIND)]
    assert FLOW.sweep(system, [system.session.get(Permit, pid)], date(2025, 3, 6)).passed == 0   # the last day
    done = FLOW.sweep(system, [system.session.get(Permit, pid)], date(2025, 3, 7))
    system.session.commit()
    assert done.passed == 1 and TOLD[-1] == (pid, PASSED)
    db.expire_all()
    assert db.get(Permit, pid).status == "granted"
    step = db.scalar(select(AuditEvent).where(AuditEvent.action == "permit.lapse"))
    assert step.summary == f"许可申请#{pid}逾期默认批准" and step.object_type == "permit"
    passed = db.scalar(select(OutboxEvent).where(OutboxEvent.name == "deadline.passed"))
    assert passed.payload == {"deadline": "2025-03-06", "what": "permit.answer", "state": "requested"}


def test_nothing_irreversible_on_an_estimated_calendar(ctx_for, db, permits):
    # 2099 has no holiday notice: five working days are only estimated.
    pid = permits(status="granted", requested_on=date(2099, 1, 1), granted_on=date(2099, 3, 2))
    system = ctx_for()
    done = FLOW.sweep(system, [system.session.get(Permit, pid)], date(2099, 4, 1))
    assert (done.passed, done.waiting) == (0, 1) and TOLD == [(pid, UNCONFIRMED)]
    assert db.scalar(select(OutboxEvent.id).where(OutboxEvent.name == "deadline.passed")) is None


def test_an_overdue_only_limit_changes_no_state(ctx_for, db, permits):
    pid = permits(status="granted", requested_on=date(2025, 3, 3), granted_on=date(2025, 3, 7))  # a Friday
    system = ctx_for()
    permit = system.session.get(Permit, pid)
    assert FLOW.deadline_state(system, permit, date(2025, 3, 14)) == "open"       # 5th working day
    assert FLOW.deadline_state(system, permit, date(2025, 3, 15)) == PASSED
    assert FLOW.sweep(system, [permit], date(2025, 3, 17)).passed == 1
    system.session.commit()
    assert FLOW.sweep(system, [permit], date(2025, 3, 18)).passed == 0   # announced once
    db.expire_all()
    assert db.get(Permit, pid).status == "granted" and TOLD == [(pid, PASSED)]
    assert len(db.scalars(select(OutboxEvent).where(OutboxEvent.name == "deadline.passed")).all()) == 1


def test_a_deadline_must_name_a_step_that_leaves_its_state():
    with pytest.raises(ValueError, match="cannot leave it"):
        Workflow(name="bad", initial="a", states={"a": "甲", "b": "乙"},
                 transitions=(Transition("go", ("b",), "a", (), "走"),),
                 deadlines={"a": Deadline(Limit(1), "x", then="go")})
    with pytest.raises(ValueError, match="unknown state"):
        Workflow(name="bad", initial="a", states={"a": "甲"}, transitions=(),
                 deadlines={"z": Deadline(Limit(1), "x")})
