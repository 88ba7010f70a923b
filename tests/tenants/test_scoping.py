"""Central scoping: queries written with no tenant filter still see only the caller's subtree."""
import pytest
from sqlalchemy import select, update

from core.auth.models import User
from core.context import ServiceContext
from tenants.models import Section, Tenant
from tenants.scoping import ScopeMissing


def test_unfiltered_query_cannot_read_a_sibling_enterprise(ctx_for):
    ctx = ctx_for("ent1_officer")
    # No WHERE on tenant at all: the scoping event adds it.
    names = ctx.session.scalars(select(User.username)).all()
    assert names == ["ent1_officer"]
    assert ctx.session.scalars(select(Tenant.name)).all() == ["乌审旗宏达甲醇有限责任公司"]


def test_get_by_primary_key_and_joins_are_scoped(ctx_for, db):
    other = db.scalar(select(User).where(User.username == "ent2_officer"))
    ctx = ctx_for("ent1_officer")
    assert ctx.session.get(User, other.id) is None
    joined = ctx.session.scalars(select(User).join(Tenant, User.tenant_id == Tenant.id)).all()
    assert [u.username for u in joined] == ["ent1_officer"]


def test_county_reads_its_subtree_only(ctx_for):
    ctx = ctx_for("wsq_reviewer")
    users = set(ctx.session.scalars(select(User.username)))
    assert users == {"wsq_admin", "wsq_reviewer", "ent1_officer", "ent2_officer"}
    sections = ctx.session.scalars(select(Section.name)).all()
    assert "危险化学品安全监督管理股" not in sections


def test_bulk_update_cannot_touch_other_tenants(ctx_for, db):
    ctx = ctx_for("ent1_officer")
    ctx.session.execute(update(User).values(phone="13800000000").execution_options(synchronize_session=False))
    ctx.session.commit()
    phones = dict(db.execute(select(User.username, User.phone)).all())
    assert phones["ent1_officer"] == "13800000000"
    assert phones["ent2_officer"] is None


def test_session_without_scope_refuses_tenant_data(app):
    with app.extensions["anjian.db"].session() as s:
        with pytest.raises(ScopeMissing):
            s.scalars(select(User)).all()


def test_system_scope_sees_all(app):
    with app.extensions["anjian.db"].session() as s:
        ServiceContext.system(s)
        assert len(s.scalars(select(User)).all()) == 7
