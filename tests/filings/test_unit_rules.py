"""Which units the articles cover, as tables of cases read from the text of
《生产安全事故应急预案管理办法》 (2019): 第二十一条 (评审), 第三十三条第二款 (half-yearly drills
reported to the bureau), 第三十五条 (evaluation every three years), 第十五条 (a single, low
risk: the on-site plan alone)."""
from __future__ import annotations

from datetime import date

import pytest

from core.filings import rules
from core.filings.rules import UnitFacts as U

# (facts, 第二十一条 review, 第三十三条第二款 key unit, 第三十五条 every three years)
CASES = [
    # 易燃易爆物品、危险化学品：生产、经营（带储存设施）、储存、运输 — all three articles.
    (U("hazchem_production", "small"), True, True, True),
    (U("hazchem_operation", "micro"), True, True, True),
    (U("hazchem_storage", "small"), True, True, True),
    (U("hazchem_transport", "small"), True, True, True),
    # 经营 means 带储存设施 "下同" (第二十一条): a trader without storage falls under none of them…
    (U("hazchem_trading", "small"), False, False, False),
    (U("hazchem_trading", "medium"), True, False, True),   # …but by its size (中型规模以上)
    # 使用危险化学品: reviewed and evaluated only at the national quantities; never a 第三十三条 unit.
    (U("hazchem_use", "small"), False, False, False),
    (U("hazchem_use", "small", hazchem_quantity=True), True, False, True),
    # 矿山、金属冶炼.
    (U("coal_mine", "small"), True, True, True),
    (U("non_coal_mine", "micro"), True, True, True),
    (U("metallurgy", "small"), True, True, True),
    # 烟花爆竹：生产、批发 named in 第二十一、三十五条 (a wholesaler keeps a warehouse: 经营 with
    # storage for 第三十三条 too); a retailer has no storage facility.
    (U("fireworks", "small"), True, True, True),
    (U("fireworks_wholesale", "small"), True, True, True),
    (U("fireworks_retail", "small"), False, False, False),
    # 建筑施工: 第三十三、三十五条, not 第二十一条; 城市轨道交通运营 and 人员密集场所: 第三十三条.
    (U("construction", "small"), False, True, True),
    (U("urban_rail", "small"), False, True, False),
    (U("crowded_place", "small"), False, True, False),
    # 中型规模以上的其他生产经营单位.
    (U("other", "medium"), True, False, True),
    (U("other", "large"), True, False, True),
    (U("other", "small"), False, False, False),
    (U("other", None), False, False, False),
]


@pytest.mark.parametrize("facts, review, key, every_3", CASES)
def test_units_the_articles_name(facts, review, key, every_3):
    assert rules.review_required(facts) is review
    assert rules.key_drill_unit(facts) is key
    assert rules.evaluates_every_3_years(facts) is every_3
    assert rules.required_materials(facts)["review_opinion"] is review
    assert (rules.evaluation_due(date(2026, 3, 2), facts) == date(2029, 3, 2)) is every_3


def test_a_bureau_may_require_more_never_less():
    small = U("other", "small")
    assert not rules.required_materials(small)["review_opinion"]            # may file 论证意见 instead
    assert rules.required_materials(small, {"review_opinion": True})["review_opinion"]
    # A 第二十一条 unit by its facts (a medium-sized "other") keeps the review, whatever the bureau says.
    assert rules.required_materials(U("other", "medium"), {"review_opinion": False})["review_opinion"]
    assert rules.evaluation_due(date(2026, 3, 2), U("other", "medium"), years=5) == date(2029, 3, 2)
    assert rules.evaluation_due(date(2026, 3, 2), U("other", "medium"), years=2) == date(2028, 3, 2)
    assert rules.evaluation_due(date(2026, 3, 2), small, years=5) == date(2031, 3, 2)


def test_single_low_risk_files_its_on_site_plan_alone():
    normal = rules.required_materials(U("other", "small"))
    single = rules.required_materials(U("other", "small", single_low_risk=True))
    assert normal["comprehensive_plan"] and not single["comprehensive_plan"]
    assert single["onsite_plans"]
    # The on-site plan is then the statutory core: no bureau setting relaxes it.
    assert rules.required_materials(U("other", "small", single_low_risk=True), {"onsite_plans": False})["onsite_plans"]
    assert not rules.required_materials(U("other", "small"), {"onsite_plans": False})["onsite_plans"]


def test_key_units_drill_every_half_year_even_without_on_site_plans():
    today = date(2026, 10, 1)
    plain = rules.drill_obligations(today, last_comprehensive_or_special=date(2026, 1, 10), onsite_last={},
                                    since=date(2025, 12, 1))
    assert [o.kind for o in plain] == ["comprehensive_or_special"]
    key = rules.drill_obligations(today, last_comprehensive_or_special=date(2026, 1, 10), onsite_last={},
                                  since=date(2025, 12, 1), key_unit=True, last_any=date(2026, 1, 10))
    assert [(o.kind, o.due, o.overdue) for o in key] == [("comprehensive_or_special", date(2027, 1, 10), False),
                                                         ("any_half_year", date(2026, 7, 10), True)]
    # With on-site plans, their half-yearly drills already meet the key unit's obligation.
    both = rules.drill_obligations(today, last_comprehensive_or_special=None, onsite_last={"储罐泄漏": None},
                                   since=date(2026, 6, 1), key_unit=True)
    assert [o.kind for o in both] == ["comprehensive_or_special", "onsite"]


def test_the_bureau_marks_a_single_low_risk_enterprise(ctx_for, as_user, api, db, store):
    from core.audit.models import AuditEvent
    from core.errors import PermissionDenied, ValidationFailed
    from core.filings.review import service
    from tenants import service as tenants
    from tenants.models import Tenant
    from tests.filings.conftest import ENT2_USCC, tenant_id

    ent2 = tenant_id(db, ENT2_USCC)
    version = db.get(Tenant, ent2).version
    with pytest.raises(PermissionDenied):
        tenants.set_single_low_risk(ctx_for("ent2_officer"), ent2, True, "自认", version)
    with pytest.raises(ValidationFailed) as e:
        tenants.set_single_low_risk(ctx_for("wsq_reviewer"), ent2, True, " ", version)
    assert e.value.errors == {"reason": ["请填写认定（或撤销认定）的理由"]}
    admin = as_user("wsq_admin")
    page = admin.get(f"/tenants/{ent2}").text
    assert 'data-testid="single-low-risk-form"' in page and 'data-testid="enterprise-file"' in page
    r = admin.post(f"/tenants/{ent2}/single-low-risk", data={"csrf_token": admin.csrf, "single": "1",
                                                              "version": str(version), "reason": "仅有一座小型储罐，风险单一"})
    assert r.status_code == 302, r.text
    db.expire_all()
    assert db.get(Tenant, ent2).single_low_risk
    assert db.query(AuditEvent).filter(AuditEvent.action == "tenant.single_low_risk").count() == 1
    # Its filing no longer needs the comprehensive plan.
    officer = ctx_for("ent2_officer")
    filing = service.create_filing(officer, {"title": "苏力格现场处置方案", "published_on": "2026-03-02"})
    required = {m.key: m.required for m in service.completeness(officer, filing)}
    assert not required["comprehensive_plan"] and required["onsite_plans"]
    officer.session.commit()
    # The API withdraws the finding; an enterprise's own page shows the finding but offers no form.
    r = api("wsq_reviewer").post(f"/api/v1/tenants/{ent2}/single-low-risk",
                                 json={"single": False, "reason": "新增液氨罐区", "version": db.get(Tenant, ent2).version})
    assert r.status_code == 200 and r.json["single_low_risk"] is False
    assert api("yjhl_reviewer").post(f"/api/v1/tenants/{ent2}/single-low-risk",
                                     json={"single": True, "reason": "x", "version": 1}).status_code == 404
    assert 'data-testid="single-low-risk-form"' not in as_user("ent2_officer").get(f"/tenants/{ent2}").text


def test_an_enterprise_cannot_relax_its_own_duties(ctx_for, db):
    """Industry, size class and hazardous-chemical quantities decide its duties: the bureau records them."""
    from tenants import service as tenants
    from tenants.models import Tenant
    from tests.filings.conftest import tenant_id
    ent1 = db.get(Tenant, tenant_id(db))
    data = {f: getattr(ent1, f) for f in tenants.TENANT_FIELDS if getattr(ent1, f) is not None}
    officer = ctx_for("ent1_officer")
    tenants.update_enterprise(officer, ent1.id, {**data, "industry": "other", "size_class": "micro",
                                                 "postal_code": "017399", "version": ent1.version})
    officer.session.commit()
    db.expire_all()
    ent1 = db.get(Tenant, ent1.id)
    assert (ent1.industry, ent1.size_class, ent1.postal_code) == ("hazchem_production", "large", "017399")
