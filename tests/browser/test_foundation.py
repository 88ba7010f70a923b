import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def test_reviewer_logs_in_sees_dashboard_and_enterprises_then_logs_out(page):
    login(page, "wsq_reviewer")
    expect(page.locator("h1")).to_contain_text("乌审旗应急管理局 · 工作台")
    expect(page.get_by_test_id("enterprise-count")).to_have_text("5")
    page.get_by_role("link", name="企业", exact=True).click()
    table = page.get_by_test_id("enterprise-list")
    expect(table).to_contain_text("乌审旗宏达甲醇有限责任公司")
    expect(table).to_contain_text("统一社会信用代码")
    expect(table).not_to_contain_text("伊金霍洛旗")
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator(".flash")).to_contain_text("您已安全退出")
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/login"))


def test_enterprise_officer_cannot_reach_a_sibling_enterprise(page, live_server):
    from sqlalchemy import select

    from core.context import ServiceContext
    from tenants.models import Tenant
    with live_server.app.extensions["anjian.db"].session() as s:
        ServiceContext.system(s)
        ent2 = s.scalar(select(Tenant).where(Tenant.uscc == "91150626MA0N3B7Q1R"))
    login(page, "ent1_officer")
    expect(page.locator("h1")).to_contain_text("乌审旗宏达甲醇有限责任公司")
    for path in (f"/tenants/{ent2.id}", f"/tenants/{ent2.id}/edit"):
        response = page.goto(path)
        assert response.status == 404
        expect(page.locator("body")).to_contain_text("不存在或无权访问")
        expect(page.locator("body")).not_to_contain_text("苏力格")


def test_wrong_password_shows_chinese_message(page):
    page.goto("/login")
    page.fill("#username", "wsq_reviewer")
    page.fill("#password", "wrong-password")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误")
