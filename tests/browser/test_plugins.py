import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_county_admin_disables_and_reinherits_a_plugin(page):
    login(page, "wsq_admin")
    page.get_by_test_id("navgroup").locator("summary").click()  # 插件 sits in the 管理 menu
    page.get_by_role("link", name="插件", exact=True).click()
    row = page.locator("tr[data-plugin=leadership_reporting]")
    expect(row).to_contain_text("安全生产履职述职")
    expect(row).to_contain_text("已加载")
    expect(row).to_contain_text("已启用")
    expect(row).to_contain_text("继承上级")          # enabled by the city, inherited
    row.get_by_role("button", name="停用").click()
    expect(page.locator(".flash")).to_have_text("已停用")
    row = page.locator("tr[data-plugin=leadership_reporting]")
    expect(row).to_contain_text("未启用")
    expect(row).to_contain_text("本单位设置")
    row.get_by_role("button", name="继承上级").click()
    expect(page.locator("tr[data-plugin=leadership_reporting]")).to_contain_text("已启用")


def test_enterprise_users_have_no_plugins_page(page):
    login(page, "ent1_officer")
    # Not in the menu at all, not merely in a closed group.
    expect(page.get_by_role("link", name="插件", exact=True, include_hidden=True)).to_have_count(0)
    assert page.goto("/plugins").status == 403
