"""Filing pages: the journey from draft to 备案编号 by pages, errors shown on the page, isolation."""
from __future__ import annotations

import io
import re
from datetime import date

from sqlalchemy import func, select

from core.calendar.service import beijing_today
from core.filings.models import Filing, FilingMaterial
from tests.files import samples
from tests.filings.conftest import REQUIRED


def version_on(page: str) -> int:
    return int(re.search(r'data-testid="filing" data-status="\w+" data-version="(\d+)"', page).group(1))


def create(browser, title: str = "宏达甲醇生产安全事故应急预案", published_on: date | None = None) -> int:
    r = browser.post("/filings", data={"csrf_token": browser.csrf, "title": title,
                                       "published_on": (published_on or beijing_today()).isoformat()})
    assert r.status_code == 303, r.text
    return int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def upload(browser, filing_id: int, material: str, data: bytes | None = None, filename: str | None = None,
           name: str = ""):
    return browser.post(f"/filings/{filing_id}/materials", content_type="multipart/form-data",
                        data={"csrf_token": browser.csrf, "material": material, "name": name,
                              "file": (io.BytesIO(data if data is not None else samples.pdf(material)),
                                       filename or f"{material}.pdf")})


def act(browser, filing_id: int, action: str, version: int, **form):
    return browser.post(f"/filings/{filing_id}/transitions",
                        data={"csrf_token": browser.csrf, "action": action, "version": str(version), **form})


def test_journey_by_pages(app, as_user, db) -> None:
    ent1, reviewer = as_user("ent1_officer"), as_user("wsq_reviewer")
    page = ent1.get("/filings").text
    assert "新建备案" in page and "暂无备案" in page and "预案备案" in page
    filing_id = create(ent1)
    page = ent1.get(f"/filings/{filing_id}").text
    assert "乌审旗宏达甲醇有限责任公司" in page and "乌审旗应急管理局" in page and "报备期限" in page
    assert 'data-testid="upload-form"' in page and "已上传 0 / 6" in page

    # Submitting with materials missing: 409 on the page, naming them.
    r = act(ent1, filing_id, "submit", version_on(page))
    assert r.status_code == 409 and "以下必备材料尚未上传，不能提交" in r.text and "风险评估结果" in r.text

    for material in REQUIRED:
        r = upload(ent1, filing_id, material, name="主体预案" if material == "comprehensive_plan" else "")
        assert r.status_code == 303, r.text
    page = ent1.get(f"/filings/{filing_id}").text
    assert "已上传 6 / 6" in page and "主体预案" in page
    file_id = db.scalar(select(FilingMaterial.file_id).where(FilingMaterial.filing_id == filing_id,
                                                             FilingMaterial.material == "risk_assessment"))
    assert f'href="/files/{file_id}/download?inline=1"' in page
    preview = reviewer.get(f"/files/{file_id}/download?inline=1")
    assert preview.status_code == 200 and preview.mimetype == "application/pdf"
    samples.closed(preview)

    r = act(ent1, filing_id, "submit", version_on(page))
    assert r.status_code == 303, r.text
    page = ent1.get(f"/filings/{filing_id}").text
    assert "待审查" in page and 'data-testid="review-clock"' in page and "个工作日" in page
    assert 'data-testid="upload-form"' not in page and 'data-testid="late"' not in page

    inbox = reviewer.get("/filings").text
    assert f'data-filing-id="{filing_id}"' in inbox and "乌审旗宏达甲醇有限责任公司" in inbox
    page = reviewer.get(f"/filings/{filing_id}").text
    assert 'data-action="return"' in page and 'data-action="accept"' in page and 'name="item"' in page

    # The one-time list: two items with notes.
    r = act(reviewer, filing_id, "return", version_on(page), item=["risk_assessment", "resource_survey"],
            **{"note:risk_assessment": "缺少重大危险源辨识", "note:resource_survey": "未盖章",
               "comment": "请一并补正"})
    assert r.status_code == 303, r.text
    page = ent1.get(f"/filings/{filing_id}").text
    assert "已退回补正" in page and "第 1 次退回" in page and "缺少重大危险源辨识" in page and "未盖章" in page
    assert "请一并补正" in page and 'data-action="resubmit"' in page

    # Both returned materials must be corrected before the filing goes back (一次性告知).
    assert upload(ent1, filing_id, "risk_assessment").status_code == 303
    page = ent1.get(f"/filings/{filing_id}").text
    assert "补正 1 项材料后重新提交" in page
    r = act(ent1, filing_id, "resubmit", version_on(page))
    assert r.status_code == 409 and "以下退回补正的材料尚未修改，不能重新提交：应急资源调查清单" in r.text
    assert upload(ent1, filing_id, "resource_survey").status_code == 303
    page = ent1.get(f"/filings/{filing_id}").text
    assert act(ent1, filing_id, "resubmit", version_on(page)).status_code == 303
    page = reviewer.get(f"/filings/{filing_id}").text
    r = act(reviewer, filing_id, "accept", version_on(page))
    assert r.status_code == 303, r.text
    number = db.scalar(select(Filing.filing_no).where(Filing.id == filing_id))
    assert re.fullmatch(r"乌应急备〔\d{4}〕第\d{3}号", number)
    page = ent1.get(f"/filings/{filing_id}").text
    assert f'data-testid="filing-no">{number}<' in page and "已备案" in page
    assert 'data-testid="actions"' not in page and 'data-testid="upload-form"' not in page
    assert number in reviewer.get("/filings?status=accepted").text

    # A stale version (the accept already moved it on): 409, nothing changes.
    r = act(reviewer, filing_id, "return", version_on(page) - 1, item=["risk_assessment"])
    assert r.status_code == 409


def test_return_without_items_is_refused(app, as_user, db) -> None:
    ent1, reviewer = as_user("ent1_officer"), as_user("wsq_reviewer")
    filing_id = create(ent1)
    for material in REQUIRED:
        assert upload(ent1, filing_id, material).status_code == 303
    assert act(ent1, filing_id, "submit", version_on(ent1.get(f"/filings/{filing_id}").text)).status_code == 303
    v = version_on(reviewer.get(f"/filings/{filing_id}").text)
    r = act(reviewer, filing_id, "return", v, comment="材料不全")
    assert r.status_code == 422 and "一次性告知" in r.text
    db.expire_all()
    assert db.scalar(select(Filing.status).where(Filing.id == filing_id)) == "submitted"


def test_other_county_gets_404(app, as_user) -> None:
    ent1 = as_user("ent1_officer")
    filing_id = create(ent1)
    other = as_user("yjhl_reviewer")
    assert other.get(f"/filings/{filing_id}").status_code == 404
    assert f'data-filing-id="{filing_id}"' not in other.get("/filings").text
    assert act(other, filing_id, "accept", 1).status_code == 404
    assert as_user("ent2_officer").get(f"/filings/{filing_id}").status_code == 404


def test_wrong_file_type_is_refused_and_nothing_stored(app, as_user, db) -> None:
    ent1 = as_user("ent1_officer")
    filing_id = create(ent1)
    before = samples.rows(db), samples.stored_files(app)
    r = upload(ent1, filing_id, "comprehensive_plan", samples.EXE, "plan.pdf")
    assert r.status_code == 422 and 'data-testid="error"' in r.text
    assert samples.rows(db) == before[0] and samples.stored_files(app) == before[1]
    assert db.scalar(select(func.count(FilingMaterial.id)).where(FilingMaterial.filing_id == filing_id)) == 0
    # No file at all, and an unknown material: 422 with the field named.
    r = ent1.post(f"/filings/{filing_id}/materials", content_type="multipart/form-data",
                  data={"csrf_token": ent1.csrf, "material": "comprehensive_plan"})
    assert r.status_code == 422
    r = upload(ent1, filing_id, "no_such_material")
    assert r.status_code == 422 and "材料类别不在可选范围内" in r.text


def test_create_errors_and_removal(app, as_user, db) -> None:
    ent1 = as_user("ent1_officer")
    r = ent1.post("/filings", data={"csrf_token": ent1.csrf, "title": "预案", "published_on": "2999-01-01"})
    assert r.status_code == 422 and "公布日期不能晚于今天" in r.text and 'value="预案"' in r.text
    filing_id = create(ent1)
    assert upload(ent1, filing_id, "comprehensive_plan").status_code == 303
    material_id = db.scalar(select(FilingMaterial.id).where(FilingMaterial.filing_id == filing_id))
    r = ent1.post(f"/filings/{filing_id}/materials/{material_id}/remove", data={"csrf_token": ent1.csrf})
    assert r.status_code == 303
    db.expire_all()
    assert db.scalar(select(func.count(FilingMaterial.id)).where(FilingMaterial.filing_id == filing_id)) == 0
    # Bureau users get the inbox without the create form.
    page = as_user("wsq_reviewer").get("/filings").text
    assert 'data-testid="new-filing"' not in page and 'name="overdue"' in page


def test_late_filing_flagged(app, as_user) -> None:
    ent1 = as_user("ent1_officer")
    filing_id = create(ent1, published_on=date(2024, 1, 2))
    for material in REQUIRED:
        assert upload(ent1, filing_id, material).status_code == 303
    assert act(ent1, filing_id, "submit", version_on(ent1.get(f"/filings/{filing_id}").text)).status_code == 303
    assert 'data-testid="late"' in ent1.get(f"/filings/{filing_id}").text
    assert "逾期报备" in as_user("wsq_reviewer").get("/filings").text
