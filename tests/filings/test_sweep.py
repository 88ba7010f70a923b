"""The deadline sweep (第二十八条): reminders on the 4th working day, deemed filed
(逾期视为备案) after the 5th, each notice once however often the sweep runs."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from core.audit.models import AuditEvent
from core.errors import PermissionDenied
from core.filings.models import Filing
from core.filings.review import service
from core.jobs.cli import sweep
from core.notifications.models import Notification
from tests.filings.conftest import inbox, submitted, upload


def run(ctx_for, today: date) -> str:  # noqa: ANN001
    ctx = ctx_for()
    summary = service.sweep_deadlines(ctx, today=today)
    ctx.session.commit()
    return summary


def test_reminder_then_deemed_filed_once(ctx_for, db, store):
    # Received Mon 2026-03-23: reminder from Fri 27 March, limit Mon 30 March.
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    submitted_notice = "新的预案备案待审查：乌审旗宏达甲醇有限责任公司"
    assert run(ctx_for, date(2026, 3, 26)) == "0 件备案逾期视为备案，0 件备案提醒审查"
    assert inbox(db, "wsq_reviewer") == [submitted_notice]

    assert run(ctx_for, date(2026, 3, 27)) == "0 件备案逾期视为备案，1 件备案提醒审查"
    assert run(ctx_for, date(2026, 3, 30)) == "0 件备案逾期视为备案，0 件备案提醒审查"  # already reminded
    reminder = "预案备案审查即将到期：乌审旗宏达甲醇有限责任公司"
    assert inbox(db, "wsq_reviewer") == [submitted_notice, reminder] and inbox(db, "wsq_admin") == [reminder]
    assert inbox(db, "ent1_officer") == [] and inbox(db, "yjhl_reviewer") == []
    assert db.get(Filing, fid).status == "submitted"  # the last day of the limit is still in time

    assert run(ctx_for, date(2026, 3, 31)) == "1 件备案逾期视为备案，0 件备案提醒审查"
    assert run(ctx_for, date(2026, 4, 1)) == "0 件备案逾期视为备案，0 件备案提醒审查"
    db.expire_all()
    filing = db.get(Filing, fid)
    assert (filing.status, filing.deemed_on, filing.filing_no, filing.accepted_on) == \
        ("deemed", date(2026, 3, 31), "乌应急备〔2026〕第001号", None)
    assert filing.evaluation_due == date(2029, 3, 2)
    deemed = "预案备案“乌审旗宏达甲醇有限责任公司生产安全事故应急预案”逾期视为已经备案"
    assert inbox(db, "ent1_officer") == [deemed]
    assert inbox(db, "wsq_reviewer") == [submitted_notice, reminder, "乌审旗宏达甲醇有限责任公司" + deemed]
    assert inbox(db, "ent2_officer") == [] and inbox(db, "yjhl_reviewer") == []
    events = db.scalars(select(AuditEvent).where(AuditEvent.action == "filing.deem")).all()
    assert len(events) == 1 and "视为已经备案" in events[0].summary
    from core.plugins.models import OutboxEvent
    passed = db.scalars(select(OutboxEvent).where(OutboxEvent.name == "deadline.passed")).all()
    assert [(e.object_type, e.object_id, e.payload["deadline"]) for e in passed] == [("filing", str(fid), "2026-03-30")]


def test_resubmission_restarts_the_clock_and_reminds_again(ctx_for, db, store):
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    run(ctx_for, date(2026, 3, 27))
    reviewer = ctx_for("wsq_reviewer")
    filing = service.get_filing(reviewer, fid)
    service.transition(reviewer, fid, "return", filing.version,
                       items=[{"material": "review_opinion", "note": "缺签字"}], today=date(2026, 3, 27))
    reviewer.session.commit()
    assert run(ctx_for, date(2026, 4, 20)) == "0 件备案逾期视为备案，0 件备案提醒审查"  # returned: no clock
    officer = ctx_for("ent1_officer")
    filing = service.get_filing(officer, fid)
    upload(officer, store, filing, "review_opinion", "补签后的评审意见")
    officer.session.commit()
    service.transition(officer, fid, "resubmit", filing.version, today=date(2026, 4, 20))
    officer.session.commit()
    assert run(ctx_for, date(2026, 4, 24)) == "0 件备案逾期视为备案，1 件备案提醒审查"
    assert [t for t in inbox(db, "wsq_reviewer") if t.startswith("预案备案审查即将到期")] == \
        ["预案备案审查即将到期：乌审旗宏达甲醇有限责任公司"] * 2


def test_deemed_numbers_follow_accepted_ones(ctx_for, db, store):
    accepted = submitted(ctx_for, store, date(2026, 3, 23), title="甲")
    silent = submitted(ctx_for, store, date(2026, 3, 23), title="乙")
    reviewer = ctx_for("wsq_reviewer")
    filing = service.get_filing(reviewer, accepted)
    service.transition(reviewer, accepted, "accept", filing.version, today=date(2026, 3, 24))
    reviewer.session.commit()
    run(ctx_for, date(2026, 4, 2))
    db.expire_all()
    assert [db.get(Filing, i).filing_no for i in (accepted, silent)] == \
        ["乌应急备〔2026〕第001号", "乌应急备〔2026〕第002号"]


def test_only_the_system_sweeps(ctx_for):
    with pytest.raises(PermissionDenied):
        service.sweep_deadlines(ctx_for("wsq_admin"))


def test_declared_sweep_runs_from_anjian_sweep(app, ctx_for, db, runner, store):
    assert "filings.deadlines" in {s.name for s in app.extensions["anjian"].jobs.sweeps()}   # its manifest
    fid = submitted(ctx_for, store, date(2026, 3, 23))   # long past its limit by today
    for _ in range(2):
        result = runner.invoke(sweep)
        assert result.exit_code == 0, result.output
    db.expire_all()
    assert db.get(Filing, fid).status == "deemed"
    assert db.scalar(select(func.count()).select_from(Notification)
                     .where(Notification.dedupe_key == f"filing:{fid}:deemed")) == 3  # officer, reviewer, admin
    actor = db.scalar(select(AuditEvent.actor_name).where(AuditEvent.action == "filing.deem"))
    assert actor == "sweep:filings.deadlines"
