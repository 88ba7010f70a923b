"""专项整治 in Chromium: the city launches and publishes the 警示月 from the plugin's template,
乌审旗 adopts it (转发落实) and publishes it to its enterprises; 宏达 fills in its 警示教育 with
photos and one 个人剖析材料 per employee and submits it; the reviewer returns it with a comment,
the enterprise resubmits and the reviewer accepts it, and the matrix shows it done; the
section inspects 宏达 on a phone, its two findings land in the enterprise's hazard ledger;
another county never sees the campaign. And the task and inspection pages fit a phone."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from core.auth.models import User
from core.campaigns import service
from core.context import ServiceContext
from tests.browser.conftest import login
from tests.browser.helpers import logout_and_login, shot
from tests.files import samples

pytestmark = pytest.mark.browser

TEMPLATE = "hazchem_warning_month.warning_month"
VERSION = "2024.1.0"
TITLE = "危险化学品生产安全事故警示月安全专项整治"
CITY_DOC = "鄂安办发〔2024〕67号"
COUNTY_DOC = "乌应急发〔2024〕56号"
ENT1 = "乌审旗宏达甲醇有限责任公司"
PHONE = {"width": 390, "height": 844}
# 警示教育's required fields as the enterprise fills them in (plugin template, item warning_education).
EDUCATION = {"briefing_date": "2024-09-10", "attendance": "2",
             "cases": "观看“9·7”事故警示教育片，宣讲2016年以来全市危险化学品生产安全事故案例",
             "group_discussion": "分组研讨：事故直接原因为违章动火作业，汲取教训，完善特殊作业票证管理"}
FINDINGS = [
    {"description": "甲醇罐区围堰破损", "location": "甲醇罐区", "measures": "修补围堰并做防渗处理",
     "owner": "王五", "due_on": "2099-10-10"},
    {"description": "动火作业票证未按规定审批", "location": "合成车间", "measures": "重新培训作业审批人员，严格审批",
     "owner": "赵六", "due_on": "2099-10-20"},
]


def as_service(live_server, username: str, step):  # noqa: ANN001, ANN201
    """Run `step(ctx)` as `username` through the services of the served app, committed (the
    setup of the tests that are not about launching)."""
    with live_server.app.app_context(), live_server.app.extensions["anjian.db"].session() as s:
        ServiceContext.system(s)
        ctx = ServiceContext.for_user(s, s.scalar(select(User).where(User.username == username)))
        out = step(ctx)
        s.commit()
        return out


def launched(live_server, username: str, data: dict) -> int:  # noqa: ANN001
    """A campaign launched and published by `username`'s bureau, by the services; its id."""
    def run(ctx: ServiceContext) -> int:
        campaign = service.launch_campaign(ctx, {"starts_on": "2024-09-01", **data})
        service.publish_campaign(ctx, campaign.id, campaign.version)
        return campaign.id
    return as_service(live_server, username, run)


def city_and_county(live_server) -> tuple[int, int]:  # noqa: ANN001
    """The city's 警示月 and 乌审旗's adoption of it, both published: (city id, county id)."""
    city = launched(live_server, "city_admin", {"template_id": TEMPLATE, "doc_no": CITY_DOC})
    return city, launched(live_server, "wsq_admin", {"adopt_from": city, "doc_no": COUNTY_DOC})


def new_phone_page(browser, live_server) -> Page:  # noqa: ANN001
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=PHONE,
                                  is_mobile=True, has_touch=True)
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    return pg


def path_of(url: str) -> str:
    return urlsplit(url).path


def flash(page: Page):  # noqa: ANN201
    return page.locator(".flash").first


def campaign_card(page: Page):  # noqa: ANN201
    return page.get_by_test_id("campaign")


def task_status(page: Page):  # noqa: ANN201
    return page.get_by_test_id("task").get_by_test_id("task-status")


def matrix_cell(page: Page, enterprise: str, item: str):  # noqa: ANN201
    return page.locator(f"[data-testid=matrix] tr[data-enterprise='{enterprise}'] td[data-item={item}]")


def launch_from_template(page: Page, doc_no: str, starts_on: str = "2024-09-01") -> str:
    """As a bureau admin: 启动专项整治 from the plugin's template, save the draft, publish it.
    Returns the campaign page's path."""
    page.goto("/campaigns")
    page.get_by_test_id("launch").click()
    expect(page.locator("h1")).to_have_text("启动专项整治")
    form = page.get_by_test_id("launch-form")
    form.get_by_label("模板").select_option(f"{TEMPLATE}@{VERSION}")
    form.get_by_label("开始日期").fill(starts_on)
    form.get_by_label("文号").fill(doc_no)
    form.get_by_test_id("launch-submit").click()
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(flash(page)).to_contain_text("请核对日期和负责股室后发布")
    expect(campaign_card(page)).to_have_attribute("data-status", "draft")
    expect(page.get_by_test_id("doc-no")).to_have_text(doc_no)
    expect(page.get_by_test_id("template-version")).to_have_text(VERSION)
    url = path_of(page.url)
    page.get_by_test_id("publish").click()
    expect(flash(page)).to_have_text("专项整治已发布")
    expect(campaign_card(page)).to_have_attribute("data-status", "published")
    assert path_of(page.url) == url
    return url


def set_headcount(page: Page, enterprise: str, headcount: int) -> None:
    """As the county admin: 从业人员数 on the enterprise's 修改企业信息 page."""
    page.goto("/enterprises")
    page.get_by_role("link", name=enterprise, exact=True).click()
    page.get_by_role("link", name="修改", exact=True).click()
    expect(page.locator("h1")).to_have_text("修改企业信息")
    page.get_by_label("从业人员数").fill(str(headcount))
    page.get_by_role("button", name="保存").click()
    expect(page.locator("h1")).to_have_text(enterprise)
    expect(page.locator("dt:text-is('从业人员数') + dd")).to_have_text(str(headcount))


def open_my_task(page: Page, item: str) -> None:
    """As an enterprise user: the campaign from /campaigns, then the task of `item` from
    本企业的工作 on the campaign's page (its county's version, adopted from the city's)."""
    page.goto("/campaigns")
    page.get_by_test_id("campaigns").get_by_role("link", name=TITLE).click()
    row = page.get_by_test_id("my-tasks").locator(f"tr[data-item={item}]")
    expect(row).to_have_count(1)
    row.get_by_role("link").click()
    expect(page.get_by_test_id("task")).to_be_visible()


def open_matrix_task(page: Page, campaign_url: str, item: str, enterprise: str = ENT1) -> None:
    """As the bureau: the campaign page, then the matrix cell of `enterprise` × `item`."""
    page.goto(campaign_url)
    matrix_cell(page, enterprise, item).get_by_role("link").click()
    expect(page.get_by_test_id("task")).to_contain_text(enterprise)


def upload(page: Page, field: str, paths: list[Path]) -> None:
    """Upload files to a task's file field and wait for the list to show them."""
    card = page.get_by_test_id(f"files-{field}")
    before = card.get_by_test_id("file").count()
    form = page.get_by_test_id(f"upload-{field}")
    form.locator("input[type=file]").set_input_files([str(p) for p in paths])
    form.get_by_role("button", name="上传").click()
    expect(flash(page)).to_have_text(f"已上传 {len(paths)} 个文件")
    expect(card.get_by_test_id("file")).to_have_count(before + len(paths))
    for p in paths:
        expect(card.get_by_role("link", name=p.name)).to_be_visible()


def fill_education(page: Page) -> None:
    form = page.get_by_test_id("task-form")
    for fid, value in EDUCATION.items():
        form.locator(f"[name='f:{fid}']").fill(value)


def test_city_to_county_to_enterprise_review_and_phone_inspection(page, browser, live_server, tmp_path):  # noqa: ANN001
    # 1. The city launches the 警示月 from the plugin's template and publishes it.
    login(page, "city_admin")
    city_url = launch_from_template(page, CITY_DOC)
    expect(page.get_by_test_id("window")).to_have_text("2024-09-01 — 2024-10-15")
    expect(page.get_by_test_id("adopt")).to_have_count(0)       # the city's own: nothing to adopt
    shot(page, "campaign-city")

    # 2. 乌审旗 opens the city's campaign from its list and adopts it (转发落实).
    logout_and_login(page, "wsq_admin")
    page.goto("/campaigns")
    city_row = page.get_by_test_id("campaign-row").filter(has_text=CITY_DOC)
    expect(city_row).to_have_count(1)
    city_row.get_by_role("link", name=TITLE).click()
    expect(page.get_by_test_id("doc-no")).to_have_text(CITY_DOC)
    page.get_by_test_id("adopt").click()
    expect(page.locator("h1")).to_have_text("转发落实上级专项整治")
    expect(page.get_by_test_id("parent-window")).to_have_text("2024-09-01 — 2024-10-15")
    form = page.get_by_test_id("launch-form")
    form.get_by_label("开始日期").fill("2024-09-01")
    form.get_by_label("文号").fill(COUNTY_DOC)
    form.get_by_test_id("launch-submit").click()
    expect(campaign_card(page)).to_have_attribute("data-status", "draft")
    expect(page.get_by_test_id("doc-no")).to_have_text(COUNTY_DOC)
    expect(campaign_card(page)).to_contain_text(CITY_DOC)           # 转发 the city's
    county_url = path_of(page.url)
    assert county_url != city_url
    page.get_by_test_id("publish").click()
    expect(flash(page)).to_have_text("专项整治已发布")
    expect(campaign_card(page)).to_have_attribute("data-status", "published")
    expect(matrix_cell(page, ENT1, "warning_education")).to_have_attribute("data-status", "assigned")
    # The city's page now links to the county's adoption instead of offering it again.
    page.goto(city_url)
    expect(page.get_by_test_id("adopt")).to_have_count(0)
    expect(page.get_by_test_id("adopted")).to_have_attribute("href", county_url)

    # 3. 宏达 has two employees: two 个人剖析材料 are due.
    set_headcount(page, ENT1, 2)
    logout_and_login(page, "ent1_officer")
    page.goto("/campaigns")
    listed = page.get_by_test_id("campaigns").get_by_test_id("campaign-row")
    expect(listed).to_have_count(1)                                # the county's, never the city's
    expect(listed).to_contain_text(COUNTY_DOC)
    open_my_task(page, "warning_education")
    expect(page.locator("h1")).to_have_text("生产安全事故警示教育")
    expect(task_status(page)).to_have_attribute("data-status", "assigned")
    expect(page.get_by_test_id("employee-count")).to_have_text("已上传 0 份 / 从业人员数 2 人")
    task_url = path_of(page.url)
    fill_education(page)
    page.get_by_test_id("save").click()
    expect(flash(page)).to_have_text("已保存")
    expect(task_status(page)).to_have_attribute("data-status", "in_progress")
    photo = tmp_path / "集中宣讲现场.png"
    photo.write_bytes(samples.png(8, 6))
    upload(page, "photos", [photo])
    analyses = []
    for name in ("张三个人剖析材料", "李四个人剖析材料"):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(samples.pdf(name))
        analyses.append(path)
    upload(page, "self_analyses", analyses)                       # one <input multiple>, two files
    expect(page.get_by_test_id("employee-count")).to_have_text("已上传 2 份 / 从业人员数 2 人")
    # What was saved before the uploads is still there.
    form = page.get_by_test_id("task-form")
    for fid, value in EDUCATION.items():
        expect(form.locator(f"[name='f:{fid}']")).to_have_value(value)
    form.get_by_test_id("submit").click()
    expect(flash(page)).to_have_text("已提交")
    expect(task_status(page)).to_have_attribute("data-status", "submitted")
    expect(page.get_by_test_id("task-form")).to_have_count(0)      # read-only once handed in
    expect(page.get_by_test_id("task-data")).to_contain_text(EDUCATION["group_discussion"])
    shot(page, "task-submitted")

    # 4. The reviewer returns it with a comment from the matrix …
    logout_and_login(page, "wsq_reviewer")
    open_matrix_task(page, county_url, "warning_education")
    assert path_of(page.url) == task_url
    expect(task_status(page)).to_have_attribute("data-status", "submitted")
    expect(page.get_by_test_id("files-self_analyses").get_by_test_id("file")).to_have_count(2)
    comment = "现场照片未体现分组研讨，请补充分组研讨照片"
    review = page.get_by_test_id("review-form")
    review.get_by_label("审核意见").fill(comment)
    review.get_by_test_id("return").click()
    expect(flash(page)).to_have_text("已退回企业修改")
    expect(task_status(page)).to_have_attribute("data-status", "returned")
    # … the enterprise reads it and resubmits …
    logout_and_login(page, "ent1_officer")
    page.goto(task_url)
    expect(page.get_by_test_id("comment")).to_have_text(comment)
    expect(page.locator("dt:text-is('退回意见')")).to_be_visible()
    extra = tmp_path / "分组研讨现场.png"
    extra.write_bytes(samples.png(8, 6, seed=9))
    upload(page, "photos", [extra])
    page.get_by_test_id("submit").click()
    expect(task_status(page)).to_have_attribute("data-status", "submitted")
    # … and the reviewer accepts it: the matrix shows the cell done.
    logout_and_login(page, "wsq_reviewer")
    open_matrix_task(page, county_url, "warning_education")
    expect(page.get_by_test_id("files-photos").get_by_test_id("file")).to_have_count(2)
    page.get_by_test_id("review-form").get_by_label("审核意见").fill("材料齐全，同意")
    page.get_by_test_id("accept").click()
    expect(flash(page)).to_have_text("已审核通过")
    expect(task_status(page)).to_have_attribute("data-status", "accepted")
    expect(page.get_by_test_id("comment")).to_have_text("材料齐全，同意")
    page.goto(county_url)
    cell = matrix_cell(page, ENT1, "warning_education")
    expect(cell).to_have_attribute("data-status", "accepted")
    expect(cell).to_contain_text("已完成")
    shot(page, "matrix")

    # 5. On a phone, the section inspects 宏达 on site.
    phone = new_phone_page(browser, live_server)
    try:
        login(phone, "wsq_reviewer")
        open_matrix_task(phone, county_url, "inspection")
        expect(phone.locator("h1")).to_have_text("督查检查")
        inspection_task_url = path_of(phone.url)
        phone.get_by_test_id("start-inspection").click()
        expect(phone.locator("h1")).to_have_text(f"督查检查 · {ENT1}")
        inspection_url = path_of(phone.url)
        form = phone.get_by_test_id("inspection-form")
        expect(form).to_have_attribute("data-status", "draft")
        checks = form.locator("fieldset.check-item")
        form.get_by_label("检查人员").fill("张检查、李督查")
        expect(checks).to_have_count(12)          # the 安全专项检查's four checklists: 5 + 3 + 3 + 1
        for n in range(checks.count()):
            item = checks.nth(n)
            yes = item.locator("label").filter(has_text="是").first
            labels = item.locator(".touch label")
            for k in range(labels.count()):
                box = labels.nth(k).bounding_box()
                assert box["height"] >= 44, (n, labels.nth(k).inner_text(), box)
            yes.click()                            # a tap on the label, not the small radio
            expect(item.locator("input[value=yes]")).to_be_checked()
        for n, finding in enumerate(FINDINGS):
            box = form.locator(f"fieldset[data-finding='{n}']")
            box.get_by_label("问题描述").fill(finding["description"])
            box.get_by_label("部位").fill(finding["location"])
            box.get_by_label("整改措施").fill(finding["measures"])
            box.get_by_label("整改责任人").fill(finding["owner"])
            box.get_by_label("整改期限").fill(finding["due_on"])
        form.get_by_test_id("save-inspection").click()
        expect(flash(phone)).to_have_text("检查记录已保存")
        for n, finding in enumerate(FINDINGS):
            expect(phone.locator(f"fieldset[data-finding='{n}']").get_by_label("问题描述")).to_have_value(
                finding["description"])
        expect(phone.locator("fieldset.check-item input[value=yes]:checked")).to_have_count(12)
        expect(phone.get_by_label("检查人员")).to_have_value("张检查、李督查")
        # A photo of finding 1 from the camera form.
        site = tmp_path / "围堰破损.png"
        site.write_bytes(samples.png(16, 12, seed=3))
        photo_form = phone.get_by_test_id("photo-0")
        expect(photo_form.locator("input[type=file]")).to_have_attribute("capture", "environment")
        photo_form.locator("input[type=file]").set_input_files(str(site))
        photo_form.get_by_role("button", name="上传照片").click()
        expect(flash(phone)).to_have_text("照片已上传")
        thumb = phone.locator("fieldset[data-finding='0'] img.thumb")
        expect(thumb).to_have_count(1)
        thumb.scroll_into_view_if_needed()                        # loading="lazy"
        phone.wait_for_function("img => img.complete && img.naturalWidth === 16", arg=thumb.element_handle())
        expect(phone.locator("fieldset[data-finding='1'] img.thumb")).to_have_count(0)
        shot(phone, "inspection-phone")
        complete = phone.get_by_test_id("complete-inspection")
        assert complete.bounding_box()["height"] >= 44
        complete.click()
        expect(flash(phone)).to_have_text("检查已完成，发现的问题已记入企业的问题台账")
        assert path_of(phone.url) == inspection_task_url
        expect(task_status(phone)).to_have_attribute("data-status", "accepted")
        expect(phone.get_by_test_id("inspections")).to_contain_text("发现问题 2 条")
        rows = phone.get_by_test_id("problems").get_by_test_id("problem-row")
        expect(rows).to_have_count(2)
        for finding in FINDINGS:
            expect(rows.filter(has_text=finding["description"])).to_have_count(1)
        expect(phone.get_by_test_id("start-inspection")).to_have_count(0)
    finally:
        phone.context.close()

    # … and the enterprise finds both findings in its hazard ledger, filtered by the campaign.
    county_id = county_url.rsplit("/", 1)[1]
    logout_and_login(page, "ent1_officer")
    page.goto(f"/ledgers/hazards?campaign={county_id}")
    hazards = page.get_by_test_id("hazards").locator("tr[data-code]")
    expect(hazards).to_have_count(2)
    for finding in FINDINGS:
        row = hazards.filter(has_text=finding["description"])
        expect(row).to_have_count(1)
        expect(row).to_contain_text(finding["owner"])
        expect(row).to_contain_text(finding["due_on"])

    # 6. Another county never sees 乌审旗's campaign, its tasks or its inspection.
    logout_and_login(page, "yjhl_admin")
    assert page.goto(county_url).status == 404
    assert page.goto(task_url).status == 404
    assert page.goto(inspection_task_url).status == 404
    assert page.goto(inspection_url).status == 404
    page.goto("/campaigns")
    expect(page.get_by_test_id("campaigns")).not_to_contain_text(COUNTY_DOC)


def test_the_task_and_inspection_pages_fit_a_phone(browser, live_server):  # noqa: ANN001
    _city, county = city_and_county(live_server)
    county_url = f"/campaigns/{county}"
    phone = new_phone_page(browser, live_server)

    def fits(what: str) -> None:
        width = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[1] == PHONE["width"], width
        assert width[0] <= width[1], (what, phone.url, width)      # nothing scrolls sideways

    try:
        login(phone, "ent1_officer")
        for item in ("warning_education", "special_check", "law_study"):
            open_my_task(phone, item)
            expect(phone.get_by_test_id("task-form")).to_be_visible()
            fits(item)
            shot(phone, f"task-phone-{item}")
        logout_and_login(phone, "wsq_reviewer")
        open_matrix_task(phone, county_url, "inspection")
        fits("inspection task")
        phone.get_by_test_id("start-inspection").click()
        expect(phone.get_by_test_id("inspection-form")).to_be_visible()
        fits("inspection")
        box = phone.get_by_test_id("inspection-form").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        for field in phone.locator("fieldset.finding").first.locator("input, textarea").all():
            b = field.bounding_box()
            assert b["x"] >= 0 and b["x"] + b["width"] <= PHONE["width"], (field.get_attribute("name"), b)
            assert b["height"] >= 44, (field.get_attribute("name"), b)
        # With a finding saved, the camera form for its photo appears: still no sideways scroll.
        finding = phone.locator("fieldset[data-finding='0']")
        for key, value in FINDINGS[0].items():
            finding.locator(f"[name='finding:0:{key}']").fill(value)
        phone.get_by_test_id("save-inspection").click()
        expect(phone.get_by_test_id("photo-0")).to_be_visible()
        fits("inspection with a finding")
        shot(phone, "inspection-phone-finding")
    finally:
        phone.context.close()


def test_an_enterprise_opens_its_adopted_campaign(page, live_server):  # noqa: ANN001
    _city, county = city_and_county(live_server)
    login(page, "ent1_officer")
    page.goto("/campaigns")
    page.get_by_test_id("campaigns").get_by_role("link", name=TITLE).click()
    assert path_of(page.url) == f"/campaigns/{county}"
    expect(page.locator("h1")).to_have_text(TITLE, timeout=1000)
    expect(page.get_by_test_id("my-tasks").locator("tr[data-item=warning_education]")).to_have_count(1)


def test_the_launching_bureau_is_named_below_it(page, live_server):  # noqa: ANN001
    city, _county = city_and_county(live_server)
    login(page, "wsq_admin")
    page.goto("/campaigns")
    row = page.locator(f"[data-testid=campaign-row][data-id='{city}']")
    expect(row.locator("td").nth(2)).to_have_text("鄂尔多斯市应急管理局", timeout=1000)
    page.goto(f"/campaigns/{city}")
    expect(page.locator("dt:text-is('启动单位') + dd")).to_have_text("鄂尔多斯市应急管理局", timeout=1000)
