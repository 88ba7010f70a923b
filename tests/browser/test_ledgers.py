"""The hazard ledger (隐患排查治理台账) in Chromium: the enterprise downloads the template,
uploads a file with two bad rows, reads the errors on the page and in the annotated copy,
uploads the corrected file, and the county reviewer watching the statistics sees the
enterprise's 整改率 move; a 重大 hazard registered on the phone form is reported to the
bureau, put under 挂牌督办, planned, rectified and closed by the bureau's 核查销号 (another
county never sees it); and the phone form fits a phone."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from python_calamine import CalamineWorkbook

from core.calendar.service import beijing_today
from tests.browser.conftest import login
from tests.browser.helpers import logout_and_login, open_notification
from tests.files import samples
from tests.ledgers.test_api import rows
from tests.ledgers.test_xlsx import workbook

pytestmark = pytest.mark.browser

ENT1 = "乌审旗宏达甲醇有限责任公司"
SECTION = "危险化学品安全监管股"
PLAN = {"goal": "消除甲醇合成装置安全阀失效隐患", "methods": "送检全部安全阀并更换不合格件",
        "funding": "安排专项资金3万元", "people": "生产部牵头，设备科配合", "timeline": "三十日内完成",
        "safety": "停车检修期间执行作业票制度", "contingency": "启动甲醇泄漏现场处置方案"}


@pytest.fixture
def reviewer(browser, live_server):  # noqa: ANN001, ANN201
    """A second browser, for wsq_reviewer, open beside the officer's."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    login(pg, "wsq_reviewer")
    yield pg
    context.close()


def status(page):  # noqa: ANN001, ANN201
    return page.locator("[data-testid=status]").first


def act(page, action: str, **fields: str) -> None:  # noqa: ANN001
    """Fill one action form on a hazard's page and press its button."""
    form = page.locator(f"form[data-action={action}]")
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(label=value)
        else:
            field.fill(value)
    form.locator(f"[data-testid=do-{action}]").click()


def upload(page, path) -> None:  # noqa: ANN001
    form = page.locator("[data-testid=import-form]")
    form.locator("input[name=file]").set_input_files(str(path))
    form.locator("[data-testid=import-submit]").click()


def test_upload_refused_corrected_and_the_rate_moves(page, reviewer, tmp_path):  # noqa: ANN001
    # The reviewer opens the statistics first: the enterprise has no ledger yet, and says so.
    reviewer.goto("/ledgers/stats")
    bar = reviewer.locator(f"[data-testid=rate-chart] g[data-name='{ENT1}']")
    row = reviewer.locator(f"[data-testid=stats-rows] tr[data-name='{ENT1}']")
    expect(row).to_have_attribute("data-found", "0")
    expect(row).to_contain_text("未建台账")
    expect(bar).to_have_attribute("data-rate", "0.0000")
    expect(bar).to_contain_text("无记录")

    login(page, "ent1_officer")
    page.goto("/ledgers/hazards")
    with page.expect_download() as info:
        page.locator("[data-testid=template]").click()
    assert info.value.suggested_filename.endswith(".xlsx"), info.value.suggested_filename

    # Five rows, Excel rows 3 and 5 wrong: nothing is stored and both are named on the page.
    bad = rows(5)
    bad[1]["等级"], bad[3]["整改期限"] = "特大", "下周"
    first = tmp_path / "隐患台账（初稿）.xlsx"
    first.write_bytes(workbook(bad))
    upload(page, first)
    result = page.locator("[data-testid=import-result]")
    expect(result).to_have_attribute("data-status", "rejected")
    expect(page.locator("[data-testid=error]")).to_contain_text("未保存任何数据")
    errors = page.locator("[data-testid=errors] tr[data-row]")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_have_attribute("data-row", "3")
    expect(errors.nth(0)).to_contain_text("第 3 行")
    expect(errors.nth(0)).to_contain_text("特大")
    expect(errors.nth(1)).to_have_attribute("data-row", "5")
    expect(errors.nth(1)).to_contain_text("整改期限")

    # The annotated copy carries each problem in its last column, on the row that has it.
    with page.expect_download() as info:
        page.locator("[data-testid=annotated]").click()
    assert info.value.suggested_filename.endswith(".xlsx"), info.value.suggested_filename
    grid = CalamineWorkbook.from_path(info.value.path()).get_sheet_by_name("台账").to_python()
    assert grid[2][-1].startswith("等级：") and "特大" in grid[2][-1], grid[2]
    assert grid[4][-1].startswith("整改期限：") and "下周" in grid[4][-1], grid[4]
    assert grid[1][-1] == "" and grid[3][-1] == "", (grid[1], grid[3])

    # Corrected, with two rows 验收 by someone other than the 整改责任人: stored, both closed.
    good = rows(5)
    for r in good[:2]:
        r.update({"完成日期": date(2024, 9, 8), "验收人": "赵刚", "验收日期": date(2024, 9, 9)})
    fixed = tmp_path / "隐患台账.xlsx"
    fixed.write_bytes(workbook(good))
    upload(page, fixed)          # the re-upload form on the result page
    expect(result).to_have_attribute("data-status", "stored")
    expect(page.locator("[data-testid=created]")).to_have_text("5")

    reviewer.reload()
    expect(bar).to_have_attribute("data-rate", "0.4000")
    expect(row).to_have_attribute("data-found", "5")
    expect(row).to_have_attribute("data-closed", "2")
    expect(row.locator("td[data-label=整改率]")).to_have_text("40.0%")


def test_a_major_hazard_from_registration_to_the_bureaus_closing(page, reviewer, tmp_path):  # noqa: ANN001
    today = beijing_today()
    login(page, "ent1_officer")
    page.goto("/ledgers/hazards/new")
    form = page.locator("[data-testid=hazard-form]")
    values = {"code": "YH-900", "source": "日常排查", "found_on": today.isoformat(), "found_by": "王强",
              "department": "生产部", "location": "甲醇合成装置", "description": "安全阀超期未校验",
              "category": "现场管理类", "level": "重大", "measures": "送检安全阀", "owner": "李明",
              "due_on": (today + timedelta(days=30)).isoformat(), "funds": "3", "interim": "降负荷运行，专人巡检"}
    for name, value in values.items():
        field = form.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    # 重大 without its 判定依据 is refused on the field, the rest kept.
    form.locator("[data-testid=register]").click()
    expect(form.locator(".form-row.invalid .field-error")).to_have_text("等级为“重大”时，判定依据不能为空")
    expect(form.locator("[name=location]")).to_have_value("甲醇合成装置")
    form.locator("[name=basis]").fill("《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》第10项")
    form.locator("[data-testid=register]").click()
    expect(page.locator("h1")).to_have_text("隐患 YH-900")
    expect(status(page)).to_have_text("登记")
    hazard_url = page.url
    expect(page.locator("[data-testid=do-start]")).to_have_count(0)       # its 治理方案 first

    # The county is told at once; the message opens the hazard.
    reviewer.reload()
    open_notification(reviewer, f"{ENT1}登记重大事故隐患1项")
    expect(reviewer).to_have_url(hazard_url)
    act(reviewer, "supervise", doc_no="乌应急督〔2024〕5号", due_on=(today + timedelta(days=20)).isoformat(),
        section_id=SECTION)
    card = reviewer.locator("[data-testid=supervision]")
    expect(card.locator("[data-testid=doc-no]")).to_have_text("乌应急督〔2024〕5号")
    expect(card).to_contain_text(SECTION)
    expect(reviewer.locator("[data-testid=supervised]")).to_be_visible()
    reviewer.goto("/ledgers/hazards?supervised=1")
    expect(reviewer.locator("[data-testid=hazards] tr[data-code]")).to_have_count(1)
    expect(reviewer.locator("tr[data-code=YH-900]")).to_be_visible()

    # The enterprise plans, rectifies and completes; a 重大 hazard then waits for the bureau.
    page.reload()
    expect(page.locator("[data-testid=supervision]")).to_be_visible()
    plan = page.locator("[data-testid=plan-form]")
    for name, text in PLAN.items():
        plan.locator(f"[name={name}]").fill(text)
    plan.locator("[data-testid=save-plan]").click()
    expect(page.locator("[data-testid=plan]")).to_contain_text("三十日内完成")
    act(page, "start")
    expect(status(page)).to_have_text("整改中")
    # No rectification on paper only: 整改完成 waits for a photo of the work done.
    expect(page.locator("[data-testid=needs-evidence]")).to_be_visible()
    expect(page.locator("[data-testid=do-complete]")).to_have_count(0)
    photo = tmp_path / "安全阀校验后.png"
    photo.write_bytes(samples.png(8, 6))
    form = page.locator("[data-testid=evidence-form]")
    form.locator("[name=stage]").select_option(label="整改后")
    form.locator("[name=file]").set_input_files(str(photo))
    form.locator("[data-testid=upload-evidence]").click()
    expect(page.locator("[data-testid=evidence] li[data-stage=rectified]")).to_contain_text("安全阀校验后.png")
    act(page, "complete", completed_on=today.isoformat())
    expect(status(page)).to_have_text("待验收")
    # The enterprise's own 验收 is reported to the bureau; only the bureau closes a 重大 hazard.
    expect(page.locator("[data-testid=do-verify]")).to_have_count(0)
    act(page, "report", verified_by="赵刚", verified_on=today.isoformat(), verdict="专家评估：治理完成")
    expect(status(page)).to_have_text("待验收")

    reviewer.goto(hazard_url)
    act(reviewer, "bureau_verify", comment="现场核查：安全阀已全部校验合格")
    expect(status(reviewer)).to_have_text("销号")
    expect(reviewer.locator("[data-testid=supervision]")).to_contain_text("已销号")
    expect(reviewer.locator("[data-testid=history]")).to_contain_text("现场核查：安全阀已全部校验合格")
    reviewer.goto("/ledgers/hazards?supervised=1")
    expect(reviewer.locator("[data-testid=hazards] tr[data-code]")).to_have_count(0)

    logout_and_login(page, "yjhl_reviewer")
    assert page.goto(hazard_url).status == 404


def test_the_phone_form_fits_a_phone(browser, live_server):  # noqa: ANN001
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        login(page, "ent1_officer")
        page.goto("/ledgers/hazards/new")
        card = page.locator(".card.narrow").bounding_box()
        fields = page.locator("[data-testid=hazard-form] .form-row").locator("input, select, textarea")
        assert fields.count() == 15
        for i in range(fields.count()):
            width = fields.nth(i).bounding_box()["width"]
            assert card["width"] - 48 <= width <= card["width"], (fields.nth(i).get_attribute("name"), width, card)
        assert page.locator("[data-testid=register]").bounding_box()["height"] >= 44
        assert page.evaluate("document.documentElement.scrollWidth") <= 390      # nothing scrolls sideways
    finally:
        context.close()
