"""Central scoping: queries written with no tenant filter still see only the caller's subtree."""
import pytest
from sqlalchemy import func, select, update

from core.auth.models import User
from core.context import ServiceContext
from core.db import utcnow
from core.errors import NotFound, PermissionDenied
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


# --- the identity map, shared-down rows, reading upward, bulk inserts ------------------------

def _tenant_of(db, username: str) -> int:
    return db.scalar(select(User.tenant_id).where(User.username == username))


def test_get_obeys_the_scope_for_an_object_already_in_the_identity_map(ctx_for, db):
    from core.files.models import StoredFile  # noqa: F401 - any tenant-owned model will do
    from tenants import service as tenants
    from tenants.scoping import UNSCOPED
    ent = ctx_for("ent1_officer")
    sibling = _tenant_of(db, "ent2_officer")
    # An unscoped read earlier in the same session (login look-ups are unscoped) puts the
    # sibling into the identity map, where a plain Session.get would find it without SQL.
    loaded = ent.session.scalar(select(Tenant).where(Tenant.id == sibling).execution_options(**{UNSCOPED: True}))
    assert loaded is not None
    assert ent.session.get(Tenant, sibling) is None
    with pytest.raises(NotFound):
        tenants.get_tenant(ent, sibling)
    # The same for a tenant-owned row: the sibling's officer.
    officer = ent.session.scalar(select(User).where(User.username == "ent2_officer").execution_options(**{UNSCOPED: True}))
    assert ent.session.get(User, officer.id) is None
    # Its own rows are still found from the identity map.
    assert ent.session.get(Tenant, ent.actor.tenant_id).id == ent.actor.tenant_id


def test_a_bureaus_sections_are_shared_down_read_only(ctx_for, db):
    wsq = _tenant_of(db, "wsq_admin")
    ent = ctx_for("ent1_officer")
    names = set(ent.session.scalars(select(Section.name)))
    assert names and names == set(db.scalars(select(Section.name).where(Section.tenant_id == wsq)))
    # Another county's sections stay invisible, and so do those of the sibling county to a county.
    assert not set(ctx_for("yjhl_admin").session.scalars(select(Section.id).where(Section.tenant_id == wsq)))
    section = ent.session.scalar(select(Section))
    section.name = "企业改过的股室"
    with pytest.raises(PermissionDenied):
        ent.session.flush()
    ent.session.rollback()
    # A bulk UPDATE from below does not reach them either.
    rows = ent.session.execute(update(Section).values(name="x").execution_options(synchronize_session=False)).rowcount
    assert rows == 0


def test_reading_upward_sees_ancestors_never_siblings(ctx_for, db):
    from tenants.scoping import ANCESTORS
    ent = ctx_for("ent1_officer")
    up = {"execution_options": {ANCESTORS: True}}
    names = set(ent.session.scalars(select(User.username).execution_options(**{ANCESTORS: True})))
    assert {"ent1_officer", "wsq_admin", "wsq_reviewer", "city_admin"} <= names
    assert not names & {"ent2_officer", "yjhl_admin", "yjhl_reviewer"}
    bureau = ent.session.scalar(select(Tenant).where(Tenant.id == _tenant_of(db, "wsq_admin"))
                                .execution_options(**{ANCESTORS: True}))
    assert bureau is not None and ent.session.get(Tenant, bureau.id, **up) is bureau
    assert ent.session.get(Tenant, bureau.id) is None  # without asking, the bureau is not listed
    bureau.name = "企业改过的名称"
    with pytest.raises(PermissionDenied):
        ent.session.flush()


def test_bulk_insert_refuses_rows_outside_the_scope(ctx_for, db):
    from core.notifications.models import Notification
    from tenants.scoping import insert_rows
    ent = ctx_for("ent1_officer")
    own, sibling = ent.actor.tenant_id, _tenant_of(db, "ent2_officer")
    user = ent.actor.user_id
    row = {"user_id": user, "title": "批量写入", "created_at": utcnow()}
    assert insert_rows(ent.session, Notification, [{**row, "tenant_id": own}] * 3) == 3
    with pytest.raises(NotFound):
        insert_rows(ent.session, Notification, [{**row, "tenant_id": own}, {**row, "tenant_id": sibling}])
    with pytest.raises(NotFound):
        insert_rows(ent.session, Notification, [{**row, "tenant_id": None}])
    ent.session.commit()
    assert db.scalar(select(func.count(Notification.id)).where(Notification.title == "批量写入")) == 3
