"""The one-time notice (一次性告知, 第二十八条) across two rounds, what the enterprise sees,
and the printable 补正告知书."""
from __future__ import annotations

from datetime import date

import pytest

from core.errors import Conflict, ValidationFailed
from core.filings.models import FilingReturn
from core.filings.review import notice, service
from tests.filings.conftest import submitted, upload
from tests.filings.test_certificate import attachment_name, needs_font, pdf_text

ITEMS = [{"material": "risk_assessment", "note": "缺少重大危险源辨识"},
         {"material": "resource_survey", "note": "未列明消防车辆与物资存放地点"}]


def ret(ctx_for, fid: int, items: list[dict], on: date):  # noqa: ANN001
    reviewer = ctx_for("wsq_reviewer")
    seen = service.get_filing(reviewer, fid)
    service.transition(reviewer, fid, "return", seen.version, items=items, comment="请一次性补正", today=on)
    reviewer.session.commit()


def resubmit(ctx_for, fid: int, on: date):  # noqa: ANN001
    officer = ctx_for("ent1_officer")
    filing = service.get_filing(officer, fid)
    service.transition(officer, fid, "resubmit", filing.version, today=on)
    officer.session.commit()


def test_two_rounds_keep_to_the_first_list(ctx_for, db, store):
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    ret(ctx_for, fid, ITEMS, date(2026, 3, 24))
    officer = ctx_for("ent1_officer")
    filing = service.get_filing(officer, fid)
    assert service.uncorrected(officer, filing) == ["risk_assessment", "resource_survey"]
    assert service.next_step(officer, filing) == "补正 2 项材料后重新提交"

    # Resubmitting with nothing changed is refused, naming both; with one changed, naming the other.
    with pytest.raises(Conflict) as e:
        service.transition(officer, fid, "resubmit", filing.version, today=date(2026, 3, 25))
    assert "应急资源调查清单" in e.value.message and "风险评估结果" in e.value.message
    officer.session.rollback()
    upload(officer, store, service.get_filing(officer, fid), "risk_assessment")
    officer.session.commit()
    filing = service.get_filing(officer, fid)
    assert service.next_step(officer, filing) == "补正 1 项材料后重新提交"
    with pytest.raises(Conflict) as e:
        service.transition(officer, fid, "resubmit", filing.version, today=date(2026, 3, 25))
    assert e.value.message == "以下退回补正的材料尚未修改，不能重新提交：应急资源调查清单（请上传补正后的文件）"
    officer.session.rollback()
    # Also an optional material the first list did not name, changed by the enterprise now.
    upload(officer, store, service.get_filing(officer, fid), "resource_survey")
    upload(officer, store, service.get_filing(officer, fid), "special_plans", "危险化学品泄漏专项应急预案")
    officer.session.commit()
    resubmit(ctx_for, fid, date(2026, 3, 25))

    # Second round: the first list's items and what was changed since may be named; nothing else.
    reviewer = ctx_for("wsq_reviewer")
    seen = service.get_filing(reviewer, fid)
    assert service.returnable(reviewer, seen) == {"risk_assessment", "resource_survey", "special_plans"}
    with pytest.raises(ValidationFailed) as e:
        service.transition(reviewer, fid, "return", seen.version, today=date(2026, 3, 26),
                           items=[{"material": "risk_assessment", "note": "仍缺辨识清单"},
                                  {"material": "comprehensive_plan", "note": "综合预案缺少附件"}])
    assert e.value.message == ("第二十八条要求一次性告知需要补齐的材料：“综合应急预案”不在首次退回（2026-03-24）告知的清单中，"
                               "企业此后也未修改，不能再要求补正")
    assert set(e.value.errors) == {"items.comprehensive_plan"}
    reviewer.session.rollback()
    assert db.query(FilingReturn).count() == 1  # nothing half-stored
    ret(ctx_for, fid, [{"material": "risk_assessment", "note": "仍缺辨识清单"},
                       {"material": "special_plans", "note": "专项预案未经评审"}], date(2026, 3, 26))
    rounds = service.returns_of(officer, service.get_filing(officer, fid))
    assert [r.round for r in rounds] == [1, 2]


def test_enterprise_sees_the_list_first_and_the_materials_marked(ctx_for, store, as_user):
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    ret(ctx_for, fid, ITEMS, date(2026, 3, 24))
    page = as_user("ent1_officer").get(f"/filings/{fid}").text
    top = page.index('data-testid="correction-list"')
    assert top < page.index('data-testid="filing"') and top < page.index('data-testid="materials"')
    assert "补正 2 项材料后重新提交" in page and "缺少重大危险源辨识" in page
    assert page.count('data-testid="needs-correction"') == 2
    assert f'href="/filings/{fid}/returns/1/notice"' in page
    dash = as_user("ent1_officer").get("/dashboard").text
    assert "补正 2 项材料后重新提交" in dash


def test_notice_content_is_fixed_at_the_return(ctx_for, store, db):
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    ret(ctx_for, fid, ITEMS, date(2026, 3, 24))
    n = notice.notice(ctx_for("ent1_officer"), fid, 1)
    assert n.items == (("风险评估结果", "缺少重大危险源辨识"), ("应急资源调查清单", "未列明消防车辆与物资存放地点"))
    assert n.bureau_name == "乌审旗应急管理局" and n.received_on == date(2026, 3, 23) and n.comment == "请一次性补正"
    assert "第二十八条" in n.opening and "2026年3月23日" in n.opening
    stored = db.query(FilingReturn).one().notice
    assert stored["items"][0] == ["风险评估结果", "缺少重大危险源辨识"]


@needs_font
def test_notice_page_and_stored_pdf(ctx_for, store, as_user, api, db):
    fid = submitted(ctx_for, store, date(2026, 3, 23))
    ret(ctx_for, fid, ITEMS, date(2026, 3, 24))
    browser = as_user("ent1_officer")
    page = browser.get(f"/filings/{fid}/returns/1/notice")
    assert page.status_code == 200 and "应急预案备案补正告知书" in page.text and "缺少重大危险源辨识" in page.text
    r = browser.get(f"/filings/{fid}/returns/1/notice.pdf")
    text = pdf_text(r).replace("\n", "")
    for expected in ("应急预案备案补正告知书", "乌审旗宏达甲醇有限责任公司：", "第二十八条", "风险评估结果", "缺少重大危险源辨识",
                     "应急资源调查清单", "未列明消防车辆与物资存放地点", "其他意见：请一次性补正", "乌审旗应急管理局（公章）",
                     "2026年3月24日"):
        assert expected in text, expected
    assert attachment_name(r) == "补正告知书-乌审旗宏达甲醇有限责任公司-第1次.pdf"
    db.expire_all()
    assert db.query(FilingReturn).one().notice_file_id is not None
    again = api("wsq_reviewer").get(f"/api/v1/filings/{fid}/returns/1/notice")
    assert again.status_code == 200 and again.data == r.data   # the kept copy
    assert api("wsq_reviewer").get(f"/api/v1/filings/{fid}/returns/2/notice").status_code == 404
    assert as_user("yjhl_reviewer").get(f"/filings/{fid}/returns/1/notice").status_code == 404
