"""Demo data for 鄂尔多斯市: two banner bureaus and their hazardous-chemical enterprises.

Idempotent: everything is looked up by its natural key first, so running it again adds
nothing. Company names are invented; USCCs carry valid GB 32100 check characters.
"""
from __future__ import annotations

from sqlalchemy import select

from core.audit import service as audit
from core.auth import service as auth
from core.auth.models import User
from core.calendar.service import ensure_seeded
from core.context import ServiceContext
from core.plugins import service as plugins
from core.plugins.models import PluginSetting
from tenants import service as tenants
from tenants.models import Section, Tenant

DEMO_PASSWORD = "anjian-demo"

CITY = {"name": "鄂尔多斯市应急管理局", "region_code": "150600", "short_name": "鄂应急"}
COUNTIES = [
    {"name": "乌审旗应急管理局", "region_code": "150626", "short_name": "乌应急",
     "sections": [("危险化学品安全监管股", "负责辖区危险化学品生产、经营、使用企业的安全监管"),
                  ("应急救援指挥中心", "应急预案管理、应急演练与值守"),
                  ("综合行政执法大队", "安全生产行政执法")]},
    {"name": "伊金霍洛旗应急管理局", "region_code": "150627", "short_name": "伊应急",
     "sections": [("危险化学品安全监督管理股", "负责辖区危险化学品企业安全监管")]},
]
ENTERPRISES = [
    # (county region, name, uscc, industry, address, principal, phone)
    ("150626", "乌审旗宏达甲醇有限责任公司", "91150626MA0N1H2K6K", "hazchem_production",
     "内蒙古鄂尔多斯市乌审旗图克工业园区纬三路8号", "王建国", "0477-7512301"),
    ("150626", "鄂尔多斯市苏力格合成氨化工有限公司", "91150626MA0N3B7Q1R", "hazchem_production",
     "内蒙古鄂尔多斯市乌审旗苏力德苏木工业集中区", "李志刚", "0477-7512388"),
    ("150626", "乌审旗图克煤制烯烃有限公司", "91150626MA0Q8L4C5M", "hazchem_production",
     "内蒙古鄂尔多斯市乌审旗图克镇纳林河工业园区", "张海峰", "13904775566"),
    ("150626", "内蒙古纳林河精细化工有限公司", "91150626MA13T6W93T", "hazchem_use",
     "内蒙古鄂尔多斯市乌审旗纳林河工业园区经二路", "赵永胜", "0477-7519020"),
    ("150626", "乌审旗嘎鲁图危险化学品储运有限公司", "91150626MA0P5D2R6E", "hazchem_storage",
     "内蒙古鄂尔多斯市乌审旗嘎鲁图镇物流园区", "高明", "13947761234"),
    ("150627", "伊金霍洛旗札萨克煤化工有限公司", "91150627MA0R2F6NX4", "hazchem_production",
     "内蒙古鄂尔多斯市伊金霍洛旗札萨克镇化工园区", "刘长青", "0477-8661122"),
    ("150627", "伊金霍洛旗阿勒腾席热燃气有限公司", "91150627MA0K9U3M55", "hazchem_operation",
     "内蒙古鄂尔多斯市伊金霍洛旗阿勒腾席热镇", "孙立新", "13847719988"),
]
# What the 备案登记表 prints and the filing rules read, per USCC: 法定代表人, 邮政编码, 传真, size
# class and (for hazardous-chemical users) whether their use reaches the national quantities.
FACTS = {
    "91150626MA0N1H2K6K": ("王建国", "017300", "0477-7512302", "large", False),
    "91150626MA0N3B7Q1R": ("李志刚", "017300", None, "medium", False),
    "91150626MA0Q8L4C5M": ("张海峰", "017300", "0477-7516601", "large", False),
    "91150626MA13T6W93T": ("赵永胜", "017300", None, "small", True),
    "91150626MA0P5D2R6E": ("高明", "017300", None, "small", False),
    "91150627MA0R2F6NX4": ("刘长青", "017200", "0477-8661123", "medium", False),
    "91150627MA0K9U3M55": ("孙立新", "017200", None, "small", False),
}
# 从业人员数 per USCC (what a campaign counts per-employee materials against).
HEADCOUNTS = {"91150626MA0N1H2K6K": 48, "91150626MA0N3B7Q1R": 35, "91150626MA0Q8L4C5M": 126, "91150626MA13T6W93T": 28,
              "91150626MA0P5D2R6E": 16, "91150627MA0R2F6NX4": 64, "91150627MA0K9U3M55": 12}
# (username, display name, role, tenant key: region code or uscc, section name or None)
USERS = [
    ("city_admin", "市局管理员", "admin", "150600", None),
    ("wsq_admin", "乌审旗管理员", "admin", "150626", None),
    ("wsq_reviewer", "乌审旗审核员", "reviewer", "150626", "危险化学品安全监管股"),
    ("yjhl_admin", "伊旗管理员", "admin", "150627", None),
    ("yjhl_reviewer", "伊旗审核员", "reviewer", "150627", "危险化学品安全监督管理股"),
    ("ent1_officer", "宏达甲醇安全员", "officer", "91150626MA0N1H2K6K", None),
    ("ent2_officer", "苏力格安全员", "officer", "91150626MA0N3B7Q1R", None),
]


def _bureau(ctx: ServiceContext, spec: dict, parent: Tenant | None) -> Tenant:
    found = ctx.session.scalar(select(Tenant).where(Tenant.region_code == spec["region_code"],
                                                    Tenant.kind == "bureau"))
    if found:
        return found
    data = {k: spec[k] for k in ("name", "region_code", "short_name")}
    if parent is None:
        return tenants.create_bureau(ctx, data, root=True)
    return tenants.create_bureau(ctx, {**data, "parent_id": parent.id})


def _section(ctx: ServiceContext, bureau: Tenant, name: str, duties: str) -> Section:
    found = ctx.session.scalar(select(Section).where(Section.tenant_id == bureau.id, Section.name == name))
    return found or tenants.create_section(ctx, {"name": name, "duties": duties}, bureau_id=bureau.id)


def _renamed(ctx: ServiceContext, county: Tenant, name: str, uscc: str) -> Tenant | None:
    """A demo enterprise loaded before its USCC was corrected (the embedded organisation code's
    check digit): give it the corrected code and the facts added since, so running the demo
    again finds it instead of adding a second one."""
    ent = ctx.session.scalar(select(Tenant).where(Tenant.parent_id == county.id, Tenant.name == name,
                                                  Tenant.kind == "enterprise"))
    if ent is None:
        return None
    legal, postal, fax, size, quantity = FACTS[uscc]
    old = ent.uscc
    ent.uscc, ent.legal_representative, ent.postal_code = uscc, ent.legal_representative or legal, ent.postal_code or postal
    ent.fax, ent.size_class, ent.hazchem_quantity = ent.fax or fax, ent.size_class or size, ent.hazchem_quantity or quantity
    ctx.session.flush()
    audit.record(ctx, "tenant.update", "tenant", ent.id, f"演示数据：更正企业“{name}”的统一社会信用代码 {old} → {uscc}",
                 payload={"uscc": [old, uscc]}, tenant_id=ent.id)
    return ent


BUILTIN_PLUGINS = ("hazchem_warning_month", "leadership_reporting", "emergency_system_check", "major_hazard_criteria")


def load_demo(ctx: ServiceContext, enable_builtins: bool = True) -> dict[str, int]:
    """Create what is missing; returns how many of each kind now exist in the demo set. The
    built-in plugins (those the app loaded) are enabled for the whole city."""
    city = _bureau(ctx, CITY, None)
    counties, sections = {}, {}
    for spec in COUNTIES:
        county = _bureau(ctx, spec, city)
        counties[spec["region_code"]] = county
        for name, duties in spec["sections"]:
            sections[name] = _section(ctx, county, name, duties)
    by_key = {"150600": city, **counties}
    for region, name, uscc, industry, address, principal, phone in ENTERPRISES:
        ent = ctx.session.scalar(select(Tenant).where(Tenant.uscc == uscc)) or _renamed(ctx, counties[region], name,
                                                                                         uscc)
        if ent is None:
            supervising = next(s for s in sections.values() if s.tenant_id == counties[region].id)
            legal, postal, fax, size, quantity = FACTS[uscc]
            ent = tenants.create_enterprise(ctx, {
                "parent_id": counties[region].id, "name": name, "uscc": uscc, "industry": industry,
                "region_code": region, "address": address, "principal": principal, "phone": phone,
                "section_id": supervising.id, "legal_representative": legal, "postal_code": postal,
                **({"fax": fax} if fax else {}), "size_class": size, "hazchem_quantity": quantity,
                "headcount": HEADCOUNTS[uscc]})
        by_key[uscc] = ent
    for username, display, role, key, section in USERS:
        if ctx.session.scalar(select(User.id).where(User.username == username)):
            continue
        auth.create_user(ctx, {"username": username, "display_name": display, "password": DEMO_PASSWORD,
                               "role": role, "tenant_id": by_key[key].id,
                               "section_id": sections[section].id if section else None})
    ctx.session.flush()
    if enable_builtins:
        _enable_builtins(ctx, city)
    ensure_seeded(ctx)
    return {"bureaus": 1 + len(counties), "enterprises": len(ENTERPRISES), "users": len(USERS)}


def _enable_builtins(ctx: ServiceContext, city: Tenant) -> None:
    registry = ctx.house.plugins
    decided = set(ctx.session.scalars(select(PluginSetting.plugin).where(PluginSetting.tenant_id == city.id)))
    for name in BUILTIN_PLUGINS:
        record = registry.get(name)
        if name not in decided and record is not None and record.loaded:
            plugins.set_enabled(ctx, name, True, city.id)
