"""The jobs JSON API: token and browser-session callers, tenant isolation, retry."""
from __future__ import annotations

from core.jobs import service

FIELDS = {"id", "kind", "title", "status", "status_label", "progress", "message", "result", "error",
          "retryable", "attempts", "created_at", "started_at", "finished_at", "result_file_id"}


def test_get_job_shape(app, api, ctx_for):
    ctx = ctx_for("city_admin")
    job = service.enqueue(ctx, "audit.verify", {})
    ctx.session.commit()
    resp = api("city_admin").get(f"/api/v1/jobs/{job.id}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert FIELDS <= set(body)
    assert body["status"] == "done" and body["status_label"] == "已完成" and body["progress"] == 100
    assert body["result"]["ok"] is True and body["attempts"] == 1 and body["error"] is None
    assert body["created_at"] and body["finished_at"]


def test_list_jobs_with_status_filter(app, api, ctx_for):
    ctx = ctx_for("ent1_officer")
    ok = service.enqueue(ctx, "tests.progress", {})
    bad = service.enqueue(ctx, "tests.refuse", {})
    ctx.session.commit()
    client = api("ent1_officer")
    assert [j["id"] for j in client.get("/api/v1/jobs").get_json()["items"]] == [bad.id, ok.id]
    assert [j["id"] for j in client.get("/api/v1/jobs?status=failed").get_json()["items"]] == [bad.id]
    resp = client.get("/api/v1/jobs?status=lost")
    assert resp.status_code == 422 and "状态" in resp.get_json()["message"]
    assert api("ent2_officer").get("/api/v1/jobs").get_json()["items"] == []


def test_other_tenants_job_is_404(app, api, ctx_for):
    ctx = ctx_for("ent1_officer")
    job = service.enqueue(ctx, "tests.sections", {"count": 1, "fail_attempts": 1})
    ctx.session.commit()
    other = api("ent2_officer")
    resp = other.get(f"/api/v1/jobs/{job.id}")
    assert resp.status_code == 404 and resp.get_json()["code"] == "not_found"
    assert other.post(f"/api/v1/jobs/{job.id}/retry").status_code == 404
    assert api("ent1_officer").get(f"/api/v1/jobs/{job.id}").status_code == 200


def test_retry_over_api(app, api, ctx_for):
    ctx = ctx_for("ent1_officer")
    job = service.enqueue(ctx, "tests.sections", {"count": 1, "fail_attempts": 1})
    ctx.session.commit()
    client = api("ent1_officer")
    assert client.get(f"/api/v1/jobs/{job.id}").get_json()["retryable"] is True
    resp = client.post(f"/api/v1/jobs/{job.id}/retry")
    assert resp.status_code == 200
    # The answer is the job as the request leaves it, queued; the inline executor runs it
    # once the request commits, as a worker would.
    assert resp.get_json()["status"] == "queued"
    body = client.get(f"/api/v1/jobs/{job.id}").get_json()
    assert body["status"] == "done" and body["attempts"] == 2
    conflict = client.post(f"/api/v1/jobs/{job.id}/retry")
    assert conflict.status_code == 409 and "失败且可重试" in conflict.get_json()["message"]


def test_only_the_requester_or_an_admin_may_retry(app, api, ctx_for, db):
    ctx = ctx_for("ent1_officer")
    job = service.enqueue(ctx, "tests.sections", {"count": 1, "fail_attempts": 1})
    ctx.session.commit()
    # A bureau reviewer sees the enterprise's job but neither requested it nor is an admin.
    assert api("wsq_reviewer").get(f"/api/v1/jobs/{job.id}").status_code == 200
    resp = api("wsq_reviewer").post(f"/api/v1/jobs/{job.id}/retry")
    assert resp.status_code == 403 and "发起人或管理员" in resp.get_json()["message"]
    city = api("city_admin")
    assert city.post(f"/api/v1/jobs/{job.id}/retry").get_json()["status"] == "queued"
    assert city.get(f"/api/v1/jobs/{job.id}").get_json()["status"] == "done"


def test_browser_session_can_poll_the_api(app, as_user, ctx_for, client):
    ctx = ctx_for("ent1_officer")
    job = service.enqueue(ctx, "tests.progress", {})
    ctx.session.commit()
    resp = as_user("ent1_officer").get(f"/api/v1/jobs/{job.id}")
    assert resp.status_code == 200 and resp.get_json()["status"] == "done"
    assert client.get(f"/api/v1/jobs/{job.id}").status_code == 401
