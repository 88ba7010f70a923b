"""Steps of the filing journeys shared by the browser tests: uploading materials, switching
user, answering confirm.js's confirmation, filing a complete plan set, returning and accepting
it, opening a notification, reading a PDF, and (opt-in) full-page screenshots."""
from __future__ import annotations

import io
import os
import re
from datetime import date
from pathlib import Path

from playwright.sync_api import expect
from pypdf import PdfReader

from core.calendar.service import beijing_today
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


def confirm_next(page, accept: bool = True) -> list[str]:  # noqa: ANN001
    """Answer the next confirmation (confirm.js calls window.confirm before 退回补正, 准予备案,
    撤回 and 删除): accept it, or decline with accept=False. Returns a list that then holds the
    question, so a test can tell a declined confirmation from none at all."""
    asked: list[str] = []

    def answer(dialog) -> None:  # noqa: ANN001
        asked.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    page.once("dialog", answer)
    return asked


def status_of(page):  # noqa: ANN001, ANN201
    """The status badge of the filing the page shows."""
    return page.locator("[data-testid=filing] [data-status]").first


def file_plan(page, tmp_path: Path, title: str = TITLE, published_on: date | None = None,  # noqa: ANN001
              user: str = "ent1_officer", onsite: str = ONSITE) -> str:
    """As `user` (an enterprise officer): create a filing, upload every required material (the
    on-site plan named `onsite`) and submit it. Returns the filing page's URL; stays logged in."""
    logout_and_login(page, user)
    page.goto("/filings")
    form = page.locator("[data-testid=new-filing]")
    form.get_by_label("预案名称").fill(title)
    form.get_by_label("预案公布日期").fill((published_on or beijing_today()).isoformat())
    form.get_by_role("button", name="新建备案").click()
    expect(page.locator("h1")).to_have_text(title)
    url = page.url
    for material in REQUIRED:
        upload(page, tmp_path, material, name=onsite if material == "onsite_plans" else None)
    expect(page.locator("[data-testid=completeness]")).to_have_text(f"已上传 {len(REQUIRED)} / {len(REQUIRED)}")
    page.locator("[data-testid=act-submit]").click()
    expect(status_of(page)).to_have_text("待审查")
    return url


def mark_for_return(page, notes: dict[str, str]) -> None:  # noqa: ANN001
    """Tick each material (by its name) in the 退回补正 form and write its 问题说明."""
    form = page.locator("form[data-action=return]")
    for label, note in notes.items():
        form.get_by_label(label, exact=True).check()
        form.get_by_label(f"问题说明：{label}").fill(note)


def accept(page, filing_url: str, opinion: str | None = None) -> str:  # noqa: ANN001
    """As wsq_reviewer: accept the filing (with a 审查意见, if given), confirming when asked;
    returns the 备案编号 shown. Stays logged in."""
    logout_and_login(page, "wsq_reviewer")
    page.goto(filing_url)
    form = page.locator("form[data-action=accept]")
    if opinion:
        form.get_by_label("审查意见（可选）").fill(opinion)
    asked = confirm_next(page)
    form.get_by_role("button", name="准予备案").click()
    expect(status_of(page)).to_have_text("已备案")
    assert len(asked) == 1 and asked[0].startswith("确认准予备案"), asked
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


def open_notification(page, title: str) -> None:  # noqa: ANN001
    """Open the one unread message titled `title` from /inbox (查看 leads to its page)."""
    page.goto("/inbox")
    row = page.locator("[data-testid=inbox] tr.unread").filter(has_text=title)
    expect(row).to_have_count(1)
    row.get_by_role("button", name="查看").click()


def pdf_text(data: bytes) -> str:
    """The text of a PDF, as tests/filings/test_certificate.py::pdf_text reads it."""
    assert data.startswith(b"%PDF"), data[:20]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    # pypdf leaves a NUL before each character of fpdf2's embedded CJK font.
    return text.replace("\x00", "")


def shot(page, name: str) -> None:  # noqa: ANN001
    """A full-page screenshot into $ANJIAN_BROWSER_SHOTS, when set."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)
