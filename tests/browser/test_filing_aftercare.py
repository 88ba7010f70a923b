"""After filing, in Chromium: a revision trigger that needs re-filing → a new version filed →
the old one superseded (page and certificate); an evaluation moving the next due date; an
on-site drill seen by the county bureau but not by another enterprise; a bureau's number
format, supervision counts, lists and xlsx export."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from core.calendar.service import beijing_today
from tests.browser.helpers import (
    ONSITE,
    TITLE,
    accept,
    file_plan,
    filed_plan,
    logout_and_login,
    shot,
    status_of,
)
from tests.files import samples

pytestmark = pytest.mark.browser


def years_later(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def test_refiling_supersedes_the_old_version(page, tmp_path):  # noqa: ANN001
    old_url, old_no = filed_plan(page, tmp_path)
    expect(page.locator("[data-testid=revision-needed]")).to_have_count(0)

    # 第三十六条: the command structure changed, touching 组织指挥体系与职责 → re-filing required.
    form = page.locator("[data-testid=trigger-form]")
    form.get_by_label("修订情形").select_option(label="应急指挥机构及其职责发生调整")
    form.get_by_label("发生日期").fill(beijing_today().isoformat())
    form.get_by_label("情况说明").fill("公司应急指挥部总指挥调整为新任总经理")
    form.get_by_label("组织指挥体系与职责").check()
    form.get_by_role("button", name="登记修订情形").click()
    expect(page.locator("[data-testid=revision-needed]")).to_have_text("需修订")
    trigger = page.locator("[data-testid=trigger]")
    expect(trigger).to_have_count(1)
    expect(trigger).to_contain_text("应急指挥机构及其职责发生调整")
    expect(trigger).to_contain_text("须重新备案")
    expect(page.locator("[data-testid=refiling-required]")).to_be_visible()

    # 第三十七条: a new version, starting from a copy of the filed materials.
    revision = page.locator("[data-testid=revision-form]")
    revision.get_by_label("修订后预案公布日期").fill(beijing_today().isoformat())
    revision.get_by_role("button", name="创建修订版本备案").click()
    expect(status_of(page)).to_have_text("草稿")
    new_url = page.url
    assert new_url != old_url
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator("[data-testid=completeness]")).to_have_text("已上传 6 / 6")
    expect(page.locator("tr[data-material=onsite_plans]")).to_contain_text(ONSITE)
    page.locator("form[data-action=submit]").get_by_role("button").click()
    expect(status_of(page)).to_have_text("待审查")

    new_no = accept(page, new_url)
    assert new_no != old_no

    logout_and_login(page, "ent1_officer")
    page.goto(old_url)
    note = page.locator("[data-testid=superseded-note]")
    expect(note).to_contain_text("本备案已被新版本替代")
    expect(status_of(page)).to_have_text("已被新版本替代")
    expect(page.locator("[data-testid=revision-needed]")).to_have_count(0)
    expect(page.locator("[data-testid=resolution]")).to_contain_text(f"已重新备案：{new_no}")
    versions = page.locator("[data-testid=version]")
    expect(versions).to_have_count(2)
    expect(versions.nth(0)).to_contain_text(old_no)
    expect(versions.nth(1)).to_contain_text(new_no)
    # Nothing more can be recorded against a superseded filing.
    expect(page.locator("[data-testid=trigger-form]")).to_have_count(0)
    expect(page.locator("[data-testid=evaluation-form]")).to_have_count(0)
    shot(page, "superseded-filing")

    # Its certificate says it is no longer valid and points to the new one.
    page.get_by_role("link", name="备案登记表").click()
    expect(page.locator("[data-testid=certificate-no]")).to_have_text(old_no)
    expect(page.locator("[data-testid=superseded]")).to_contain_text(
        f"本登记表已失效：该预案已重新备案，新备案编号 {new_no}")
    page.get_by_role("link", name="查看新备案登记表").click()
    expect(page.locator("[data-testid=certificate-no]")).to_have_text(new_no)
    expect(page.locator("[data-testid=superseded]")).to_have_count(0)

    page.goto(old_url)
    note.get_by_role("link", name=new_no).click()
    expect(page).to_have_url(new_url)
    expect(status_of(page)).to_have_text("已备案")


def test_evaluation_moves_the_next_due_date(page, tmp_path):  # noqa: ANN001
    published = beijing_today() - timedelta(days=10)
    url, _ = filed_plan(page, tmp_path, published_on=published)
    due = page.locator("[data-testid=evaluation-due]")
    # A hazardous-chemical producer evaluates every three years from publication.
    expect(due).to_have_text(years_later(published, 3).isoformat())
    expect(page.locator("[data-testid=evaluations]")).to_contain_text("暂无评估记录")

    evaluated = beijing_today() - timedelta(days=1)
    report = tmp_path / "应急预案评估报告.pdf"
    report.write_bytes(samples.pdf("evaluation report"))
    form = page.locator("[data-testid=evaluation-form]")
    form.get_by_label("评估日期").fill(evaluated.isoformat())
    form.get_by_label("评估结论").select_option(label="预案仍然适用，无需修订")
    form.get_by_label("评估情况").fill("经评估，预案内容仍然适用，应急资源满足要求。")
    form.get_by_label("评估报告").set_input_files(str(report))
    form.get_by_role("button", name="登记评估").click()

    row = page.locator("[data-testid=evaluation]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(evaluated.isoformat())
    expect(row).to_contain_text("预案仍然适用，无需修订")
    expect(row.get_by_role("link", name="应急预案评估报告.pdf")).to_be_visible()
    expect(due).to_have_text(years_later(evaluated, 3).isoformat())
    expect(page.locator("[data-testid=revision-needed]")).to_have_count(0)


def test_onsite_drill_is_seen_by_the_county_bureau_only(page, tmp_path):  # noqa: ANN001
    filed_plan(page, tmp_path)
    page.get_by_role("link", name="应急演练", exact=True).click()
    obligation = page.locator("[data-testid=obligation]").filter(has_text=ONSITE)
    expect(obligation).to_contain_text("每半年至少一次")
    expect(obligation).to_contain_text("未演练")
    expect(page.locator("[data-testid=overdue-obligation]")).to_have_count(0)
    expect(page.locator("[data-testid=drills]")).to_contain_text("暂无演练记录")

    today = beijing_today().isoformat()
    report = tmp_path / "演练评估报告.pdf"
    report.write_bytes(samples.pdf("drill report"))
    form = page.locator("[data-testid=drill-form]")
    form.get_by_label("演练类型").select_option(label="现场处置方案演练")
    form.get_by_label("演练日期").fill(today)
    # The filed on-site plans are offered by name.
    expect(form).to_contain_text(f"现场处置方案演练须填写已备案的现场处置方案名称：{ONSITE}")
    expect(page.locator(f"[data-testid=onsite-plans] option[value='{ONSITE}']")).to_have_count(1)
    form.get_by_label("演练的预案").fill(ONSITE)
    form.get_by_label("演练情景").fill("甲醇储罐呼吸阀泄漏，现场人员处置并疏散")
    form.get_by_label("参演人数").fill("32")
    form.get_by_label("参演单位").fill("乌审旗消防救援大队")
    form.get_by_label("演练评估报告").set_input_files(str(report))
    form.get_by_role("button", name="登记演练").click()

    drill = page.locator("[data-testid=drill]")
    expect(drill).to_have_count(1)
    expect(drill).to_contain_text("现场处置方案演练")
    expect(drill).to_contain_text(ONSITE)
    expect(drill.get_by_role("link", name="演练评估报告.pdf")).to_be_visible()
    expect(obligation).to_contain_text(today)
    expect(obligation).not_to_contain_text("未演练")
    shot(page, "drills-enterprise")

    logout_and_login(page, "wsq_reviewer")
    page.get_by_role("link", name="应急演练", exact=True).click()
    drill = page.locator("[data-testid=drill]")
    expect(drill).to_have_count(1)
    expect(drill).to_contain_text("乌审旗宏达甲醇")
    expect(drill).to_contain_text(ONSITE)
    expect(page.locator("[data-testid=drill-form]")).to_have_count(0)
    expect(page.locator("[data-testid=overdue-enterprises]")).to_contain_text("暂无演练逾期的企业")
    shot(page, "drills-bureau")

    logout_and_login(page, "ent2_officer")
    page.get_by_role("link", name="应急演练", exact=True).click()
    expect(page.locator("[data-testid=drill]")).to_have_count(0)
    expect(page.locator("[data-testid=drills]")).to_contain_text("暂无演练记录")
    expect(page.locator("[data-testid=no-filing-in-force]")).to_be_visible()


def test_bureau_number_format_overview_and_export(page, tmp_path):  # noqa: ANN001
    logout_and_login(page, "wsq_admin")
    page.get_by_role("link", name="预案备案", exact=True).click()
    page.get_by_role("link", name="备案设置").click()
    year = beijing_today().year  # the sample is this year's 12th number of the bureau
    expect(page.locator("[data-testid=sample]")).to_have_text(f"乌应急备〔{year}〕第012号")
    page.get_by_label("编号格式").fill("{short}预备〔{year}〕{seq:02d}号")
    page.get_by_role("button", name="保存设置").click()
    expect(page.locator(".flash")).to_contain_text("备案设置已保存")
    expect(page.get_by_label("编号格式")).to_have_value("{short}预备〔{year}〕{seq:02d}号")
    expect(page.locator("[data-testid=sample]")).to_have_text(f"乌应急预备〔{year}〕12号")
    shot(page, "settings")

    url = file_plan(page, tmp_path)
    number = accept(page, url)
    assert number == f"乌应急预备〔{year}〕01号"

    page.get_by_role("link", name="备案统计", exact=True).click()
    expect(page.locator("h1")).to_have_text("备案统计")
    for name in ("overdue", "deemed", "evaluations", "unfiled", "drills"):
        expect(page.locator(f"[data-testid=count-{name}]")).to_have_text(re.compile(r"^\d+$"))
    expect(page.locator("[data-testid=count-overdue]")).to_have_text("0")
    expect(page.locator("[data-testid=by-status] [data-status=accepted]")).to_have_text("1")
    expect(page.locator("[data-testid=by-bureau]")).to_contain_text("乌审旗应急管理局")
    unfiled = int(page.locator("[data-testid=count-unfiled]").inner_text())
    assert unfiled >= 1  # ent2 has filed nothing
    shot(page, "overview")

    # The figure opens its list, which holds as many rows; the export holds the same rows.
    page.locator("a[data-list=unfiled]").click()
    expect(page.locator("h1")).to_have_text("没有有效备案的企业")
    table = page.locator("[data-testid=overview-table]")
    expect(page.locator("[data-testid=row-count]")).to_have_text(f"共 {unfiled} 条")
    expect(table).to_contain_text("苏力格")
    expect(table).not_to_contain_text("宏达甲醇")
    with page.expect_download() as info:
        page.get_by_role("link", name="导出 Excel（xlsx）").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    assert download.suggested_filename.startswith("没有有效备案的企业")
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"PK")
    with zipfile.ZipFile(io.BytesIO(content)) as xlsx:
        strings = xlsx.read("xl/sharedStrings.xml").decode()
    assert "苏力格" in strings and "宏达甲醇" not in strings

    # The accepted filing, with its number, in the filings list behind 按状态.
    page.get_by_role("main").get_by_role("link", name="备案统计").click()
    page.locator("[data-testid=by-status]").get_by_role("link", name="已备案", exact=True).click()
    expect(page.locator("[data-testid=row-count]")).to_have_text("共 1 条")
    expect(page.locator("[data-testid=overview-table]")).to_contain_text(number)
