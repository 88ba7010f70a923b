"""Pages after filing: evaluations, revision triggers and re-filing on the filing page, and the
drills page — errors shown on the page with nothing stored, bureau read-only, isolation."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.calendar.service import beijing_today
from core.filings.models import Drill, Filing, FilingEvaluation, RevisionTrigger
from tests.files import samples
from tests.filings.conftest import ONSITE, draft, filed_plan, tenant_id


@pytest.fixture
def filed(ctx_for, store) -> int:  # noqa: ANN001
    return filed_plan(ctx_for, store)


def count(db, model) -> int:  # noqa: ANN001
    db.expire_all()
    return db.scalar(select(func.count(model.id)))


def evaluate(browser, fid: int, data: bytes | None = None, filename: str = "评估报告.pdf", **form):  # noqa: ANN001
    fields = {"csrf_token": browser.csrf, "evaluated_on": beijing_today().isoformat(), "conclusion": "keep",
              "summary": "经评估，预案内容仍然适用。", **form}
    if data is not False:
        fields["file"] = (io.BytesIO(samples.pdf("评估报告") if data is None else data), filename)
    return browser.post(f"/filings/{fid}/evaluations", data=fields, content_type="multipart/form-data")


def add_trigger(browser, fid: int, **form):  # noqa: ANN001
    return browser.post(f"/filings/{fid}/triggers", data={
        "csrf_token": browser.csrf, "trigger": "resources_changed", "occurred_on": beijing_today().isoformat(),
        "description": "新增一台泡沫消防车", **form})


def drill(browser, data: bytes | None = None, **form):  # noqa: ANN001
    return browser.post("/drills", content_type="multipart/form-data", data={
        "csrf_token": browser.csrf, "kind": "onsite", "held_on": beijing_today().isoformat(), "plan_name": ONSITE[0],
        "scenario": "甲醇储罐呼吸阀泄漏", "participants": "32", "participant_units": "乌审旗消防救援大队",
        "file": (io.BytesIO(samples.pdf("演练评估报告") if data is None else data), "演练评估报告.pdf"), **form})


def test_evaluation_by_page(app, as_user, db, filed) -> None:  # noqa: ANN001
    ent1 = as_user("ent1_officer")
    page = ent1.get(f"/filings/{filed}").text
    assert 'data-testid="evaluations"' in page and 'data-testid="evaluation-form"' in page
    assert 'data-testid="evaluation-due">' in page and "2029-03-02" in page and "暂无评估记录" in page
    assert 'data-testid="revision-needed"' not in page and 'data-testid="versions"' not in page
    assert "结论为需要修订时选择" in page and 'data-testid="refiling-hint"' in page and "第三十七条" in page

    before = samples.rows(db)
    r = evaluate(ent1, filed, conclusion="maybe", summary="仍然适用")
    assert r.status_code == 422 and "评估结论应为“预案仍然适用”或“需要修订预案”" in r.text
    assert "仍然适用</textarea>" in r.text  # the form keeps what was typed
    r = evaluate(ent1, filed, samples.EXE, "评估报告.pdf")
    assert r.status_code == 422 and 'data-testid="error"' in r.text
    r = evaluate(ent1, filed, data=False)
    assert r.status_code == 422 and "请选择要上传的文件" in r.text
    r = evaluate(ent1, filed, evaluated_on="2026-02-01")
    assert r.status_code == 422 and "评估日期不能早于预案公布日期 2026-03-02" in r.text
    r = evaluate(ent1, filed, conclusion="revise")
    assert r.status_code == 422 and "评估结论为需要修订时，须选择修订情形" in r.text
    r = ent1.post(f"/filings/{filed}/evaluations", content_type="multipart/form-data",
                  data={"evaluated_on": "2026-06-01", "conclusion": "keep", "summary": "x",
                        "file": (io.BytesIO(samples.pdf()), "a.pdf")})
    assert r.status_code == 400  # no CSRF token
    assert count(db, FilingEvaluation) == 0 and samples.rows(db) == before

    r = evaluate(ent1, filed, evaluated_on="2026-06-01")
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/filings/{filed}#evaluations")
    page = ent1.get(f"/filings/{filed}").text
    assert "已登记预案评估" in page and 'data-testid="evaluation" data-conclusion="keep"' in page
    file_id = db.scalar(select(FilingEvaluation.file_id))
    assert f'href="/files/{file_id}/download?inline=1"' in page and "2029-06-01" in page

    # An evaluation concluding that the plan must be revised records the trigger it names.
    r = evaluate(ent1, filed, conclusion="revise", trigger="risk_changed", changes=["measures", "procedures"],
                 summary="新建罐区后风险发生重大变化")
    assert r.status_code == 303, r.text
    page = ent1.get(f"/filings/{filed}").text
    assert 'data-testid="revision-needed"' in page and 'data-testid="requires-refiling"' in page
    assert "评估结论：需要修订。新建罐区后风险发生重大变化" in page and "主要处置措施、应急处置程序" in page
    assert 'data-testid="refiling-required"' in page


def test_evaluation_due_highlighted(app, as_user, db, filed) -> None:  # noqa: ANN001
    ent1 = as_user("ent1_officer")
    db.get(Filing, filed).evaluation_due = beijing_today() + timedelta(days=30)
    db.commit()
    assert 'data-testid="evaluation-soon"' in ent1.get(f"/filings/{filed}").text
    db.get(Filing, filed).evaluation_due = beijing_today() - timedelta(days=1)
    db.commit()
    page = ent1.get(f"/filings/{filed}").text
    assert 'data-testid="evaluation-overdue"' in page and "已逾期" in page


def test_minor_revision_settled_by_page(app, as_user, db, filed) -> None:  # noqa: ANN001
    ent1 = as_user("ent1_officer")
    r = add_trigger(ent1, filed, trigger="bogus")
    assert r.status_code == 422 and "修订情形不在第三十六条所列范围内" in r.text
    r = add_trigger(ent1, filed, occurred_on=(beijing_today() + timedelta(days=1)).isoformat())
    assert r.status_code == 422 and "发生日期不能晚于今天" in r.text and "新增一台泡沫消防车</textarea>" in r.text
    r = add_trigger(ent1, filed, description=" ")
    assert r.status_code == 422 and "情况说明不能为空" in r.text
    assert count(db, RevisionTrigger) == 0

    r = add_trigger(ent1, filed)
    assert r.status_code == 303
    page = ent1.get(f"/filings/{filed}").text
    assert "已登记修订情形：修订完成后请登记修订情况" in page
    assert 'data-testid="revision-needed"' in page and 'data-testid="settle-form"' in page
    assert 'data-testid="requires-refiling"' not in page and 'data-testid="refiling-required"' not in page
    tid = db.scalar(select(RevisionTrigger.id))

    settle = f"/filings/{filed}/triggers/{tid}/settle"
    r = ent1.post(settle, data={"csrf_token": ent1.csrf, "note": " "})
    assert r.status_code == 422 and "修订情况不能为空" in r.text
    r = ent1.post(settle, data={"note": "已更新"})
    assert r.status_code == 400
    r = ent1.post(settle, data={"csrf_token": ent1.csrf, "note": "已更新应急资源调查清单"})
    assert r.status_code == 303
    page = ent1.get(f"/filings/{filed}").text
    assert "已修订（无需重新备案）：已更新应急资源调查清单" in page and 'data-testid="revision-needed"' not in page
    r = ent1.post(settle, data={"csrf_token": ent1.csrf, "note": "again"})
    assert r.status_code == 409 and "该修订情形已办结" in r.text


def test_trigger_of_another_filing_is_404(app, as_user, ctx_for, store, db, filed) -> None:  # noqa: ANN001
    ent1 = as_user("ent1_officer")
    assert add_trigger(ent1, filed).status_code == 303
    tid = db.scalar(select(RevisionTrigger.id))
    officer = ctx_for("ent1_officer")
    other = draft(officer, title="另一份预案")
    officer.session.commit()
    r = ent1.post(f"/filings/{other.id}/triggers/{tid}/settle", data={"csrf_token": ent1.csrf, "note": "x"})
    assert r.status_code == 404
    db.expire_all()
    assert db.get(RevisionTrigger, tid).resolved_on is None


def test_refiling_by_page(app, as_user, ctx_for, db, filed) -> None:  # noqa: ANN001
    ent1, reviewer = as_user("ent1_officer"), as_user("wsq_reviewer")
    r = add_trigger(ent1, filed, trigger="command_changed", description="应急指挥部总指挥调整",
                    changes=["command_system"])
    assert r.status_code == 303
    page = ent1.get(f"/filings/{filed}").text
    assert "已登记修订情形：修订涉及的内容须重新备案，请创建修订版本备案" in page
    assert 'data-testid="requires-refiling"' in page and 'data-testid="refiling-required"' in page
    assert 'data-testid="settle-form"' not in page and 'data-testid="revision-form"' in page
    tid = db.scalar(select(RevisionTrigger.id))
    r = ent1.post(f"/filings/{filed}/triggers/{tid}/settle", data={"csrf_token": ent1.csrf, "note": "改了"})
    assert r.status_code == 409 and "须重新备案：请创建修订版本备案" in r.text

    revise = f"/filings/{filed}/revisions"
    r = ent1.post(revise, data={"csrf_token": ent1.csrf, "published_on": "2026-03-01"})
    assert r.status_code == 422 and "修订版本的公布日期不能早于原预案" in r.text
    r = ent1.post(revise, data={"csrf_token": ent1.csrf, "published_on": ""})
    assert r.status_code == 422
    db.expire_all()
    assert db.scalar(select(func.count(Filing.id))) == 1

    published = beijing_today().isoformat()
    r = ent1.post(revise, data={"csrf_token": ent1.csrf, "published_on": published, "title": ""})
    assert r.status_code == 303
    new_id = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    page = ent1.get(f"/filings/{new_id}").text
    assert "已创建修订版本备案草稿" in page and 'data-testid="upload-form"' in page
    assert 'data-testid="versions"' not in page  # a draft shows no after-filing cards
    assert "已上传 6 / 6" in page
    page = ent1.get(f"/filings/{filed}").text
    assert 'data-testid="versions"' in page and 'data-testid="pending-revision"' in page
    assert 'data-testid="revision-form"' not in page
    r = ent1.post(revise, data={"csrf_token": ent1.csrf, "published_on": published})
    assert r.status_code == 409 and "已有正在办理的修订版本备案" in r.text

    version = int(re.search(r'data-version="(\d+)"', ent1.get(f"/filings/{new_id}").text).group(1))
    r = ent1.post(f"/filings/{new_id}/transitions", data={"csrf_token": ent1.csrf, "action": "submit",
                                                         "version": str(version)})
    assert r.status_code == 303
    version = int(re.search(r'data-version="(\d+)"', reviewer.get(f"/filings/{new_id}").text).group(1))
    r = reviewer.post(f"/filings/{new_id}/transitions", data={"csrf_token": reviewer.csrf, "action": "accept",
                                                             "version": str(version)})
    assert r.status_code == 303
    new_no = db.scalar(select(Filing.filing_no).where(Filing.id == new_id))

    page = ent1.get(f"/filings/{filed}").text
    assert 'data-testid="superseded-note"' in page and "本备案已被新版本替代" in page
    assert f'href="/filings/{new_id}">{new_no}</a>' in page
    assert f"已重新备案：<a href=\"/filings/{new_id}\">{new_no}</a>" in page
    assert 'data-testid="revision-needed"' not in page
    for form in ("evaluation-form", "trigger-form", "revision-form", "settle-form"):
        assert f'data-testid="{form}"' not in page
    r = evaluate(ent1, filed)
    assert r.status_code == 409 and "只有已备案（含逾期视为备案）且未被替代的预案可以登记" in r.text
    page = ent1.get(f"/filings/{new_id}").text
    assert 'data-testid="versions"' in page and 'data-testid="current-version"' in page
    assert 'data-testid="evaluation-form"' in page and 'data-testid="superseded-note"' not in page


def test_bureau_reads_only_and_other_county_gets_404(app, as_user, db, filed) -> None:  # noqa: ANN001
    ent1, reviewer = as_user("ent1_officer"), as_user("wsq_reviewer")
    assert evaluate(ent1, filed).status_code == 303
    assert add_trigger(ent1, filed).status_code == 303
    tid = db.scalar(select(RevisionTrigger.id))
    page = reviewer.get(f"/filings/{filed}").text
    assert 'data-testid="evaluations"' in page and 'data-testid="triggers"' in page
    assert 'data-testid="evaluation"' in page and 'data-testid="trigger"' in page
    assert 'data-testid="revision-needed"' in page
    for form in ("evaluation-form", "trigger-form", "revision-form", "settle-form"):
        assert f'data-testid="{form}"' not in page
    r = evaluate(reviewer, filed)
    assert r.status_code == 403 and "只有企业管理员或安全员可以登记" in r.text
    assert add_trigger(reviewer, filed).status_code == 403
    assert reviewer.post(f"/filings/{filed}/triggers/{tid}/settle",
                         data={"csrf_token": reviewer.csrf, "note": "x"}).status_code == 403
    assert reviewer.post(f"/filings/{filed}/revisions",
                         data={"csrf_token": reviewer.csrf, "published_on": "2026-07-01"}).status_code == 403
    assert count(db, FilingEvaluation) == 1 and count(db, RevisionTrigger) == 1

    other = as_user("yjhl_reviewer")
    assert other.get(f"/filings/{filed}").status_code == 404
    assert evaluate(other, filed).status_code == 404
    assert add_trigger(other, filed).status_code == 404
    assert other.post(f"/filings/{filed}/triggers/{tid}/settle",
                      data={"csrf_token": other.csrf, "note": "x"}).status_code == 404
    assert other.post(f"/filings/{filed}/revisions",
                      data={"csrf_token": other.csrf, "published_on": "2026-07-01"}).status_code == 404
    assert count(db, FilingEvaluation) == 1 and count(db, RevisionTrigger) == 1


def test_oversized_report_is_413_with_the_page(app, as_user, db, filed) -> None:  # noqa: ANN001
    ent1 = as_user("ent1_officer")
    before = samples.rows(db)
    app.extensions["anjian.files"].max_bytes = 1024
    r = evaluate(ent1, filed, samples.big_pdf(5000))
    assert r.status_code == 413 and "文件过大：不得超过 1 KB" in r.text and 'data-testid="evaluation-form"' in r.text
    app.config["MAX_CONTENT_LENGTH"] = 4096
    app.extensions["anjian.files"].max_bytes = 2048
    r = evaluate(ent1, filed, samples.big_pdf(10000))
    assert r.status_code == 413 and "文件过大：不得超过 2 KB" in r.text and 'data-testid="evaluation-form"' in r.text
    r = drill(ent1, samples.big_pdf(10000))
    assert r.status_code == 413 and "文件过大：不得超过 2 KB" in r.text and 'data-testid="drill-form"' in r.text
    assert count(db, FilingEvaluation) == 0 and count(db, Drill) == 0 and samples.rows(db) == before


def test_drills_page_without_a_filing(app, as_user) -> None:  # noqa: ANN001
    ent1 = as_user("ent1_officer")
    page = ent1.get("/drills").text
    assert 'href="/drills"' in page and "应急演练" in page  # in the menu
    assert 'data-testid="no-filing-in-force"' in page and 'data-testid="drill-form"' in page
    assert "暂无演练记录" in page
    # Without a filed plan there is no list of on-site plans to match: any name is taken.
    r = drill(ent1, plan_name="罐区火灾现场处置方案")
    assert r.status_code == 303
    assert "罐区火灾现场处置方案" in ent1.get("/drills").text


def test_drills_page(app, as_user, db, filed) -> None:  # noqa: ANN001
    ent1, reviewer = as_user("ent1_officer"), as_user("wsq_reviewer")
    page = ent1.get("/drills").text
    assert 'data-testid="no-filing-in-force"' not in page
    # Accepted 2026-03-24: each on-site plan was due by 2026-09-24.
    assert page.count('data-testid="overdue-obligation"') >= 2
    assert f"现场处置方案“{ONSITE[0]}”演练（每半年至少一次）" in page
    assert f'<option value="{ONSITE[0]}">' in page and f'<option value="{ONSITE[1]}">' in page

    before = samples.rows(db)
    r = drill(ent1, plan_name="罐区火灾现场处置方案")
    assert r.status_code == 422 and f"现场处置方案应为本企业已备案的：{ONSITE[0]}、{ONSITE[1]}" in r.text
    assert 'value="罐区火灾现场处置方案"' in r.text
    r = drill(ent1, participants="0")
    assert r.status_code == 422 and "参演人数应为正整数" in r.text
    r = drill(ent1, kind="tabletop")
    assert r.status_code == 422 and "演练类型应为综合、专项或现场处置方案演练" in r.text
    r = drill(ent1, held_on=(beijing_today() + timedelta(days=1)).isoformat())
    assert r.status_code == 422 and "演练日期不能晚于今天" in r.text
    r = drill(ent1, samples.EXE)
    assert r.status_code == 422
    r = ent1.post("/drills", content_type="multipart/form-data",
                  data={"kind": "comprehensive", "held_on": "2026-09-01", "scenario": "x", "participants": "3",
                        "file": (io.BytesIO(samples.pdf()), "a.pdf")})
    assert r.status_code == 400  # no CSRF token
    assert count(db, Drill) == 0 and samples.rows(db) == before

    r = drill(ent1)
    assert r.status_code == 303
    page = ent1.get("/drills").text
    assert "已登记演练" in page and 'data-testid="drill"' in page and "甲醇储罐呼吸阀泄漏" in page
    assert "乌审旗消防救援大队" in page
    file_id = db.scalar(select(Drill.file_id))
    assert f'href="/files/{file_id}/download?inline=1"' in page
    # The drilled plan's obligation moved on; the other one stays overdue.
    rows = re.findall(r'<tr data-testid="(overdue-obligation|obligation)"[^>]*>\s*<td>([^<]+)</td>', page)
    status = {label: testid for testid, label in rows}
    assert status[f"现场处置方案“{ONSITE[0]}”演练（每半年至少一次）"] == "obligation"
    assert status[f"现场处置方案“{ONSITE[1]}”演练（每半年至少一次）"] == "overdue-obligation"

    # The bureau reads its jurisdiction's drills and who is overdue, and cannot record.
    page = reviewer.get("/drills").text
    assert 'data-testid="drill-form"' not in page and 'data-testid="overdue-enterprises"' in page
    assert "甲醇储罐呼吸阀泄漏" in page and "乌审旗宏达甲醇有限责任公司" in page
    ent1_id = tenant_id(db)
    assert f'data-testid="overdue-obligation" data-enterprise-id="{ent1_id}"' in page
    assert "甲醇储罐呼吸阀泄漏" in reviewer.get(f"/drills?enterprise={ent1_id}").text
    ent2_id = tenant_id(db, "91150626MA0N3B7Q1R")
    assert "甲醇储罐呼吸阀泄漏" not in reviewer.get(f"/drills?enterprise={ent2_id}").text
    r = drill(reviewer)
    assert r.status_code == 403 and "只有企业管理员或安全员可以登记演练" in r.text
    assert count(db, Drill) == 1

    # Another county and a sibling enterprise see nothing of it.
    for who in ("yjhl_reviewer", "ent2_officer"):
        page = as_user(who).get("/drills").text
        assert "甲醇储罐呼吸阀泄漏" not in page and f'data-enterprise-id="{ent1_id}"' not in page, who
