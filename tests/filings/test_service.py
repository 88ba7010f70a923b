"""The filing workflow through its services: the whole journey, refusals that store
nothing, isolation between counties, and the settings a bureau controls."""
from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from core.files.models import StoredFile
from core.filings.models import Filing, FilingMaterial, FilingReturn
from core.filings.review import service
from tests.files import samples
from tests.filings.conftest import REQUIRED, complete_draft, draft, submitted, upload


def count(db, model) -> int:  # noqa: ANN001
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def test_full_journey(ctx_for, db, store):
    officer = ctx_for("ent1_officer")
    filing = draft(officer, published_on=date(2026, 3, 2))
    assert filing.status == "draft" and filing.bureau.name == "乌审旗应急管理局"
    status = {m.key: m for m in service.completeness(officer, filing)}
    assert status["review_opinion"].required and not status["disposal_cards"].required
    for material in REQUIRED:
        upload(officer, store, filing, material)
    upload(officer, store, filing, "special_plans", "危险化学品泄漏专项应急预案")
    assert service.missing_materials(officer, filing) == []
    officer.session.commit()

    # Submitted Mon 2026-03-23: within 20 working days of publication, review due 5 working days later.
    service.transition(officer, filing.id, "submit", filing.version, today=date(2026, 3, 23))
    officer.session.commit()
    assert (filing.status, filing.received_on, filing.review_due, filing.late, filing.version) == \
        ("submitted", date(2026, 3, 23), date(2026, 3, 30), False, 2)  # one version step per transition

    reviewer = ctx_for("wsq_reviewer")
    seen = service.get_filing(reviewer, filing.id)
    assert [a.name for a in service.actions(reviewer, seen)] == ["return", "accept"]
    items = [{"material": "review_opinion", "note": "评审意见缺专家签字"},
             {"material": "resource_survey", "note": "应急资源调查清单未列明物资存放地点"}]
    service.transition(reviewer, filing.id, "return", seen.version, comment="请补正后重新提交", items=items,
                       today=date(2026, 3, 25))
    reviewer.session.commit()
    returns = service.returns_of(officer, filing)
    assert [(r.round, r.items, r.comment) for r in returns] == [(1, items, "请补正后重新提交")]

    officer.session.expire_all()
    filing = service.get_filing(officer, filing.id)
    assert filing.status == "returned"
    upload(officer, store, filing, "review_opinion", "补正后的评审意见")
    officer.session.commit()
    with pytest.raises(Conflict) as e:  # the other returned material is not corrected yet
        service.transition(officer, filing.id, "resubmit", filing.version, today=date(2026, 3, 27))
    assert e.value.message == "以下退回补正的材料尚未修改，不能重新提交：应急资源调查清单（请上传补正后的文件）"
    officer.session.rollback()
    filing = service.get_filing(officer, filing.id)
    upload(officer, store, filing, "resource_survey", "补正后的资源调查清单")
    officer.session.commit()
    service.transition(officer, filing.id, "resubmit", filing.version, today=date(2026, 3, 27))
    officer.session.commit()
    # The clock restarts: Fri 27 March + 5 working days.
    assert (filing.status, filing.received_on, filing.review_due) == ("submitted", date(2026, 3, 27),
                                                                      date(2026, 4, 3))

    reviewer.session.expire_all()
    seen = service.get_filing(reviewer, filing.id)
    service.transition(reviewer, filing.id, "accept", seen.version, today=date(2026, 3, 31))
    reviewer.session.commit()
    assert seen.status == "accepted" and seen.filing_no == "乌应急备〔2026〕第001号"
    assert (seen.filing_year, seen.filing_seq, seen.accepted_on) == (2026, 1, date(2026, 3, 31))
    assert seen.evaluation_due == date(2029, 3, 2)  # hazchem: every 3 years from publication
    assert service.actions(reviewer, seen) == []

    actions = db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "filing")
                         .order_by(AuditEvent.id)).all()
    assert actions == ["filing.create"] + ["filing.material.add"] * 7 + [
        "filing.submit", "filing.return", "filing.material.add", "filing.material.add", "filing.resubmit",
        "filing.accept"]


def test_late_first_submission_is_flagged(ctx_for, store):
    officer = ctx_for("ent1_officer")
    filing = complete_draft(officer, store, published_on=date(2026, 3, 2))
    # 20 working days after Mon 2 March 2026 is Mon 30 March.
    service.transition(officer, filing.id, "submit", filing.version, today=date(2026, 3, 31))
    assert filing.late


def test_submit_with_required_materials_missing_changes_nothing(ctx_for, db, store):
    officer = ctx_for("ent1_officer")
    filing = draft(officer)
    upload(officer, store, filing, "application_form")
    officer.session.commit()
    events = count(db, AuditEvent)
    with pytest.raises(Conflict) as e:
        service.transition(officer, filing.id, "submit", filing.version)
    assert "综合应急预案" in e.value.message and "应急预案评审或论证意见" in e.value.message
    assert "应急预案备案申报表" not in e.value.message
    officer.session.rollback()
    assert count(db, AuditEvent) == events
    row = db.get(Filing, filing.id)
    assert (row.status, row.received_on, row.version) == ("draft", None, 1)


def test_return_requires_items_from_the_checklist(ctx_for, db, store):
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    reviewer = ctx_for("wsq_reviewer")
    filing = service.get_filing(reviewer, fid)
    on = date(2026, 3, 24)
    for items in (None, []):
        with pytest.raises(ValidationFailed) as e:
            service.transition(reviewer, fid, "return", filing.version, comment="材料不全", items=items, today=on)
        assert e.value.message == "退回时须至少列出一项需补正的材料（一次性告知）"
    with pytest.raises(ValidationFailed) as e:
        service.transition(reviewer, fid, "return", filing.version, items=[{"material": "photos", "note": "x"}],
                           today=on)
    assert e.value.errors == {"items.1": ["第1项：材料类别不在可选范围内"]}
    # Every item says what is wrong (第二十八条): a blank note is refused, naming the material.
    with pytest.raises(ValidationFailed) as e:
        service.transition(reviewer, fid, "return", filing.version, today=on,
                           items=[{"material": "risk_assessment", "note": "缺少辨识清单"},
                                  {"material": "review_opinion", "note": "  "}])
    assert e.value.errors == {"items.review_opinion": ["“应急预案评审或论证意见”：请填写问题说明（说明需要如何补正）"]}
    reviewer.session.rollback()
    assert count(db, FilingReturn) == 0 and db.get(Filing, fid).status == "submitted"


def test_wrong_file_type_stores_nothing(app, ctx_for, db, store):
    officer = ctx_for("ent1_officer")
    filing = draft(officer)
    officer.session.commit()
    files, materials = count(db, StoredFile), count(db, FilingMaterial)
    with pytest.raises(ValidationFailed):
        service.add_material(officer, filing.id, "comprehensive_plan", io.BytesIO(samples.EXE), "预案.pdf")
    with pytest.raises(ValidationFailed) as e:
        service.add_material(officer, filing.id, "photos", io.BytesIO(samples.pdf()), "预案.pdf")
    assert e.value.errors == {"material": ["材料类别不在可选范围内"]}
    officer.session.rollback()
    assert (count(db, StoredFile), count(db, FilingMaterial)) == (files, materials)
    assert not [p for p in samples.stored_files(app) if "tmp" not in p.parts]


def test_materials_only_change_while_draft_or_returned(ctx_for, store):
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    officer = ctx_for("ent1_officer")
    filing = service.get_filing(officer, fid)
    with pytest.raises(Conflict):
        upload(officer, store, filing, "disposal_cards")
    material = service.materials_of(officer, filing)[0]
    with pytest.raises(Conflict):
        service.remove_material(officer, fid, material.id)


def test_remove_material_makes_it_missing_again(ctx_for, store):
    officer = ctx_for("ent1_officer")
    filing = complete_draft(officer, store)
    plan = next(m for m in service.materials_of(officer, filing) if m.material == "comprehensive_plan")
    service.remove_material(officer, filing.id, plan.id)
    assert service.missing_materials(officer, filing) == ["comprehensive_plan"]


def test_other_county_cannot_see_or_act(ctx_for, store):
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    other = ctx_for("yjhl_reviewer")
    with pytest.raises(NotFound):
        service.get_filing(other, fid)
    with pytest.raises(NotFound):
        service.transition(other, fid, "accept", 2)
    assert service.list_filings(other) == []
    with pytest.raises(NotFound):
        service.get_filing(ctx_for("ent2_officer"), fid)   # a sibling enterprise
    assert [f.id for f in service.list_filings(ctx_for("city_admin"))] == [fid]  # the parent sees it


def test_roles_and_sides(ctx_for, store):
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    officer = ctx_for("ent1_officer")
    filing = service.get_filing(officer, fid)
    on = date(2026, 3, 24)
    with pytest.raises(PermissionDenied):
        service.transition(officer, fid, "accept", filing.version, today=on)
    with pytest.raises(PermissionDenied):
        service.create_filing(ctx_for("wsq_reviewer"), {"title": "x", "published_on": "2026-03-02"})
    with pytest.raises(ValidationFailed) as e:
        service.create_filing(officer, {"title": "", "published_on": "2026-13-01"})
    assert set(e.value.errors) == {"title", "published_on"}
    with pytest.raises(Conflict):
        service.transition(officer, fid, "submit", filing.version, today=on)       # already submitted
    with pytest.raises(Conflict):
        service.transition(officer, fid, "withdraw", filing.version - 1, today=on)  # stale
    service.transition(officer, fid, "withdraw", filing.version, today=on)
    assert filing.status == "withdrawn"


def test_inbox_sorted_by_review_deadline_and_overdue_filter(ctx_for, store):
    early = submitted(ctx_for, store, date(2026, 3, 2), title="甲")   # due 9 March
    later = submitted(ctx_for, store, date(2026, 3, 23), title="乙")  # due 30 March
    officer = ctx_for("ent1_officer")
    plain = draft(officer, title="丙")
    officer.session.commit()
    reviewer = ctx_for("wsq_reviewer")
    assert [f.id for f in service.list_filings(reviewer, today=date(2026, 3, 5))] == [early, later, plain.id]
    assert service.list_filings(reviewer, overdue=True, today=date(2026, 3, 5)) == []
    # By 20 March the first limit has passed: reading the list deems that filing first (第二十八条),
    # so nothing is "awaiting review past its limit" on a calendar that is known.
    today = date(2026, 3, 20)
    assert service.list_filings(reviewer, overdue=True, today=today) == []
    assert [f.id for f in service.list_filings(reviewer, overdue=False, today=today)] == [later, early, plain.id]
    assert [(f.id, f.status, f.deemed_on) for f in service.list_filings(reviewer, status="deemed", today=today)] \
        == [(early, "deemed", date(2026, 3, 10))]
    assert [f.id for f in service.list_filings(reviewer, status="draft", today=today)] == [plain.id]
    assert [f.id for f in service.list_filings(officer, today=today)] == [plain.id, later, early]
    with pytest.raises(ValidationFailed):
        service.list_filings(reviewer, status="nonsense")


def test_bureau_settings_shape_numbers_and_requirements(ctx_for, store):
    admin = ctx_for("wsq_admin")
    with pytest.raises(ValidationFailed):
        service.update_settings(admin, {"number_format": "{bogus}"})
    service.update_settings(admin, {"number_format": "{short}预备〔{year}〕{seq}号",
                                    "material_overrides": {"*": {"disposal_cards": True}}})
    admin.session.commit()
    officer = ctx_for("ent1_officer")
    filing = complete_draft(officer, store)
    assert service.missing_materials(officer, filing) == ["disposal_cards"]
    upload(officer, store, filing, "disposal_cards")
    service.transition(officer, filing.id, "submit", filing.version, today=date(2026, 3, 23))
    officer.session.commit()
    reviewer = ctx_for("wsq_reviewer")
    seen = service.get_filing(reviewer, filing.id)
    service.transition(reviewer, filing.id, "accept", seen.version, today=date(2026, 3, 24))
    assert seen.filing_no == "乌应急预备〔2026〕1号"
    with pytest.raises(PermissionDenied):
        service.update_settings(reviewer, {"number_format": "{seq}"})
