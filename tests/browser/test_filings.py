"""The filing journey in Chromium: file → return with two items → fix and resubmit → accept →
the officer prints the 备案登记表 and downloads its PDF; another county's reviewer can see
neither the filing nor its certificate."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core.calendar.service import beijing_today
from tests.browser.conftest import login
from tests.browser.helpers import (
    confirm_next,
    logout_and_login,
    mark_for_return,
    upload,
)
from tests.filings.conftest import REQUIRED

pytestmark = pytest.mark.browser


def test_filing_journey(page, live_server, tmp_path):
    login(page, "ent1_officer")
    page.get_by_role("link", name="预案备案", exact=True).click()
    form = page.locator("[data-testid=new-filing]")
    form.get_by_label("预案名称").fill("乌审旗宏达甲醇有限责任公司生产安全事故应急预案")
    form.get_by_label("预案公布日期").fill(beijing_today().isoformat())
    form.get_by_role("button", name="新建备案").click()
    expect(page.locator("h1")).to_have_text("乌审旗宏达甲醇有限责任公司生产安全事故应急预案")
    filing_url = page.url

    for material in REQUIRED:
        upload(page, tmp_path, material)
    expect(page.locator("[data-testid=completeness]")).to_have_text("已上传 6 / 6")
    page.locator("form[data-action=submit]").get_by_role("button").click()
    expect(page.locator("[data-testid=filing] [data-status]").first).to_have_text("待审查")
    expect(page.locator("[data-testid=review-clock]")).to_contain_text("个工作日")

    logout_and_login(page, "wsq_reviewer")
    page.get_by_role("link", name="预案备案", exact=True).click()
    page.get_by_role("link", name="乌审旗宏达甲醇有限责任公司生产安全事故应急预案").click()
    mark_for_return(page, {"风险评估结果": "缺少重大危险源辨识", "应急资源调查清单": "清单未盖章"})
    asked = confirm_next(page)
    page.locator("form[data-action=return]").get_by_role("button", name="退回补正").click()
    items = page.locator("[data-testid=return-item]")
    expect(items).to_have_count(2)
    expect(page.locator("[data-testid=returns]")).to_contain_text("缺少重大危险源辨识")
    assert len(asked) == 1 and "· 风险评估结果\n· 应急资源调查清单" in asked[0], asked

    logout_and_login(page, "ent1_officer")
    page.goto(filing_url)
    expect(page.locator("[data-testid=returns]")).to_contain_text("清单未盖章")
    upload(page, tmp_path, "risk_assessment", "-v2")
    upload(page, tmp_path, "resource_survey", "-v2")
    page.locator("form[data-action=resubmit]").get_by_role("button").click()
    expect(page.locator("[data-testid=filing] [data-status]").first).to_have_text("待审查")

    logout_and_login(page, "wsq_reviewer")
    page.goto(filing_url)
    asked = confirm_next(page)
    page.locator("form[data-action=accept]").get_by_role("button", name="准予备案").click()
    number = page.locator("[data-testid=filing-no]")
    expect(number).to_have_text(re.compile(r"乌应急备〔\d{4}〕第001号"))
    assert len(asked) == 1 and asked[0].startswith("确认准予备案"), asked
    # The preview link opens the stored PDF inline.
    href = page.locator("tr[data-material=comprehensive_plan] a").first.get_attribute("href")
    assert href.endswith("?inline=1")
    assert page.request.get(href).headers["content-type"] == "application/pdf"

    filing_no = number.inner_text().strip()

    # The officer prints the 备案登记表 and downloads it as a PDF named after the number.
    logout_and_login(page, "ent1_officer")
    page.goto(filing_url)
    page.locator("[data-testid=filing-no-card]").get_by_role("link", name="备案登记表").click()
    expect(page.locator("h1")).to_have_text("备案登记表")
    expect(page.locator("[data-testid=certificate-no]")).to_have_text(filing_no)
    certificate = page.locator("[data-testid=certificate]")
    expect(certificate).to_contain_text("乌审旗宏达甲醇有限责任公司生产安全事故应急预案")
    expect(certificate).to_contain_text("经形式审查，符合要求，予以备案。")
    expect(page.locator("[data-testid=superseded]")).to_have_count(0)
    certificate_url = page.url
    with page.expect_download() as info:
        page.get_by_role("link", name="下载PDF").click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf") and filing_no in download.suggested_filename
    pdf = Path(download.path())
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert filing_no in text and "备案登记表" in text

    logout_and_login(page, "yjhl_reviewer")
    assert page.goto(filing_url).status == 404
    assert page.goto(certificate_url).status == 404
    assert page.request.get(certificate_url.replace("/certificate", "/certificate.pdf")).status == 404
