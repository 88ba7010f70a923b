"""Tenant tree: bureaus, enterprises and sections under a bureau's jurisdiction."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from core.audit import service as audit
from core.context import ServiceContext
from core.db import unique_values
from core.errors import Conflict, NotFound, PermissionDenied, field_error
from core.schema import load_or_fail
from tenants.codes import region_problem, region_within, uscc_problem
from tenants.models import Section, SectionAssignment, Tenant, TenantKind
from tenants.schemas import BureauIn, EnterpriseIn, EnterpriseUpdate, SectionIn
from tenants.scoping import ANCESTORS

TENANT_FIELDS = ("name", "region_code", "uscc", "industry", "address", "principal", "phone", "status",
                 "legal_representative", "postal_code", "fax", "size_class", "hazchem_quantity", "headcount", "tags")
REASON_MAX = 500
# What decides which statutory duties apply (第二十一、三十三、三十五条) is for the bureau to
# record: an enterprise keeps its own contact details, not the facts that relax its duties.
BUREAU_ONLY = ("status", "industry", "size_class", "hazchem_quantity", "tags")


def get_tenant(ctx: ServiceContext, tenant_id: int) -> Tenant:
    tenant = ctx.session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("单位不存在或无权访问")
    return tenant


def list_tenants(ctx: ServiceContext, kind: str | None = None, parent_id: int | None = None,
                 q: str | None = None, status: str | None = None, industry: str | None = None,
                 under: int | None = None, *, limit: int | None = None, offset: int = 0) -> list[Tenant]:
    """Visible tenants; `parent_id` = direct children, `under` = the whole subtree below a
    bureau (a city's filter covers its counties' enterprises)."""
    stmt = _tenants(ctx, select(Tenant), kind, parent_id, q, status, industry, under)
    return list(ctx.session.scalars(stmt.order_by(Tenant.path).limit(limit).offset(offset)))


def count_tenants(ctx: ServiceContext, kind: str | None = None, parent_id: int | None = None,
                  q: str | None = None, status: str | None = None, industry: str | None = None,
                  under: int | None = None) -> int:
    """How many tenants list_tenants would page through."""
    stmt = _tenants(ctx, select(func.count(Tenant.id)), kind, parent_id, q, status, industry, under)
    return ctx.session.scalar(stmt) or 0


def _tenants(ctx: ServiceContext, stmt, kind, parent_id, q, status, industry, under):  # noqa: ANN001, ANN202
    if kind:
        stmt = stmt.where(Tenant.kind == kind)
    if parent_id:
        stmt = stmt.where(Tenant.parent_id == parent_id)
    if under:
        root = get_tenant(ctx, under)
        stmt = stmt.where(Tenant.path.like(root.path + "%"), Tenant.id != root.id)
    if industry:
        stmt = stmt.where(Tenant.industry == industry)
    if status:
        stmt = stmt.where(Tenant.status == status)
    if q:
        stmt = stmt.where(Tenant.name.contains(q, autoescape=True) | Tenant.uscc.contains(q, autoescape=True))
    return stmt


def list_bureaus(ctx: ServiceContext) -> list[Tenant]:
    return list_tenants(ctx, kind=TenantKind.bureau.value)


def _parent_for_new(ctx: ServiceContext, parent_id: int | None) -> Tenant:
    """The bureau a new tenant goes under: the given one (must be visible) or the actor's."""
    pid = parent_id or ctx.actor.tenant_id
    if pid is None:
        raise field_error("parent_id", "请指定上级单位")
    parent = ctx.session.get(Tenant, pid)
    if parent is None:
        raise field_error("parent_id", "上级单位不存在或无权访问")
    if not parent.is_bureau:
        raise field_error("parent_id", "上级单位必须是应急管理局")
    return parent


# The 统一社会信用代码 is unique nationwide: the database says so when a flush breaks it.
USCC_TAKEN = {"tenants.uscc": lambda: field_error("uscc", "该统一社会信用代码已登记，不能重复添加")}


def _place(ctx: ServiceContext, tenant: Tenant, parent: Tenant | None) -> None:
    tenant.parent_id = parent.id if parent else None
    with unique_values(ctx.session, USCC_TAKEN):
        ctx.session.add(tenant)
    tenant.path = f"{parent.path if parent else '/'}{tenant.id}/"


def _check_region(tenant_region: str, parent: Tenant | None) -> None:
    if parent is not None and not region_within(tenant_region, parent.region_code):
        raise field_error("region_code",
                          f"行政区划代码 {tenant_region} 不在上级单位“{parent.name}”（{parent.region_code}）的辖区内")


def create_bureau(ctx: ServiceContext, data: dict, *, root: bool = False) -> Tenant:
    """A county bureau under the actor's bureau, or (system only, root=True) a top-level one."""
    ctx.require("admin", bureau=True, message="只有应急管理局管理员可以新建下级单位")
    d = load_or_fail(BureauIn(), data)
    parent = None if (root and ctx.actor.is_system) else _parent_for_new(ctx, d["parent_id"])
    _check_region(d["region_code"], parent)
    bureau = Tenant(kind=TenantKind.bureau.value, name=d["name"], region_code=d["region_code"],
                    short_name=d["short_name"])
    _place(ctx, bureau, parent)
    audit.record(ctx, "tenant.create", "tenant", bureau.id, f"新建应急管理局“{bureau.name}”",
                 payload=d, tenant_id=bureau.id)
    return bureau


def create_enterprise(ctx: ServiceContext, data: dict) -> Tenant:
    ctx.require("admin", bureau=True, message="只有应急管理局管理员可以新建企业")
    d = load_or_fail(EnterpriseIn(), data)
    parent = _parent_for_new(ctx, d["parent_id"])
    _check_region(d["region_code"], parent)
    ent = Tenant(kind=TenantKind.enterprise.value, **{k: d[k] for k in TENANT_FIELDS})
    _place(ctx, ent, parent)
    _assign_section(ctx, ent, d["section_id"])
    audit.record(ctx, "tenant.create", "tenant", ent.id, f"新建企业“{ent.name}”（{ent.uscc}）",
                 payload=d, tenant_id=ent.id)
    return ent


def require_can_edit(ctx: ServiceContext, ent: Tenant) -> None:
    """Bureau admins edit any field; an enterprise's own admin/officer edits its profile
    but not the facts of BUREAU_ONLY or its supervising section."""
    if ent.is_bureau:
        raise NotFound("企业不存在或无权访问")
    if ctx.actor.tenant_id == ent.id:
        ctx.require("admin", "officer", message="只有本企业管理员或安全管理员可以修改企业信息")
    else:
        ctx.require("admin", bureau=True, message="只有应急管理局管理员可以修改企业信息")


def update_enterprise(ctx: ServiceContext, tenant_id: int, data: dict) -> Tenant:
    ent = get_tenant(ctx, tenant_id)
    require_can_edit(ctx, ent)
    own = ctx.actor.tenant_id == ent.id
    if isinstance(data, dict):
        # A field left out keeps its value (a field sent empty or null clears it): a client
        # that changes the phone number does not also clear the supervising section.
        section = supervising_section(ctx, ent.id)
        data = {**{f: getattr(ent, f) for f in TENANT_FIELDS}, "section_id": section.id if section else None, **data}
    d = load_or_fail(EnterpriseUpdate(), data)
    if d["parent_id"] not in (None, ent.parent_id):
        raise field_error("parent_id", "修改企业信息不能更换监管部门：请在新监管部门下新建企业，或联系上级应急管理局")
    if d["version"] != ent.version:
        raise Conflict("企业信息已被他人修改，请刷新后重试")
    for name, problem in (("uscc", uscc_problem), ("region_code", region_problem)):
        if d[name] != getattr(ent, name) and problem(d[name]):
            raise field_error(name, problem(d[name]))
    _check_region(d["region_code"], _parent_of(ctx, ent))
    fields = [f for f in TENANT_FIELDS if not (own and f in BUREAU_ONLY)]
    before = {f: getattr(ent, f) for f in fields}
    with unique_values(ctx.session, USCC_TAKEN):
        for f in fields:
            setattr(ent, f, d[f])
    if not own:
        _assign_section(ctx, ent, d["section_id"])
    changed = {f: [before[f], d[f]] for f in fields if before[f] != d[f]}
    ctx.session.flush()
    audit.record(ctx, "tenant.update", "tenant", ent.id,
                 f"修改企业“{ent.name}”：{'、'.join(changed) or '无变化'}", payload=changed, tenant_id=ent.id)
    return ent


def set_single_low_risk(ctx: ServiceContext, tenant_id: int, single: bool, reason: str | None,
                        version: int | None) -> Tenant:
    """第十五条: 事故风险单一、危险性小的生产经营单位，可以只编制现场处置方案. The enterprise's
    bureau (an admin or reviewer) finds so, or withdraws the finding, with a reason; the
    comprehensive plan then stops (or starts again) being a required material."""
    ent = get_tenant(ctx, tenant_id)
    if ent.is_bureau:
        raise NotFound("企业不存在或无权访问")
    ctx.require("admin", "reviewer", bureau=True, message="只有应急管理局可以认定风险单一、危险性小")
    if not ctx.actor.is_system and ctx.actor.tenant_id != ent.parent_id:
        raise PermissionDenied("只有企业所属的应急管理局可以认定风险单一、危险性小")
    if isinstance(version, bool) or not isinstance(version, int):
        raise field_error("version", "缺少版本号（读取企业信息时的 version）")
    if version != ent.version:
        raise Conflict("企业信息已被他人修改，请刷新后重试")
    reason = reason.strip() if isinstance(reason, str) else ""
    if not reason:
        raise field_error("reason", "请填写认定（或撤销认定）的理由")
    if len(reason) > REASON_MAX:
        raise field_error("reason", f"理由不能超过{REASON_MAX}字")
    ent.single_low_risk, ent.single_low_risk_reason = bool(single), reason
    ctx.session.flush()
    audit.record(ctx, "tenant.single_low_risk", "tenant", ent.id,
                 (f"认定“{ent.name}”事故风险单一、危险性小，可以只编制现场处置方案（第十五条）" if single
                  else f"撤销对“{ent.name}”风险单一、危险性小的认定"),
                 payload={"single_low_risk": bool(single), "reason": reason}, tenant_id=ent.id)
    return ent


def _parent_of(ctx: ServiceContext, tenant: Tenant) -> Tenant | None:
    """The parent bureau, read upward (ANCESTORS): an enterprise does not list its bureau,
    but its edits are still checked against it. Only called for a visible `tenant`."""
    if tenant.parent_id is None:
        return None
    return ctx.session.scalar(select(Tenant).where(Tenant.id == tenant.parent_id)
                              .execution_options(**{ANCESTORS: True}))


def supervising_section(ctx: ServiceContext, enterprise_id: int) -> Section | None:
    """The section supervising a visible enterprise (sections are shared down from the
    bureau, so the enterprise reads its own)."""
    get_tenant(ctx, enterprise_id)
    return ctx.session.scalar(
        select(Section).join(SectionAssignment, SectionAssignment.section_id == Section.id)
        .where(SectionAssignment.tenant_id == enterprise_id))


def _assign_section(ctx: ServiceContext, ent: Tenant, section_id: int | None) -> None:
    current = ctx.session.scalar(select(SectionAssignment).where(SectionAssignment.tenant_id == ent.id))
    if section_id is None:
        if current is not None:
            ctx.session.delete(current)
        return
    section = ctx.session.get(Section, section_id)
    if section is None or section.tenant_id != ent.parent_id:
        raise field_error("section_id", "监管股室须为该企业所属应急管理局的股室")
    if current is None:
        ctx.session.add(SectionAssignment(tenant_id=ent.id, section_id=section_id))
    else:
        current.section_id = section_id


def list_sections(ctx: ServiceContext, bureau_id: int | None = None) -> list[Section]:
    stmt = select(Section)
    if bureau_id:
        stmt = stmt.where(Section.tenant_id == bureau_id)
    return list(ctx.session.scalars(stmt.order_by(Section.tenant_id, Section.id)))


def create_section(ctx: ServiceContext, data: dict, bureau_id: int | None = None) -> Section:
    ctx.require("admin", bureau=True, message="只有应急管理局管理员可以设置股室")
    d = load_or_fail(SectionIn(), data)
    bureau = _parent_for_new(ctx, bureau_id)
    exists = ctx.session.scalar(select(func.count()).select_from(Section)
                                .where(Section.tenant_id == bureau.id, Section.name == d["name"]))
    if exists:
        raise field_error("name", "本单位已有同名股室")
    section = Section(tenant_id=bureau.id, **d)
    ctx.session.add(section)
    ctx.session.flush()
    audit.record(ctx, "section.create", "section", section.id, f"新建股室“{section.name}”",
                 payload=d, tenant_id=bureau.id)
    return section


def parent_name(ctx: ServiceContext, tenant: Tenant) -> str | None:
    """The supervising bureau's name, shown to an enterprise that cannot otherwise see it."""
    parent = _parent_of(ctx, tenant)
    return parent.name if parent else None






def jurisdiction_summary(ctx: ServiceContext) -> dict:
    """Counts for a bureau's dashboard: bureaus, enterprises by industry and by status."""
    rows = ctx.session.execute(select(Tenant.kind, Tenant.industry, Tenant.status, func.count())
                               .group_by(Tenant.kind, Tenant.industry, Tenant.status))
    out = {"bureaus": 0, "enterprises": 0, "by_industry": {}, "by_status": {}}
    for kind, industry, status, n in rows:
        if kind == TenantKind.bureau.value:
            out["bureaus"] += n
            continue
        out["enterprises"] += n
        out["by_industry"][industry] = out["by_industry"].get(industry, 0) + n
        out["by_status"][status] = out["by_status"].get(status, 0) + n
    return out


BEIJING = timedelta(hours=8)  # stored timestamps are naive UTC; people read Beijing time
ENTERPRISE_COLUMNS = ("企业名称", "统一社会信用代码", "行政区划代码", "行业类别", "地址", "主要负责人", "联系电话",
                      "状态", "监管部门", "更新时间")


def enterprise_table(ctx: ServiceContext, **filters) -> tuple[list[str], list[list]]:
    """The enterprise register as export rows (same filters as the list page)."""
    rows = list_tenants(ctx, kind=TenantKind.enterprise.value, **filters)
    names = {t.id: t.name for t in list_tenants(ctx, kind=TenantKind.bureau.value)}
    return list(ENTERPRISE_COLUMNS), [
        [t.name, t.uscc, t.region_code, t.industry_label, t.address, t.principal, t.phone, t.status_label,
         names.get(t.parent_id, ""), t.updated_at + BEIJING] for t in rows]
