"""Checklist pages: start, answer, submit, review; errors shown on the page; isolation."""
from __future__ import annotations

import re

from sqlalchemy import select

from core.checklists.models import ChecklistRun
from tests.checklists.conftest import TEMPLATE, tenant_id


def start(browser) -> int:  # noqa: ANN001
    r = browser.post("/checklists/start", data={"csrf_token": browser.csrf, "template_id": TEMPLATE})
    assert r.status_code == 303, r.text
    return int(r.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def version_on(page: str) -> int:
    return int(re.search(r'data-version="(\d+)"', page).group(1))


def answer_form(version: int, **values: str) -> dict:
    return {"version": str(version), **{f"value:{k}": v for k, v in values.items()}}


def test_index_offers_templates_only_when_enabled(app, as_user, ctx_for) -> None:  # noqa: ANN001
    ent1 = as_user("ent1_officer")
    page = ent1.get("/checklists").text
    assert 'data-testid="no-templates"' in page and "开始自查" not in page
    from tests.checklists.conftest import enable
    enable(app, ctx_for)
    page = ent1.get("/checklists").text
    assert "危化品企业现场安全自查表" in page and "开始自查" in page and "1.0.0" in page
    assert "暂无自查记录" in page


def test_enterprise_fills_and_submits(app, as_user, db, enabled) -> None:  # noqa: ANN001
    ent1 = as_user("ent1_officer")
    run_id = start(ent1)
    page = ent1.get(f"/checklists/{run_id}").text
    snap_sha = db.scalar(select(ChecklistRun).where(ChecklistRun.id == run_id)).snapshot_sha256
    assert f'data-testid="snapshot-sha">{snap_sha[:8]}<' in page
    assert "模板快照 sha256 前8位" in page and 'data-testid="template-version">1.0.0<' in page
    assert "《危险化学品企业安全风险隐患排查治理导则》" in page
    assert "安全管理" in page and "应急预案是否按规定备案并定期演练" in page and "需佐证材料" in page
    assert 'data-testid="answers-form"' in page and 'name="value:1.1"' in page
    assert 'data-action="submit"' in page
    v = version_on(page)

    # Submitting before answering: 409 on the page, listing what is missing.
    r = ent1.post(f"/checklists/{run_id}/transitions", data={"csrf_token": ent1.csrf, "action": "submit",
                                                              "version": v})
    assert r.status_code == 409 and "以下检查项尚未作答，不能提交：1.1、1.2、2.1" in r.text

    # A bad value: 422, the item named, the posted values kept, nothing stored.
    form = answer_form(v, **{"1.1": "yes", "1.2": "sometimes", "2.2": "每月检查"})
    r = ent1.post(f"/checklists/{run_id}/answers", data={"csrf_token": ent1.csrf, **form, "note:1.1": "已落实"})
    assert r.status_code == 422 and "第1.2项：只能选择“是”“否”或“不适用”" in r.text
    assert 'value="已落实"' in r.text and "每月检查</textarea>" in r.text
    assert db.scalar(select(ChecklistRun.answers).where(ChecklistRun.id == run_id)) == {}

    form = answer_form(v, **{"1.1": "yes", "1.2": "no", "2.1": "na", "2.2": "每月检查"})
    r = ent1.post(f"/checklists/{run_id}/answers", data={"csrf_token": ent1.csrf, **form, "note:1.2": "待整改"})
    assert r.status_code == 303
    page = ent1.get(f"/checklists/{run_id}").text
    assert "作答已保存" in page and 'value="待整改"' in page
    assert re.search(r'name="value:1.2" value="no"\s+checked', page)

    # The old version again: 409.
    r = ent1.post(f"/checklists/{run_id}/answers", data={"csrf_token": ent1.csrf, **answer_form(v, **{"1.1": "no"})})
    assert r.status_code == 409 and "已被他人处理或修改" in r.text

    r = ent1.post(f"/checklists/{run_id}/transitions", data={"csrf_token": ent1.csrf, "action": "submit",
                                                              "version": version_on(page)})
    assert r.status_code == 303
    page = ent1.get(f"/checklists/{run_id}").text
    assert "自查已提交" in page and 'data-status="submitted"' in page
    assert 'data-testid="answers-form"' not in page and 'data-testid="actions"' not in page
    assert "待整改" in page


def test_bureau_reviews(app, as_user, db, enabled) -> None:  # noqa: ANN001
    ent1 = as_user("ent1_officer")
    run_id = start(ent1)
    v = version_on(ent1.get(f"/checklists/{run_id}").text)
    form = answer_form(v, **{"1.1": "yes", "1.2": "yes", "2.1": "yes"})
    assert ent1.post(f"/checklists/{run_id}/answers", data={"csrf_token": ent1.csrf, **form}).status_code == 303
    v = version_on(ent1.get(f"/checklists/{run_id}").text)
    assert ent1.post(f"/checklists/{run_id}/transitions",
                     data={"csrf_token": ent1.csrf, "action": "submit", "version": v}).status_code == 303

    rev = as_user("wsq_reviewer")
    listing = rev.get("/checklists").text
    assert f'data-run-id="{run_id}"' in listing and "乌审旗宏达甲醇有限责任公司" in listing
    assert "开始自查" not in listing
    assert f'data-run-id="{run_id}"' in rev.get("/checklists?status=submitted").text
    assert f'data-run-id="{run_id}"' not in rev.get("/checklists?status=accepted").text
    ent2 = tenant_id(db, "91150626MA0N3B7Q1R")
    assert f'data-run-id="{run_id}"' not in rev.get(f"/checklists?enterprise={ent2}").text
    assert f'data-run-id="{run_id}"' in rev.get(f"/checklists?enterprise={tenant_id(db)}").text

    page = rev.get(f"/checklists/{run_id}").text
    assert 'data-testid="answers-form"' not in page and 'name="value:1.1"' not in page
    assert 'data-action="accept"' in page and 'data-action="return"' in page
    v = version_on(page)
    r = rev.post(f"/checklists/{run_id}/transitions", data={"csrf_token": rev.csrf, "action": "return",
                                                             "version": v, "comment": ""})
    assert r.status_code == 422 and "退回意见不能为空" in r.text
    r = rev.post(f"/checklists/{run_id}/transitions", data={"csrf_token": rev.csrf, "action": "return",
                                                             "version": v, "comment": "应急物资台账缺失"})
    assert r.status_code == 303

    page = ent1.get(f"/checklists/{run_id}").text
    assert 'data-status="returned"' in page and "应急物资台账缺失" in page and "退回意见" in page
    assert 'data-testid="answers-form"' in page  # editable again
    r = ent1.post(f"/checklists/{run_id}/transitions", data={"csrf_token": ent1.csrf, "action": "submit",
                                                              "version": version_on(page)})
    assert r.status_code == 303
    v = version_on(rev.get(f"/checklists/{run_id}").text)
    r = rev.post(f"/checklists/{run_id}/transitions", data={"csrf_token": rev.csrf, "action": "accept",
                                                             "version": v})
    assert r.status_code == 303
    assert 'data-status="accepted"' in rev.get(f"/checklists/{run_id}").text
    # The reviewer may not answer for the enterprise.
    r = rev.post(f"/checklists/{run_id}/answers", data={"csrf_token": rev.csrf, **answer_form(v + 1, **{"1.1": "no"})})
    assert r.status_code == 403


def test_other_tenants_get_404(app, as_user, enabled) -> None:  # noqa: ANN001
    ent1 = as_user("ent1_officer")
    run_id = start(ent1)
    for username in ("ent2_officer", "yjhl_reviewer", "yjhl_admin"):
        c = as_user(username)
        assert c.get(f"/checklists/{run_id}").status_code == 404
        assert c.post(f"/checklists/{run_id}/answers", data={"csrf_token": c.csrf}).status_code == 404
        assert c.post(f"/checklists/{run_id}/transitions", data={"csrf_token": c.csrf}).status_code == 404
        assert f'data-run-id="{run_id}"' not in c.get("/checklists").text
    assert as_user("ent1_officer").get("/checklists/999999").status_code == 404


def test_login_and_csrf_required(app, client, as_user, enabled) -> None:  # noqa: ANN001
    r = client.get("/checklists")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    ent1 = as_user("ent1_officer")
    r = ent1.post("/checklists/start", data={"template_id": TEMPLATE})
    assert r.status_code == 400
    r = ent1.post("/checklists/start", data={"csrf_token": ent1.csrf, "template_id": "sample.nothing"})
    assert r.status_code == 404


def test_list_pages(app, as_user, enabled, monkeypatch) -> None:  # noqa: ANN001
    from core.checklists import views
    monkeypatch.setattr(views, "PAGE", 1)
    ent1 = as_user("ent1_officer")
    older, newer = start(ent1), start(ent1)
    first = ent1.get("/checklists?status=draft").text
    assert f'data-run-id="{newer}"' in first and f'data-run-id="{older}"' not in first
    assert "共 2 条" in first and "status=draft&amp;page=2" in first
    second = ent1.get("/checklists?status=draft&page=2").text
    assert f'data-run-id="{older}"' in second and "page=1" in second and "page=3" not in second
