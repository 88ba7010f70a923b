"""A large ledger upload is imported as a job: 202 with the job to poll through the API, the
job's page from the upload form, the stages as progress, the same all-or-nothing import
(stored, or rejected with its errors and annotated copy) — inline and in a real rq worker."""
import re

import pytest
from sqlalchemy import func, select

from core.ledgers.models import Hazard
from tests.jobs.sample_jobs import drop_queue, load_job, run_worker_process, use_rq
from tests.ledgers.test_api import rows, send
from tests.ledgers.test_pages import upload
from tests.ledgers.test_xlsx import workbook


@pytest.fixture
def app(make_app):  # noqa: ANN001, ANN201
    return make_app(LEDGER_INLINE_KB=10)    # 300 rows (17 KB) make a "large" file here


def test_a_large_upload_through_the_api_is_a_job(api, db):
    ent1 = api("ent1_officer")
    small = send(ent1, workbook(rows(1)))
    assert small.status_code == 201                      # under the limit: at once, as before
    r = send(ent1, workbook(rows(300)))
    assert r.status_code == 202 and r.json["status"] == "queued"
    job = ent1.get(f"/api/v1/jobs/{r.json['job']['id']}").json       # the inline executor ran it
    assert (job["status"], job["progress"], job["result"]["status"]) == ("done", 100, "stored")
    assert job["result"]["summary"] == "已导入：新增 299 条，更新 0 条，未变 1 条"
    assert ent1.get(f"/api/v1/imports/{job['result']['import_id']}").json["created"] == 299
    assert db.scalar(select(func.count(Hazard.id))) == 300
    bad = rows(300, 等级="特大")
    r = send(ent1, workbook(bad))
    job = ent1.get(f"/api/v1/jobs/{r.json['job']['id']}").json
    assert job["result"]["status"] == "rejected" and job["result"]["summary"] == "未通过校验：共 300 处错误，未保存任何数据"
    assert job["result"]["details"][0].startswith("第2行 等级：只能填写")
    with ent1.get(f"/api/v1/imports/{job['result']['import_id']}/errors.xlsx") as annotated:
        assert annotated.status_code == 200
    assert api("wsq_reviewer").get(f"/api/v1/jobs/{r.json['job']['id']}").status_code == 200  # its bureau sees it
    assert api("yjhl_reviewer").get(f"/api/v1/jobs/{r.json['job']['id']}").status_code == 404


def test_a_large_upload_on_the_page_goes_to_the_jobs_page(as_user, db):
    ent1 = as_user("ent1_officer")
    r = upload(ent1, workbook(rows(300)))
    assert r.status_code == 303 and re.search(r"/jobs/\d+$", r.headers["Location"])
    page = ent1.get(r.headers["Location"]).get_data(as_text=True)
    link = re.search(r'href="(/ledgers/imports/\d+)" data-testid="result-link"', page).group(1)
    assert 'data-status="stored"' in ent1.get(link).get_data(as_text=True)
    assert db.scalar(select(func.count(Hazard.id))) == 300


@pytest.mark.redis
def test_a_large_upload_runs_in_a_real_rq_worker(app, api, redis_url, tmp_path):
    use_rq(app, redis_url)
    try:
        r = send(api("ent1_officer"), workbook(rows(300)))
        job_id = r.json["job"]["id"]
        assert r.status_code == 202 and load_job(app, job_id).status == "queued"
        run_worker_process(app, tmp_path)
        job = load_job(app, job_id)
        assert job.status == "done" and job.result["summary"] == "已导入：新增 300 条，更新 0 条，未变 0 条"
    finally:
        drop_queue(app)
