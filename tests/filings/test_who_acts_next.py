"""Every step tells the person who must act next, once; who may act on a filing (the section
it is routed to, the bureau admin); the inbox over JSON; the filing's history."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from core.errors import PermissionDenied, ValidationFailed
from core.filings.review import service
from tenants.models import Section
from tests.filings.conftest import complete_draft, inbox, submitted, upload

ENT = "乌审旗宏达甲醇有限责任公司"


def step(ctx_for, username: str, fid: int, action: str, on: date, **kw):  # noqa: ANN001
    ctx = ctx_for(username)
    seen = service.get_filing(ctx, fid)
    out = service.transition(ctx, fid, action, seen.version, today=on, **kw)
    ctx.session.commit()
    return out


def test_each_step_notifies_the_next_actor_once(ctx_for, db, store):
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    assert inbox(db, "wsq_reviewer") == [f"新的预案备案待审查：{ENT}"]
    assert inbox(db, "wsq_admin") == [] and inbox(db, "yjhl_reviewer") == [] and inbox(db, "ent1_officer") == []

    step(ctx_for, "wsq_reviewer", fid, "return", date(2026, 3, 24),
         items=[{"material": "risk_assessment", "note": "缺少重大危险源辨识"}])
    assert inbox(db, "ent1_officer") == ["预案备案被退回补正：需补正 1 项材料"]
    from core.notifications.models import Notification
    note = db.scalar(select(Notification).where(Notification.title == "预案备案被退回补正：需补正 1 项材料"))
    assert note.link == f"/filings/{fid}" and "风险评估结果：缺少重大危险源辨识" in note.body

    officer = ctx_for("ent1_officer")
    upload(officer, store, service.get_filing(officer, fid), "risk_assessment")
    officer.session.commit()
    step(ctx_for, "ent1_officer", fid, "resubmit", date(2026, 3, 25))
    assert inbox(db, "wsq_reviewer")[-1] == f"补正后重新提交，待审查：{ENT}"
    step(ctx_for, "wsq_reviewer", fid, "accept", date(2026, 3, 26), comment="材料齐全，同意备案")
    assert inbox(db, "ent1_officer")[-1] == "预案备案已准予备案：乌应急备〔2026〕第001号"
    assert len(inbox(db, "ent1_officer")) == 2 and len(inbox(db, "wsq_reviewer")) == 2

    # A withdrawal tells the reviewers the filing needs them no more.
    other = submitted(ctx_for, store, date(2026, 3, 23), title="液氨泄漏专项应急预案")
    step(ctx_for, "ent1_officer", other, "withdraw", date(2026, 3, 24))
    assert inbox(db, "wsq_reviewer")[-1] == f"企业已撤回预案备案：{ENT}"


def test_a_reviewer_acts_on_the_filings_routed_to_its_section(ctx_for, db, store):
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    admin = ctx_for("wsq_admin")
    # Another section of 乌审旗 with a reviewer of its own.
    desk = db.scalar(select(Section).where(Section.name == "应急救援指挥中心"))
    from core.auth import service as auth
    auth.create_user(admin, {"username": "wsq_desk", "display_name": "指挥中心审核员", "password": "anjian-demo",
                             "role": "reviewer", "tenant_id": admin.actor.tenant_id, "section_id": desk.id})
    admin.session.commit()

    outsider = ctx_for("wsq_desk")
    seen = service.get_filing(outsider, fid)                 # every user of the bureau reads it…
    assert service.actions(outsider, seen) == []             # …but no button for another section
    with pytest.raises(PermissionDenied) as e:
        service.transition(outsider, fid, "accept", seen.version, today=date(2026, 3, 24))
    assert e.value.message == "该备案由“危险化学品安全监管股”审查，本股室不能办理"
    city = ctx_for("city_admin")
    assert service.actions(city, service.get_filing(city, fid)) == []   # the city reads, the county acts
    with pytest.raises(PermissionDenied):
        service.transition(city, fid, "accept", seen.version, today=date(2026, 3, 24))

    # Naming the filing desk on 备案设置 routes new filings there: the desk is told and acts.
    service.update_settings(admin, {"desk_section_id": desk.id})
    admin.session.commit()
    second = submitted(ctx_for, store, date(2026, 3, 23), title="液氨泄漏专项应急预案")
    assert inbox(db, "wsq_desk") == [f"新的预案备案待审查：{ENT}"]
    assert [a.name for a in service.actions(ctx_for("wsq_desk"), service.get_filing(ctx_for("wsq_desk"), second))] \
        == ["return", "accept"]
    with pytest.raises(PermissionDenied):
        step(ctx_for, "wsq_reviewer", second, "accept", date(2026, 3, 24))
    step(ctx_for, "wsq_admin", second, "accept", date(2026, 3, 24))   # the admin acts on all
    with pytest.raises(ValidationFailed):
        service.update_settings(ctx_for("yjhl_admin"), {"desk_section_id": desk.id})  # not its section


def test_history_timeline_from_the_audit_trail(ctx_for, store, as_user):
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    step(ctx_for, "wsq_reviewer", fid, "return", date(2026, 3, 24), comment="请一次性补正",
         items=[{"material": "risk_assessment", "note": "缺少重大危险源辨识"}])
    officer = ctx_for("ent1_officer")
    history = service.history(officer, service.get_filing(officer, fid))
    assert [h.label for h in history][-2:] == ["提交备案", "退回补正"]
    last = history[-1]
    assert (last.actor, last.comment) == ("乌审旗审核员", "请一次性补正")
    assert last.items == [{"material": "risk_assessment", "note": "缺少重大危险源辨识", "label": "风险评估结果"}]
    page = as_user("ent1_officer").get(f"/filings/{fid}").text
    timeline = page.split('data-testid="history"')[1].split("</ol>")[0]
    assert "乌审旗审核员" in timeline and "意见：请一次性补正" in timeline and '<span class="badge">退回补正</span>' in timeline
    assert ">filing.return<" not in timeline  # a person reads 退回补正, not the code


def test_review_opinion_on_the_page_and_in_history(ctx_for, store, as_user):
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    step(ctx_for, "wsq_reviewer", fid, "accept", date(2026, 3, 24), comment="材料齐全，同意备案")
    page = as_user("ent1_officer").get(f"/filings/{fid}").text
    assert 'data-testid="review-opinion"' in page and "材料齐全，同意备案" in page
    history = service.history(ctx_for("ent1_officer"), service.get_filing(ctx_for("ent1_officer"), fid))
    assert history[-1].label == "准予备案" and history[-1].comment == "材料齐全，同意备案"


def test_notifications_api(ctx_for, store, api, db):
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    reviewer = api("wsq_reviewer")
    r = reviewer.get("/api/v1/notifications?unread=true")
    assert r.status_code == 200 and r.json["total"] == 1 and r.json["unread"] == 1
    item = r.json["items"][0]
    assert item["title"] == f"新的预案备案待审查：{ENT}" and item["link"] == f"/filings/{fid}" and item["read_at"] is None
    assert reviewer.get("/api/v1/notifications?limit=0").status_code == 422
    # Someone else's message is not found; one's own is marked read.
    assert api("ent1_officer").post(f"/api/v1/notifications/{item['id']}/read").status_code == 404
    r = reviewer.post(f"/api/v1/notifications/{item['id']}/read")
    assert r.status_code == 200 and r.json["read_at"] is not None
    assert reviewer.get("/api/v1/notifications?unread=true").json == {"items": [], "total": 0, "limit": 50, "offset": 0,
                                                                     "unread": 0}
    assert reviewer.get("/api/v1/notifications").json["total"] == 1


def test_draft_next_step(ctx_for, store):
    officer = ctx_for("ent1_officer")
    filing = complete_draft(officer, store)
    assert service.next_step(officer, filing) == "必备材料已齐全，请提交备案"


def test_routing_is_fixed_at_submission_and_someone_who_can_act_is_told(ctx_for, db, store):
    admin = ctx_for("wsq_admin")
    empty = db.scalar(select(Section).where(Section.name == "综合行政执法大队"))  # a section without reviewers
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    # The desk named after submission does not take the filing from the section it went to.
    service.update_settings(admin, {"desk_section_id": empty.id})
    admin.session.commit()
    reviewer = ctx_for("wsq_reviewer")
    assert [a.name for a in service.actions(reviewer, service.get_filing(reviewer, fid))] == ["return", "accept"]
    # A filing routed to a section nobody reviews in is told to the bureau's admins, who can act.
    second = submitted(ctx_for, store, date(2026, 3, 23), title="液氨泄漏专项应急预案")
    assert inbox(db, "wsq_admin")[-1] == f"新的预案备案待审查：{ENT}"
    assert inbox(db, "wsq_reviewer").count(f"新的预案备案待审查：{ENT}") == 1  # only the first filing
    assert service.actions(reviewer, service.get_filing(reviewer, second)) == []


def test_withdrawing_a_draft_tells_nobody(ctx_for, db, store):
    officer = ctx_for("ent1_officer")
    filing = complete_draft(officer, store)
    service.transition(officer, filing.id, "withdraw", filing.version, today=date(2026, 3, 24))
    officer.session.commit()
    assert inbox(db, "wsq_reviewer") == [] and inbox(db, "wsq_admin") == []
