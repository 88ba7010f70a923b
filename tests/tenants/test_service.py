import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tenants import service as tenants
from tenants.models import Tenant

NEW = {"name": "乌审旗新能化工有限公司", "uscc": "914403001922038216", "industry": "hazchem_use",
       "region_code": "150626", "address": "乌审旗图克工业园区", "principal": "周强", "phone": "13904771234"}


def count(db, model=Tenant):
    return db.scalar(select(func.count()).select_from(model))


def test_bureau_admin_creates_enterprise_under_its_bureau(ctx_for, db):
    ctx = ctx_for("wsq_admin")
    ent = tenants.create_enterprise(ctx, NEW)
    ctx.session.commit()
    assert ent.parent_id == ctx.actor.tenant_id
    assert ent.path == f"{ctx.actor.tenant_path}{ent.id}/"
    events = db.scalars(select(AuditEvent).where(AuditEvent.object_id == str(ent.id))).all()
    assert [e.action for e in events] == ["tenant.create"]


@pytest.mark.parametrize("field,value,fragment", [
    ("uscc", "914403001922038217", "校验位"),
    ("region_code", "150627", "不在上级单位"),
    ("phone", "12345", "联系电话"),
    ("industry", "bakery", "行业类别"),
])
def test_bad_values_are_refused_naming_the_field(ctx_for, db, field, value, fragment):
    before = count(db)
    with pytest.raises(ValidationFailed) as e:
        tenants.create_enterprise(ctx_for("wsq_admin"), {**NEW, field: value})
    assert fragment in " ".join(e.value.errors[field])
    assert count(db) == before


def test_missing_fields_named_in_chinese(ctx_for):
    with pytest.raises(ValidationFailed) as e:
        tenants.create_enterprise(ctx_for("wsq_admin"), {"name": "某公司"})
    assert e.value.errors["uscc"] == ["统一社会信用代码为必填项"]
    assert e.value.errors["principal"] == ["主要负责人为必填项"]


def test_duplicate_uscc_refused_even_across_jurisdictions(ctx_for):
    ctx = ctx_for("yjhl_admin")
    with pytest.raises(ValidationFailed) as e:
        tenants.create_enterprise(ctx, {**NEW, "region_code": "150627", "uscc": "91150626MA0N1H2K6K"})
    assert "已登记" in e.value.errors["uscc"][0]


def test_reviewer_and_enterprise_cannot_create(ctx_for):
    with pytest.raises(PermissionDenied):
        tenants.create_enterprise(ctx_for("wsq_reviewer"), NEW)
    with pytest.raises(PermissionDenied):
        tenants.create_enterprise(ctx_for("ent1_officer"), NEW)


def test_cannot_create_under_a_sibling_bureau(ctx_for, db):
    yjhl = db.scalar(select(Tenant).where(Tenant.region_code == "150627", Tenant.kind == "bureau"))
    with pytest.raises(ValidationFailed) as e:
        tenants.create_enterprise(ctx_for("wsq_admin"), {**NEW, "parent_id": yjhl.id, "region_code": "150627"})
    assert "parent_id" in e.value.errors


def test_city_sees_everything_county_sees_its_own(ctx_for):
    assert len(tenants.list_tenants(ctx_for("city_admin"), kind="enterprise")) == 7
    assert len(tenants.list_tenants(ctx_for("wsq_reviewer"), kind="enterprise")) == 5
    assert len(tenants.list_tenants(ctx_for("yjhl_reviewer"), kind="enterprise")) == 2
    assert [t.name for t in tenants.list_tenants(ctx_for("ent1_officer"))] == ["乌审旗宏达甲醇有限责任公司"]


def test_enterprise_edits_own_profile_but_not_status(ctx_for):
    ctx = ctx_for("ent1_officer")
    me = tenants.get_tenant(ctx, ctx.actor.tenant_id)
    data = {f: getattr(me, f) for f in tenants.TENANT_FIELDS}
    updated = tenants.update_enterprise(ctx, me.id, {**data, "principal": "王志强", "status": "closed",
                                                     "version": me.version})
    assert updated.principal == "王志强" and updated.status == "active"


def test_stale_version_conflicts(ctx_for):
    ctx = ctx_for("wsq_admin")
    ent = tenants.list_tenants(ctx, kind="enterprise")[0]
    data = {f: getattr(ent, f) for f in tenants.TENANT_FIELDS}
    with pytest.raises(Conflict):
        tenants.update_enterprise(ctx, ent.id, {**data, "version": ent.version + 5})


def test_sibling_enterprise_is_not_found(ctx_for, db):
    ent2 = db.scalar(select(Tenant).where(Tenant.uscc == "91150626MA0N3B7Q1R"))
    with pytest.raises(NotFound):
        tenants.get_tenant(ctx_for("ent1_officer"), ent2.id)
    with pytest.raises(NotFound):
        tenants.get_tenant(ctx_for("yjhl_reviewer"), ent2.id)


def test_section_assignment_must_belong_to_the_enterprise_bureau(ctx_for, db):
    ctx = ctx_for("city_admin")
    yjhl_section = [s for s in tenants.list_sections(ctx) if "监督管理股" in s.name][0]
    with pytest.raises(ValidationFailed) as e:
        tenants.create_enterprise(ctx, {**NEW, "parent_id": db.scalar(
            select(Tenant.id).where(Tenant.region_code == "150626", Tenant.kind == "bureau")),
            "section_id": yjhl_section.id})
    assert "section_id" in e.value.errors


def test_enterprise_cannot_move_itself_out_of_its_county(ctx_for):
    ctx = ctx_for("ent1_officer")
    me = tenants.get_tenant(ctx, ctx.actor.tenant_id)
    data = {f: getattr(me, f) for f in tenants.TENANT_FIELDS}
    with pytest.raises(ValidationFailed) as e:
        tenants.update_enterprise(ctx, me.id, {**data, "region_code": "110101", "version": me.version})
    assert "不在上级单位" in e.value.errors["region_code"][0]


def test_enterprise_sees_its_supervising_section(ctx_for):
    ctx = ctx_for("ent1_officer")
    assert tenants.supervising_section(ctx, ctx.actor.tenant_id).name == "危险化学品安全监管股"


def test_city_filter_covers_the_counties_below(ctx_for, db):
    city = db.scalar(select(Tenant.id).where(Tenant.region_code == "150600"))
    assert len(tenants.list_tenants(ctx_for("city_admin"), kind="enterprise", under=city)) == 7
    assert len(tenants.list_tenants(ctx_for("city_admin"), kind="enterprise", industry="hazchem_production")) == 4
