"""The demo gives each demo enterprise a ledger in every state of the loop, through the
import and the loop's own services, and loading it again adds nothing."""
from sqlalchemy import func, select

from core.ledgers.demo import load_demo_ledgers
from core.ledgers.models import Hazard, HazardExtension, LedgerImport, LedgerRow
from tenants.models import Tenant


def test_every_demo_enterprise_has_a_ledger_in_every_state(app, db):
    assert load_demo_ledgers(app.extensions["anjian.db"]) == db.scalar(
        select(func.count(Tenant.id)).where(Tenant.kind == "enterprise"))
    for tenant_id, in db.execute(select(Tenant.id).where(Tenant.kind == "enterprise")):
        states = set(db.scalars(select(Hazard.status).where(Hazard.tenant_id == tenant_id)))
        assert states == {"registered", "rectifying", "to_verify", "closed"}
        assert db.scalar(select(func.sum(Hazard.reopened)).where(Hazard.tenant_id == tenant_id)) == 1
    assert db.scalar(select(func.count(Hazard.id)).where(Hazard.supervised_no.is_not(None))) == 2
    assert db.scalar(select(func.count(HazardExtension.id)).where(HazardExtension.status == "pending")) == 2
    assert set(db.scalars(select(LedgerImport.status))) == {"stored"}
    per_type = dict(db.execute(select(LedgerRow.ledger_type, func.count(LedgerRow.id)).group_by(LedgerRow.ledger_type)).all())
    assert per_type == {"risk_points": 6 * 7, "emergency_system_check.supplies": 5 * 7}
    assert db.scalar(select(func.count(Hazard.id)).where(Hazard.risk_point.is_not(None))) > 0
    assert load_demo_ledgers(app.extensions["anjian.db"]) == 0
