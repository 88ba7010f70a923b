"""Steps of the filing journeys shared by the browser tests: uploading materials, switching
user, filing a complete plan set and accepting it, and (opt-in) full-page screenshots."""
from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

from playwright.sync_api import expect

from core.filings.service import beijing_today
from tests.browser.conftest import login
from tests.files import samples
from tests.filings.conftest import REQUIRED

TITLE = "乌审旗宏达甲醇有限责任公司生产安全事故应急预案"
ONSITE = "甲醇储罐泄漏现场处置方案"
# Set to a directory (e.g. /tmp/shots) to keep full-page screenshots of the pages visited.
SHOTS = os.environ.get("ANJIAN_BROWSER_SHOTS")


def logout_and_login(page, username: str) -> None:  # noqa: ANN001
    page.context.clear_cookies()
    login(page, username)


def upload(page, tmp_path: Path, material: str, tag: str = "", name: str | None = None) -> None:  # noqa: ANN001
    """Upload a small PDF as `material` (optionally named, e.g. an on-site plan's title) and
    wait until the checklist row shows one more file."""
    path = tmp_path / f"{material}{tag}.pdf"
    path.write_bytes(samples.pdf(material + tag))
    files = page.locator(f"tr[data-material={material}] [data-testid=material-file]")
    before = files.count()
    form = page.locator("[data-testid=upload-form]")
    form.locator("select[name=material]").select_option(material)
    if name:
        form.get_by_label("文件名称").fill(name)
    form.locator("input[type=file]").set_input_files(str(path))
    form.get_by_role("button", name="上传").click()
    expect(files).to_have_count(before + 1)


def status_of(page):  # noqa: ANN001, ANN201
    """The status badge of the filing the page shows."""
    return page.locator("[data-testid=filing] [data-status]").first


def file_plan(page, tmp_path: Path, title: str = TITLE, published_on: date | None = None) -> str:  # noqa: ANN001
    """As ent1_officer: create a filing, upload every required material (the on-site plan
    named ONSITE) and submit it. Returns the filing page's URL; stays logged in."""
    logout_and_login(page, "ent1_officer")
    page.goto("/filings")
    form = page.locator("[data-testid=new-filing]")
    form.get_by_label("预案名称").fill(title)
    form.get_by_label("预案公布日期").fill((published_on or beijing_today()).isoformat())
    form.get_by_role("button", name="新建备案").click()
    expect(page.locator("h1")).to_have_text(title)
    url = page.url
    for material in REQUIRED:
        upload(page, tmp_path, material, name=ONSITE if material == "onsite_plans" else None)
    expect(page.locator("[data-testid=completeness]")).to_have_text(f"已上传 {len(REQUIRED)} / {len(REQUIRED)}")
    page.locator("form[data-action=submit]").get_by_role("button").click()
    expect(status_of(page)).to_have_text("待审查")
    return url


def accept(page, filing_url: str) -> str:  # noqa: ANN001
    """As wsq_reviewer: accept the filing; returns the 备案编号 shown. Stays logged in."""
    logout_and_login(page, "wsq_reviewer")
    page.goto(filing_url)
    page.locator("form[data-action=accept]").get_by_role("button", name="准予备案").click()
    expect(status_of(page)).to_have_text("已备案")
    number = page.locator("[data-testid=filing-no]").inner_text().strip()
    assert re.fullmatch(r".+〔\d{4}〕.+号", number), number
    return number


def filed_plan(page, tmp_path: Path, **kw) -> tuple[str, str]:  # noqa: ANN001
    """(URL, 备案编号) of an ent1 plan set filed and accepted today; logged in as ent1_officer."""
    url = file_plan(page, tmp_path, **kw)
    number = accept(page, url)
    logout_and_login(page, "ent1_officer")
    page.goto(url)
    return url, number


def shot(page, name: str) -> None:  # noqa: ANN001
    """A full-page screenshot into $ANJIAN_BROWSER_SHOTS, when set."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)
