"""Job pages: list, detail with progress bar, retry, and the audit-chain button."""
from __future__ import annotations

import re

from sqlalchemy import update

from core.jobs import service
from core.jobs.models import Job
from tests.jobs.sample_jobs import count_sections, load_job


def _job_id(location: str) -> int:
    m = re.search(r"/jobs/(\d+)$", location)
    assert m, location
    return int(m.group(1))


def test_bureau_admin_starts_audit_verify_from_the_list(app, as_user):
    c = as_user("city_admin")
    page = c.get("/jobs")
    assert page.status_code == 200 and 'data-testid="start-audit-verify"' in page.text
    resp = c.post("/jobs/audit-verify", data={"csrf_token": c.csrf})
    assert resp.status_code == 302
    job_id = _job_id(resp.headers["Location"])
    # Inline executor: the job ran when the request committed.
    detail = c.get(f"/jobs/{job_id}")
    assert detail.status_code == 200
    assert "已完成" in detail.text and "审计链完整" in detail.text
    assert 'style="width:100%"' in detail.text
    assert f'data-job-url="/api/v1/jobs/{job_id}"' in detail.text and "jobs.js" in detail.text
    listing = c.get("/jobs").text
    assert f'href="/jobs/{job_id}"' in listing and "校验审计链" in listing and "市局管理员" in listing
    row = load_job(app, job_id)
    assert row.status == "done" and row.kind == "audit.verify"


def test_start_requires_csrf(app, as_user):
    c = as_user("city_admin")
    assert c.post("/jobs/audit-verify", data={}).status_code == 400
    assert c.get("/jobs").text.count('data-job-id=') == 0


def test_reviewer_and_enterprise_have_no_button_and_are_refused(app, as_user):
    for username in ("wsq_reviewer", "ent1_officer"):
        c = as_user(username)
        assert 'data-testid="start-audit-verify"' not in c.get("/jobs").text
        assert c.post("/jobs/audit-verify", data={"csrf_token": c.csrf}).status_code == 403


def test_failed_job_page_offers_retry_which_runs_it_again(app, as_user, ctx_for):
    ctx = ctx_for("city_admin")
    job = service.enqueue(ctx, "tests.sections", {"count": 2, "fail_attempts": 1})
    ctx.session.commit()
    c = as_user("city_admin")
    page = c.get(f"/jobs/{job.id}").text
    assert "失败" in page and "任务执行出错：RuntimeError" in page and 'data-testid="retry"' in page
    assert c.post(f"/jobs/{job.id}/retry", data={}).status_code == 400  # CSRF
    resp = c.post(f"/jobs/{job.id}/retry", data={"csrf_token": c.csrf})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/jobs/{job.id}")
    page = c.get(f"/jobs/{job.id}").text
    assert "已完成" in page and "写入 2 个股室" in page and 'data-testid="retry"' not in page
    assert count_sections(app, job.id) == 2
    # Done now: a second retry is a conflict.
    assert c.post(f"/jobs/{job.id}/retry", data={"csrf_token": c.csrf}).status_code == 409


def test_running_job_page_renders_current_values_without_js(app, as_user, ctx_for, db):
    ctx = ctx_for("ent1_officer")
    job = service.enqueue(ctx, "tests.progress", {})
    ctx.session.commit()
    # Arrange a job caught mid-run, as a page load would find it.
    db.execute(update(Job).where(Job.id == job.id)
               .values(status="running", progress=42, message="正在导入第 420 行"))
    db.commit()
    page = as_user("ent1_officer").get(f"/jobs/{job.id}").text
    assert 'style="width:42%"' in page and "正在导入第 420 行" in page and "执行中" in page
    assert 'data-job-status="running"' in page and "<noscript>" in page


def test_other_tenants_job_page_is_404(app, as_user, ctx_for):
    ctx = ctx_for("ent1_officer")
    job = service.enqueue(ctx, "tests.sections", {"count": 1, "fail_attempts": 1})
    ctx.session.commit()
    assert as_user("ent1_officer").get(f"/jobs/{job.id}").status_code == 200
    other = as_user("ent2_officer")
    assert other.get(f"/jobs/{job.id}").status_code == 404
    assert other.post(f"/jobs/{job.id}/retry", data={"csrf_token": other.csrf}).status_code == 404
    assert f'href="/jobs/{job.id}"' not in other.get("/jobs").text
    assert load_job(app, job.id).status == "failed"


def test_jobs_page_requires_login(client):
    resp = client.get("/jobs")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_jobs_script_is_served(client):
    resp = client.get("/static/jobs.js")
    assert resp.status_code == 200 and b"credentials: \"same-origin\"" in resp.data
    resp.close()


def test_result_file_is_offered_for_download(app, as_user, ctx_for):
    ctx = ctx_for("ent1_officer")
    job = service.enqueue(ctx, "tests.report", {})
    ctx.session.commit()
    row = load_job(app, job.id)
    assert row.status == "done" and row.result_file_id is not None
    c = as_user("ent1_officer")
    page = c.get(f"/jobs/{job.id}").text
    link = f'href="/files/{row.result_file_id}/download"'
    assert link in page
    download = c.get(f"/files/{row.result_file_id}/download")
    assert download.status_code == 200 and download.data[:2] == b"PK"
    download.close()
    assert as_user("ent2_officer").get(f"/files/{row.result_file_id}/download").status_code == 404


def test_county_admin_cannot_verify_the_global_chain(as_user):
    c = as_user("wsq_admin")
    assert 'data-testid="start-audit-verify"' not in c.get("/jobs").text
    resp = c.post("/jobs/audit-verify", data={"csrf_token": c.csrf})
    assert resp.status_code == 403 and "顶级" in resp.text
