"""After filing: evaluations (第三十五条), revision triggers and re-filing as a new version
(第三十六、三十七条), drills and their obligations (第三十三条), and the reminder sweep."""
from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.errors import Conflict, PermissionDenied, ValidationFailed
from core.filings.aftercare import service as aftercare
from core.filings.models import (
    Drill,
    Filing,
    FilingEvaluation,
    FilingMaterial,
    RevisionTrigger,
)
from core.filings.review import service
from tests.files import samples
from tests.filings.conftest import ONSITE, accepted, filed_plan, inbox

# What the reviewer heard when the plan was first submitted.
SUBMITTED = "新的预案备案待审查：乌审旗宏达甲醇有限责任公司"

def report(name: str = "报告") -> tuple[io.BytesIO, str]:
    return io.BytesIO(samples.pdf(name)), f"{name}.pdf"


def evaluate(ctx, store, fid: int, today: date, **data):  # noqa: ANN001, ANN201
    stream, filename = report("评估报告")
    row = aftercare.record_evaluation(ctx, fid, {"evaluated_on": today.isoformat(), "conclusion": "keep",
                                                        "summary": "经评估，预案内容仍然适用。", **data},
                                      stream, filename, today=today)
    ctx.session.commit()
    return row


def drill(ctx, store, today: date, **data) -> Drill:  # noqa: ANN001
    stream, filename = report("演练评估报告")
    row = aftercare.record_drill(ctx, {"kind": "comprehensive", "held_on": today.isoformat(),
                                              "scenario": "甲醇罐区火灾", "participants": 45, **data},
                                 stream, filename, today=today)
    ctx.session.commit()
    return row


@pytest.fixture
def filed(ctx_for, store) -> int:  # noqa: ANN001
    return filed_plan(ctx_for, store)


def test_evaluation_moves_the_next_due_date(ctx_for, db, store, filed):
    officer = ctx_for("ent1_officer")
    assert service.get_filing(officer, filed).evaluation_due == date(2029, 3, 2)
    with pytest.raises(ValidationFailed) as e:
        evaluate(officer, store, filed, date(2026, 6, 1), conclusion="maybe")
    assert e.value.errors == {"conclusion": ["评估结论应为“预案仍然适用”或“需要修订预案”"]}
    officer.session.rollback()
    with pytest.raises(ValidationFailed) as e:
        evaluate(officer, store, filed, date(2026, 6, 1), evaluated_on="2026-02-01")
    assert "不能早于预案公布日期 2026-03-02" in e.value.errors["evaluated_on"][0]
    officer.session.rollback()
    with pytest.raises(ValidationFailed):  # not a document: nothing stored
        aftercare.record_evaluation(officer, filed, {"evaluated_on": "2026-06-01", "conclusion": "keep",
                                                            "summary": "x"}, io.BytesIO(b"MZ\x90\x00"), "a.exe",
                                    today=date(2026, 6, 1))
    officer.session.rollback()
    assert db.scalar(select(func.count(FilingEvaluation.id))) == 0

    row = evaluate(officer, store, filed, date(2026, 6, 1))
    assert row.conclusion_label == "预案仍然适用，无需修订"
    db.expire_all()
    assert db.get(Filing, filed).evaluation_due == date(2029, 6, 1)
    assert not db.get(Filing, filed).revision_needed
    assert db.scalar(select(AuditEvent.summary).where(AuditEvent.action == "filing.evaluation")) == \
        "预案“乌审旗宏达甲醇有限责任公司生产安全事故应急预案”登记评估（2026-06-01）：预案仍然适用，无需修订"

    with pytest.raises(PermissionDenied):
        evaluate(ctx_for("wsq_reviewer"), store, filed, date(2026, 6, 2))


def test_evaluation_concluding_revise_records_the_trigger(ctx_for, db, store, filed):
    officer = ctx_for("ent1_officer")
    with pytest.raises(ValidationFailed) as e:
        evaluate(officer, store, filed, date(2026, 6, 1), conclusion="revise")
    assert e.value.errors == {"trigger": ["评估结论为需要修订时，须选择修订情形"]}
    officer.session.rollback()
    evaluate(officer, store, filed, date(2026, 6, 1), conclusion="revise", trigger="risk_changed",
             changes=["measures"])
    trigger = db.scalar(select(RevisionTrigger))
    assert (trigger.trigger, trigger.requires_refiling, trigger.changes) == ("risk_changed", True, ["measures"])
    assert db.get(Filing, filed).revision_needed


def test_bureau_sets_the_evaluation_cycle_per_industry(ctx_for, db, store):
    admin = ctx_for("wsq_admin")
    with pytest.raises(ValidationFailed):
        service.update_settings(admin, {"evaluation_years": {"hazchem_production": 0}})
    service.update_settings(admin, {"evaluation_years": {"hazchem_production": 2}})
    admin.session.commit()
    fid = accepted(ctx_for, store, date(2026, 3, 23))
    assert db.get(Filing, fid).evaluation_due == date(2028, 3, 2)


def test_minor_revision_is_settled_in_place(ctx_for, db, store, filed):
    officer = ctx_for("ent1_officer")
    with pytest.raises(ValidationFailed) as e:
        aftercare.record_trigger(officer, filed, {"trigger": "bogus", "occurred_on": "2026-05-01",
                                                  "description": "x"})
    assert e.value.errors == {"trigger": ["修订情形不在第三十六条所列范围内"]}
    row = aftercare.record_trigger(officer, filed, {"trigger": "resources_changed", "occurred_on": "2026-05-01",
                                                    "description": "新增一台消防车"}, today=date(2026, 5, 2))
    officer.session.commit()
    assert not row.requires_refiling
    assert db.get(Filing, filed).revision_needed
    assert inbox(db, "wsq_reviewer") == [SUBMITTED]  # nothing to re-file

    with pytest.raises(ValidationFailed):
        aftercare.settle_trigger(officer, row.id, " ")
    officer.session.rollback()
    aftercare.settle_trigger(officer, row.id, "已更新应急资源调查清单", today=date(2026, 5, 10))
    officer.session.commit()
    db.expire_all()
    assert not db.get(Filing, filed).revision_needed
    assert db.get(RevisionTrigger, row.id).resolution == "revised"
    with pytest.raises(Conflict):
        aftercare.settle_trigger(ctx_for("ent1_officer"), row.id, "again")
    # Another county cannot see it.
    from core.errors import NotFound
    with pytest.raises(NotFound):
        aftercare.settle_trigger(ctx_for("ent2_officer"), row.id, "x")


def test_refiling_supersedes_the_old_version(ctx_for, db, store, filed):
    officer = ctx_for("ent1_officer")
    row = aftercare.record_trigger(officer, filed, {"trigger": "command_changed", "occurred_on": "2026-07-01",
                                                    "description": "应急指挥部总指挥调整",
                                                    "changes": ["command_system"]}, today=date(2026, 7, 2))
    officer.session.commit()
    assert row.requires_refiling
    assert inbox(db, "wsq_reviewer") == [SUBMITTED, "乌审旗宏达甲醇有限责任公司的应急预案须修订并重新备案"]
    with pytest.raises(Conflict) as e:
        aftercare.settle_trigger(officer, row.id, "改了")
    assert "须重新备案" in e.value.message
    officer.session.rollback()

    new = aftercare.start_revision(officer, filed, {"published_on": "2026-07-10"})
    officer.session.commit()
    assert new.supersedes_id == filed and new.status == "draft"
    assert db.scalar(select(func.count(FilingMaterial.id)).where(FilingMaterial.filing_id == new.id)) == 7
    assert service.missing_materials(officer, new) == []
    with pytest.raises(Conflict):
        aftercare.start_revision(officer, filed, {"published_on": "2026-07-11"})
    officer.session.rollback()

    service.transition(officer, new.id, "submit", new.version, today=date(2026, 7, 13))
    officer.session.commit()
    assert db.get(Filing, filed).status == "accepted"  # in force until the new version is filed
    reviewer = ctx_for("wsq_reviewer")
    seen = service.get_filing(reviewer, new.id)
    service.transition(reviewer, new.id, "accept", seen.version, today=date(2026, 7, 14))
    reviewer.session.commit()
    db.expire_all()
    old, new = db.get(Filing, filed), db.get(Filing, new.id)
    assert (old.status, old.superseded_on, old.revision_needed) == ("superseded", date(2026, 7, 14), False)
    assert (new.status, new.filing_no, new.evaluation_due) == ("accepted", "乌应急备〔2026〕第002号", date(2029, 7, 10))
    settled = db.get(RevisionTrigger, row.id)
    assert (settled.resolution, settled.resolved_filing_id) == ("refiled", new.id)
    assert aftercare.filing_in_force(ctx_for("ent1_officer"), new.tenant_id).id == new.id
    assert [f.id for f in aftercare.versions_of(ctx_for("wsq_reviewer"), old)] == [filed, new.id]
    assert db.scalar(select(AuditEvent.summary).where(AuditEvent.action == "filing.supersede")) == (
        "预案备案“乌审旗宏达甲醇有限责任公司生产安全事故应急预案”（乌应急备〔2026〕第001号）"
        "被重新备案的新版本（乌应急备〔2026〕第002号）替代")
    # A superseded filing takes no more records.
    with pytest.raises(Conflict):
        evaluate(ctx_for("ent1_officer"), store, filed, date(2026, 8, 1))
    # Supersession is never a client action.
    with pytest.raises(ValidationFailed):
        service.transition(ctx_for("wsq_reviewer"), new.id, "supersede", new.version)


def test_revision_deemed_filed_also_supersedes(ctx_for, db, store, filed):
    officer = ctx_for("ent1_officer")
    new = aftercare.start_revision(officer, filed, {"published_on": "2026-07-10"})
    officer.session.commit()
    service.transition(officer, new.id, "submit", new.version, today=date(2026, 7, 13))
    officer.session.commit()
    system = ctx_for()
    service.sweep_deadlines(system, today=date(2026, 7, 21))
    system.session.commit()
    db.expire_all()
    assert db.get(Filing, new.id).status == "deemed"
    assert db.get(Filing, filed).status == "superseded"


def test_drills_and_their_obligations(ctx_for, db, store, filed):
    officer = ctx_for("ent1_officer")
    filing = service.get_filing(officer, filed)
    # Accepted 2026-03-24: each on-site plan due by 24 September, a general drill by next March.
    status = aftercare.drill_status(officer, filing, date(2026, 9, 24))
    assert [(o.kind, o.due, o.overdue) for o in status.obligations] == [
        ("comprehensive_or_special", date(2027, 3, 24), False),
        ("onsite", date(2026, 9, 24), False), ("onsite", date(2026, 9, 24), False)]
    late = aftercare.drill_status(officer, filing, date(2026, 9, 25))
    assert [o.label for o in late.overdue] == [f"现场处置方案“{n}”演练（每半年至少一次）" for n in sorted(ONSITE)]

    with pytest.raises(ValidationFailed) as e:
        drill(officer, store, date(2026, 9, 1), kind="onsite", plan_name="罐区火灾现场处置方案")
    assert e.value.errors == {"plan_name": [f"现场处置方案应为本企业已备案的：{ONSITE[0]}、{ONSITE[1]}"]}
    officer.session.rollback()
    with pytest.raises(ValidationFailed) as e:
        drill(officer, store, date(2026, 9, 1), participants=0)
    assert e.value.errors == {"participants": ["参演人数应为正整数"]}
    officer.session.rollback()
    with pytest.raises(ValidationFailed):
        drill(officer, store, date(2026, 9, 1), held_on="2026-09-02")  # in the future
    officer.session.rollback()
    assert db.scalar(select(func.count(Drill.id))) == 0

    drill(officer, store, date(2026, 9, 1), kind="onsite", plan_name=ONSITE[0], scenario="储罐呼吸阀泄漏")
    drill(officer, store, date(2026, 9, 1), kind="special", plan_name="危险化学品泄漏专项应急预案")
    late = aftercare.drill_status(officer, filing, date(2026, 9, 25))
    assert [o.label for o in late.overdue] == [f"现场处置方案“{ONSITE[1]}”演练（每半年至少一次）"]
    assert late.obligations[0].due == date(2027, 9, 1)
    # 乌审旗宏达甲醇 is a hazardous-chemical producer (第三十三条第二款): its drills are reported to the county bureau.
    assert inbox(db, "wsq_reviewer") == [SUBMITTED] + ["乌审旗宏达甲醇有限责任公司报送应急演练情况"] * 2
    assert len(aftercare.list_drills(ctx_for("wsq_reviewer"))) == 2
    assert aftercare.list_drills(ctx_for("yjhl_reviewer")) == []
    assert aftercare.list_drills(ctx_for("ent2_officer")) == []
    # Both sides see the overdue obligation.
    for who in ("wsq_reviewer", "city_admin", "ent1_officer"):
        rows = aftercare.overdue_drills(ctx_for(who), date(2026, 9, 25))
        assert [(r.enterprise.name, len(r.overdue)) for r in rows] == [("乌审旗宏达甲醇有限责任公司", 1)], who
    assert aftercare.overdue_drills(ctx_for("yjhl_reviewer"), date(2026, 9, 25)) == []


def test_sweep_reminds_evaluations_and_overdue_drills_once(ctx_for, db, store, filed):
    def sweep(today: date) -> str:
        ctx = ctx_for()
        out = aftercare.sweep_aftercare(ctx, today=today)
        ctx.session.commit()
        return out

    with pytest.raises(PermissionDenied):
        aftercare.sweep_aftercare(ctx_for("wsq_admin"))
    # Drill obligations count from acceptance (2026-03-24); evaluate due 2029-03-02.
    officer = ctx_for("ent1_officer")
    for name in ONSITE:
        drill(officer, store, date(2026, 9, 1), kind="onsite", plan_name=name)
    drill(officer, store, date(2026, 9, 1))
    assert sweep(date(2026, 10, 1)) == "0 件预案评估提醒，0 项演练逾期提醒"
    assert sweep(date(2027, 3, 2)) == "0 件预案评估提醒，2 项演练逾期提醒"
    assert sweep(date(2027, 3, 3)) == "0 件预案评估提醒，0 项演练逾期提醒"
    assert sweep(date(2028, 12, 2)) == "1 件预案评估提醒，1 项演练逾期提醒"  # 90 days ahead; drills a year late
    assert sweep(date(2028, 12, 3)) == "0 件预案评估提醒，0 项演练逾期提醒"
    assert sweep(date(2029, 2, 5)) == "1 件预案评估提醒，0 项演练逾期提醒"  # within 30 days
    assert sweep(date(2029, 3, 2)) == "1 件预案评估提醒，0 项演练逾期提醒"   # due today: bureau told too
    assert sweep(date(2029, 3, 9)) == "0 件预案评估提醒，0 项演练逾期提醒"
    mine = [t for t in inbox(db, "ent1_officer") if "评估" in t]
    assert mine == ["应急预案评估将于 90 天后（2029-03-02）到期", "应急预案评估将于 25 天后（2029-03-02）到期",
                    "应急预案评估今天到期"]
    assert [t for t in inbox(db, "wsq_reviewer") if "评估" in t] == ["乌审旗宏达甲醇有限责任公司：应急预案评估今天到期"]
    assert inbox(db, "yjhl_reviewer") == []


def test_two_revisions_at_once_one_wins(ctx_for, db, store, filed):
    first, second = ctx_for("ent1_officer"), ctx_for("ent1_officer")
    service.get_filing(second, filed)  # both saw the same version
    aftercare.start_revision(first, filed, {"published_on": "2026-07-10"})
    first.session.commit()
    with pytest.raises(Conflict):
        aftercare.start_revision(second, filed, {"published_on": "2026-07-11"})
    second.session.rollback()
    assert db.scalar(select(func.count(Filing.id)).where(Filing.supersedes_id == filed)) == 1


def test_older_evaluation_entered_late_keeps_the_due_date(ctx_for, db, store, filed):
    officer = ctx_for("ent1_officer")
    evaluate(officer, store, filed, date(2026, 10, 1))
    evaluate(officer, store, filed, date(2026, 10, 2), evaluated_on="2026-04-01")
    db.expire_all()
    assert db.get(Filing, filed).evaluation_due == date(2029, 10, 1)


def test_dates_are_strict(ctx_for, store, filed):
    officer = ctx_for("ent1_officer")
    # A malformed date, a day that does not exist and a blank one each say what is wrong.
    for bad, message in (("20260501", "发生日期格式应为 YYYY-MM-DD（如 2026-03-02）"), ("2026-02-30", "2026-02-30 不是有效日期"),
                         ("", "发生日期为必填项"), ("0001-01-01", "发生日期不能早于 2002-01-01")):
        with pytest.raises(ValidationFailed) as e:
            aftercare.record_trigger(officer, filed, {"trigger": "other", "occurred_on": bad, "description": "x"})
        assert e.value.errors == {"occurred_on": [message]}


def test_revise_evaluation_checks_the_trigger_before_storing(ctx_for, db, store, filed):
    officer = ctx_for("ent1_officer")
    with pytest.raises(ValidationFailed) as e:
        evaluate(officer, store, filed, date(2026, 6, 1), conclusion="revise", trigger="other", changes=["bogus"])
    assert e.value.errors == {"changes": ["修订涉及的内容不在可选范围内"]}
    officer.session.rollback()
    with pytest.raises(ValidationFailed) as e:
        evaluate(officer, store, filed, date(2026, 6, 1), conclusion="revise", trigger="other", summary="很" * 1995)
    assert list(e.value.errors) == ["summary"]
    officer.session.rollback()
    assert db.scalar(select(func.count(FilingEvaluation.id))) == 0
