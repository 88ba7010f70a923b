"""The job page's live progress bar in real Chromium (jobs.js polling the API with the
browser session)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from core.auth.models import User
from core.context import ServiceContext
from core.jobs import service
from core.jobs.models import Job
from tests.browser.conftest import login

pytestmark = pytest.mark.browser


def _set(app, job_id: int, **values) -> None:  # noqa: ANN001
    with app.extensions["anjian.db"].session() as s:
        ServiceContext.system(s)
        s.execute(update(Job).where(Job.id == job_id).values(**values))
        s.commit()


def test_progress_bar_follows_the_job_and_shows_the_result(page, live_server):  # noqa: ANN001
    app = live_server.app
    with app.extensions["anjian.db"].session() as s:
        ServiceContext.system(s)
        user = s.scalar(select(User).where(User.username == "city_admin"))
        ctx = ServiceContext.for_user(s, user)
        job_id = service.enqueue(ctx, "tests.progress", {}).id
        s.commit()
    # Caught mid-run, as a user opening the page would find a long job.
    _set(app, job_id, status="running", progress=10, message="正在准备", result=None, finished_at=None)

    login(page, "city_admin")
    page.goto(f"/jobs/{job_id}")
    bar = page.locator("[data-testid=job] .progress .bar")
    assert bar.get_attribute("style") == "width:10%"
    assert page.locator("[data-job-field=status_label]").inner_text() == "执行中"

    _set(app, job_id, progress=60, message="已处理 600 / 1000 行")
    # A locator assertion, not wait_for_function: the page's CSP forbids evaluating strings.
    expect(page.locator("[data-job-field=progress]")).to_have_text("60")
    assert page.locator("[data-job-field=message]").inner_text() == "已处理 600 / 1000 行"
    assert "60%" in bar.get_attribute("style")

    _set(app, job_id, status="done", progress=100, message=None,
         result={"summary": "共导入 1000 行", "details": ["第 12 行已跳过：重复"]})
    # On completion the page reloads once so the server renders the result.
    page.locator("[data-testid=job-result]").wait_for()
    assert "共导入 1000 行" in page.locator("[data-testid=job-result]").inner_text()
    assert page.locator("[data-job-field=status_label]").inner_text() == "已完成"
    assert page.locator("[data-testid=job]").get_attribute("data-job-status") == "done"
