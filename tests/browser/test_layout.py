"""Layout as a person sees it, measured in Chromium: dashboard values on one line at 1366 px,
a bureau admin's menu on one row (the 管理 group opening its menu), buttons that never wrap,
a shade on the edge of a table that scrolls sideways, and the filings list as cards on a phone.

Every assertion measures boxes (getBoundingClientRect, scroll sizes, computed styles); the one
look at pixels reads the brightness of a table's edge strip, the scroll cue itself. Screenshots
go to tmp_path (and $ANJIAN_BROWSER_SHOTS when set) for a reviewer's eyes only."""
from __future__ import annotations

import io
import re
import statistics
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.helpers import (
    confirm_next,
    file_plan,
    filed_plan,
    logout_and_login,
    mark_for_return,
    shot,
)
from tests.files import samples

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def snap(page, tmp_path: Path, name: str) -> None:  # noqa: ANN001
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
    shot(page, name)


# For each element: its box, line height and the extent of its text (a Range over its
# contents), so a test can tell one line from two and a clipped value from a whole one.
MEASURE = """els => els.map(el => {
  const cs = getComputedStyle(el), r = el.getBoundingClientRect();
  const range = document.createRange(); range.selectNodeContents(el);
  const text = range.getBoundingClientRect();
  const px = v => parseFloat(v) || 0;
  return {text: el.innerText.trim(), top: r.top, left: r.left, right: r.right, width: r.width, height: r.height,
          lineHeight: px(cs.lineHeight) || 1.6 * px(cs.fontSize),
          contentHeight: r.height - px(cs.paddingTop) - px(cs.paddingBottom) - px(cs.borderTopWidth) - px(cs.borderBottomWidth),
          textTop: text.top, textBottom: text.bottom, textRight: text.right,
          scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, visible: r.width > 0 && r.height > 0};
})"""


def measure(page, selector: str) -> list[dict]:  # noqa: ANN001
    return page.locator(selector).evaluate_all(MEASURE)


def assert_buttons_on_one_line(page, where: str) -> int:  # noqa: ANN001
    buttons = [b for b in measure(page, ".btn") if b["visible"]]
    # Where today's data leaves room, a button would fit anyway: the styles that keep it whole
    # when a narrow cell or a crowded toolbar squeezes it are checked too.
    styles = page.locator(".btn").evaluate_all(
        "bs => bs.map(b => [b.innerText.trim(), getComputedStyle(b).whiteSpace, getComputedStyle(b).flexShrink,"
        " b.parentElement.classList.contains('toolbar')])")
    for text, white_space, shrink, in_toolbar in styles:
        assert white_space == "nowrap", f"{where}: button {text!r} may wrap (white-space: {white_space})"
        assert not in_toolbar or shrink == "0", f"{where}: button {text!r} shrinks in its toolbar"
    for b in buttons:
        assert b["contentHeight"] <= 1.6 * b["lineHeight"], f"{where}: button {b['text']!r} wraps: {b}"
        assert b["scrollWidth"] <= b["clientWidth"] + 1, f"{where}: button {b['text']!r} is clipped: {b}"
    return len(buttons)


def test_enterprise_dashboard_shows_each_card_value_on_one_line(page, tmp_path):  # noqa: ANN001
    _url, number = filed_plan(page, tmp_path)
    page.set_viewport_size(DESKTOP)
    page.goto("/dashboard")
    snap(page, tmp_path, "dashboard-enterprise-1366")
    cards = {"企业信息": page.locator(".card").filter(has=page.get_by_role("heading", name="企业信息")),
             "应急预案备案": page.get_by_test_id("filing-summary")}
    seen = []
    for name, card in cards.items():
        inner = card.evaluate("c => { const r = c.getBoundingClientRect(), cs = getComputedStyle(c);"
                              " return r.right - parseFloat(cs.paddingRight) - parseFloat(cs.borderRightWidth); }")
        values = card.locator("dl.props dd").evaluate_all(MEASURE)
        assert len(values) >= 3, (name, values)
        for dd in values:
            # One line: the text spans about one line height (a badge beside it is shorter).
            assert dd["textBottom"] - dd["textTop"] <= 1.5 * dd["lineHeight"], f"{name}: {dd['text']!r} wraps: {dd}"
            assert dd["scrollWidth"] <= dd["clientWidth"], f"{name}: {dd['text']!r} is clipped: {dd}"
            assert dd["textRight"] <= inner + 0.5, f"{name}: {dd['text']!r} runs past the card: {dd} > {inner}"
            seen.append(dd["text"])
    assert re.search(r"\b[0-9A-Z]{18}\b", seen[0]), seen  # 统一社会信用代码
    assert any("（" in v and "）" in v for v in seen), seen  # 监管部门（股室）
    assert any(v.startswith(number) for v in seen), (number, seen)  # 备案编号 like 乌应急备〔2026〕第001号
    # The wider grid must not push a phone sideways.
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    snap(page, tmp_path, "dashboard-enterprise-390")


@pytest.mark.parametrize("username", ["wsq_admin", "city_admin"])
def test_admin_menu_fits_one_row_and_reaches_every_entry(page, live_server, tmp_path, username):  # noqa: ANN001
    page.set_viewport_size(DESKTOP)
    login(page, username)
    snap(page, tmp_path, f"nav-{username}-1366")
    entries = measure(page, ".mainnav > a, .mainnav > .navgroup > summary")
    assert len(entries) >= 9, entries
    tops = {round(e["top"]) for e in entries}
    assert max(tops) - min(tops) <= 2, f"menu wraps onto several rows: {[(e['text'], e['top']) for e in entries]}"
    nav = measure(page, ".mainnav")[0]
    assert nav["height"] <= 1.5 * max(e["height"] for e in entries), nav
    # Brand, menu and user box share the top bar's one row.
    row = measure(page, ".brand, .mainnav, .userbox, .lang")
    assert max(r["top"] + r["height"] / 2 for r in row) - min(r["top"] + r["height"] / 2 for r in row) <= 6, row
    for e in entries:
        assert e["contentHeight"] <= 1.5 * e["lineHeight"], f"menu entry {e['text']!r} wraps: {e}"

    top_links = page.locator(".mainnav > a").evaluate_all("as => as.map(a => [a.textContent.trim(), a.getAttribute('href')])")
    group = page.locator(".mainnav .navgroup")
    expect(group).to_have_count(1)
    expect(group.locator("summary")).to_have_text(re.compile("管理"))
    grouped = group.locator(".navmenu a").evaluate_all("as => as.map(a => [a.textContent.trim(), a.getAttribute('href')])")
    assert [label for label, _ in grouped] == ["单位与股室", "用户", "审计记录", "工作日历", "插件"], grouped
    assert not group.locator(".navmenu").is_visible()  # closed until asked

    for label, href in top_links:
        page.goto("/dashboard")
        page.locator(".mainnav > a").filter(has_text=re.compile(f"^{re.escape(label)}$")).click()
        page.wait_for_url(f"**{href}")
        expect(page.locator(".mainnav > a.active")).to_have_text(label)
        expect(page.locator(".mainnav summary.active")).to_have_count(0)
    for label, href in grouped:
        page.goto("/dashboard")
        page.locator(".navgroup > summary").click()
        menu = page.locator(".navmenu")
        expect(menu).to_be_visible()
        box = measure(page, ".navmenu")[0]
        assert box["right"] <= DESKTOP["width"] and box["left"] >= 0, box
        if label == "单位与股室":
            snap(page, tmp_path, f"nav-{username}-open-1366")
        menu.get_by_role("link", name=label, exact=True).click()
        page.wait_for_url(f"**{href}")
        # The group shows where one is; its menu marks the page itself.
        expect(page.locator(".mainnav summary.active")).to_have_text(re.compile("管理"))
        expect(page.locator(".mainnav > a.active")).to_have_count(0)
        expect(page.locator(".navmenu a.active")).to_have_text(label)


@pytest.mark.parametrize("username", ["wsq_admin", "ent1_officer"])
def test_english_menu_fits_one_row_too(page, live_server, tmp_path, username):  # noqa: ANN001
    page.set_viewport_size(DESKTOP)
    login(page, username)
    page.goto("/dashboard?lang=en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    snap(page, tmp_path, f"nav-{username}-en-1366")
    entries = measure(page, ".mainnav > a, .mainnav > .navgroup > summary")
    tops = {round(e["top"]) for e in entries}
    assert max(tops) - min(tops) <= 2, [(e["text"], e["top"]) for e in entries]


def test_phone_menu_toggle_opens_the_group(page, live_server, tmp_path):  # noqa: ANN001
    page.set_viewport_size(PHONE)
    login(page, "wsq_admin")
    nav = page.locator(".mainnav")
    expect(nav).to_be_hidden()
    page.locator(".menu-button").click()
    expect(nav).to_be_visible()
    expect(nav.get_by_role("link", name="预案备案", exact=True)).to_be_visible()
    nav.locator(".navgroup > summary").click()
    snap(page, tmp_path, "nav-wsq_admin-390-open")
    for e in measure(page, ".mainnav > a, .mainnav summary, .navmenu a"):
        assert e["right"] <= PHONE["width"] and e["contentHeight"] <= 1.5 * e["lineHeight"], e
    nav.get_by_role("link", name="审计记录", exact=True).click()
    page.wait_for_url("**/audit**")
    expect(page.locator(".mainnav summary.active")).to_have_count(1)


def test_buttons_never_wrap(page, tmp_path):  # noqa: ANN001
    url = file_plan(page, tmp_path)
    logout_and_login(page, "wsq_reviewer")
    page.goto(url)
    mark_for_return(page, {"风险评估结果": "缺少重大危险源辨识"})
    confirm_next(page)
    page.locator("form[data-action=return]").get_by_role("button", name="退回补正").click()
    expect(page.get_by_test_id("return-item")).to_have_count(1)
    logout_and_login(page, "ent1_officer")
    page.goto(url)
    # A file with a Chinese name (breakable after any character) lets its column shrink, unlike
    # application_form.pdf: the 删除 beside it must still not break between 删 and 除.
    form = page.get_by_test_id("upload-form")
    form.locator("select[name=material]").select_option("risk_assessment")
    form.locator("input[type=file]").set_input_files(
        {"name": "重大危险源辨识与风险评估报告.pdf", "mimeType": "application/pdf", "buffer": samples.pdf("风险评估")})
    form.get_by_role("button", name="上传").click()
    expect(page.get_by_role("link", name="重大危险源辨识与风险评估报告.pdf")).to_be_visible()
    # A returned filing is editable: 删除 beside each file, 补正告知书 in the card and by the heading.
    expect(page.get_by_test_id("remove").first).to_be_visible()
    expect(page.get_by_role("link", name="补正告知书")).to_have_count(2)
    counted = {}
    for viewport, tag in ((DESKTOP, "1366"), (PHONE, "390")):
        page.set_viewport_size(viewport)
        for path in ("/dashboard", "/filings", url):
            page.goto(path)
            counted[(tag, path)] = assert_buttons_on_one_line(page, f"{path} at {tag}")
        snap(page, tmp_path, f"filing-detail-{tag}")
    assert all(n > 0 for (tag, path), n in counted.items() if path != "/dashboard"), counted
    # The reviewer's toolbar (备案统计, 导出 Excel) beside a heading on a phone.
    logout_and_login(page, "wsq_reviewer")
    page.goto("/filings")
    assert assert_buttons_on_one_line(page, "reviewer /filings at 390") >= 3
    page.set_viewport_size(DESKTOP)
    page.goto(url)
    assert assert_buttons_on_one_line(page, "reviewer filing at 1366") >= 1


def edge_brightness(page, wrap) -> tuple[float, float]:  # noqa: ANN001
    """Median brightness of a 6-px strip just inside the left and right borders of `wrap`
    (a median, so a letter crossing the strip does not count)."""
    img = Image.open(io.BytesIO(wrap.screenshot())).convert("L")
    w, h = img.size
    rows = range(2, h - 2)

    def strip(x0: int) -> float:
        return statistics.median(img.getpixel((x, y)) for x in range(x0, x0 + 6) for y in rows)

    return strip(2), strip(w - 8)


def test_a_table_wider_than_its_box_shows_a_shade_where_columns_hide(page, live_server, tmp_path):  # noqa: ANN001
    page.set_viewport_size(PHONE)
    login(page, "wsq_reviewer")
    page.goto("/filings/overview/unfiled")
    wrap = page.locator(".table-wrap").first
    box = wrap.evaluate("w => ({scrollWidth: w.scrollWidth, clientWidth: w.clientWidth})")
    assert box["scrollWidth"] > box["clientWidth"] + 40, box  # it does scroll sideways
    snap(page, tmp_path, "wide-table-390")
    left, right = edge_brightness(page, wrap)
    assert right < left - 12, f"no shade on the right edge while columns hide there: left {left}, right {right}"
    wrap.evaluate("w => { w.scrollLeft = w.scrollWidth; }")
    left_end, right_end = edge_brightness(page, wrap)
    assert left_end < right_end - 12, f"scrolled to the end: the shade moves left: {left_end}, {right_end}"
    assert right_end > right + 12, (right, right_end)
    # A table that fits has no shade at all.
    page.set_viewport_size(DESKTOP)
    page.goto("/filings")
    fits = page.locator(".table-wrap").first
    assert fits.evaluate("w => w.scrollWidth <= w.clientWidth")
    left, right = edge_brightness(page, fits)
    assert abs(left - right) <= 6, (left, right)


def test_phone_filings_list_reads_as_cards(page, tmp_path):  # noqa: ANN001
    file_plan(page, tmp_path)
    for username in ("wsq_reviewer", "ent1_officer"):
        logout_and_login(page, username)
        page.set_viewport_size(PHONE)
        page.goto("/filings")
        snap(page, tmp_path, f"filings-{username}-390")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "page scrolls sideways"
        table = page.get_by_test_id("filings")
        expect(table.locator("th").first).to_be_hidden()
        wrap = measure(page, ".table-wrap:has([data-testid=filings])")[0]
        assert wrap["scrollWidth"] <= wrap["clientWidth"], wrap
        row = table.locator("tr[data-filing-id]").first
        cells = row.locator("td").evaluate_all("""tds => tds.map(td => {
          const r = td.getBoundingClientRect(), before = getComputedStyle(td, '::before');
          return {label: td.dataset.label, title: td.classList.contains('title'), top: r.top, width: r.width,
                  fontSize: parseFloat(getComputedStyle(td).fontSize), before: before.content,
                  text: td.innerText.trim()};
        })""")
        cells = [c for c in cells if c["width"]]  # an empty cell (no 备案编号 yet) is left out
        assert len(cells) >= 6, cells
        for c in cells:
            assert c["width"] >= 0.6 * PHONE["width"], f"{username}: cell {c['label']} is a narrow column: {c}"
        title = next(c for c in cells if c["title"])
        others = [c for c in cells if not c["title"]]
        assert title["top"] < min(c["top"] for c in others), (title, others)  # first, whatever the column order
        assert title["fontSize"] > max(c["fontSize"] for c in others), (title, others)  # prominent
        assert "乌审旗宏达甲醇" in title["text"]
        for c in others:
            assert c["before"] == f'"{c["label"]}"', f"{username}: cell shows no label: {c}"
        # The same list on a desktop stays a table: one row, header shown.
        page.set_viewport_size(DESKTOP)
        expect(table.locator("th").first).to_be_visible()
        tops = {round(c["top"]) for c in row.locator("td").evaluate_all(
            "tds => tds.map(td => ({top: td.getBoundingClientRect().top}))")}
        assert len(tops) == 1, tops
