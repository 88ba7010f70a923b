"""The campaign pages as a bureau and an enterprise use them: launch, dates, publish, the
matrix, a task filled in and reviewed, the phone inspection, the summary and export."""
import io
import re

from python_calamine import CalamineWorkbook
from sqlalchemy import select

from core.campaigns.models import Campaign, CampaignTask, Inspection
from core.ledgers.models import Hazard
from tests.campaigns.conftest import TEMPLATE, task_of
from tests.files.samples import pdf


def _post(client, url, data, **kw):  # noqa: ANN001, ANN202
    return client.post(url, data={"csrf_token": client.csrf, **data}, **kw)


def test_launch_edit_publish_and_see_the_matrix(as_user, db):
    admin = as_user("wsq_admin")
    page = admin.get("/campaigns/new")
    assert page.status_code == 200 and f"{TEMPLATE}@2024.1.0" in page.text
    bad = _post(admin, "/campaigns/new", {"template": f"{TEMPLATE}@2024.1.0", "starts_on": "2024-09-01", "doc_no": ""})
    assert bad.status_code == 422 and "文号不能为空" in bad.text
    ok = _post(admin, "/campaigns/new", {"template": f"{TEMPLATE}@2024.1.0", "starts_on": "2024-09-01",
                                          "doc_no": "乌应急发〔2024〕56号"})
    assert ok.status_code == 303
    cid = int(ok.headers["Location"].rsplit("/", 1)[1])
    draft = admin.get(f"/campaigns/{cid}")
    assert 'data-testid="schedule-form"' in draft.text and "9月20日" in draft.text
    version = db.get(Campaign, cid).version
    moved = _post(admin, f"/campaigns/{cid}", {"version": version, "doc_no": "乌应急发〔2024〕56号", "title": "警示月",
                                               "item:warning_education": "2024-10-05"})
    assert moved.status_code == 422 and 'data-testid="confirm"' in moved.text
    confirmed = _post(admin, f"/campaigns/{cid}", {"version": version, "doc_no": "乌应急发〔2024〕56号", "title": "警示月",
                                                   "item:warning_education": "2024-10-05", "confirm": "1"})
    assert confirmed.status_code == 303
    db.expire_all()
    notice = _post(admin, f"/campaigns/{cid}/notice", {"file": (io.BytesIO(pdf("notice")), "通知.pdf")},
                   content_type="multipart/form-data")
    assert notice.status_code == 303
    published = _post(admin, f"/campaigns/{cid}/publish", {"version": db.get(Campaign, cid).version})
    assert published.status_code == 303
    matrix = as_user("wsq_reviewer").get(f"/campaigns/{cid}")
    assert matrix.status_code == 200 and matrix.text.count('data-testid="matrix-row"') == 5
    assert "2024-10-05" in matrix.text
    # The enterprise sees its tasks, never the matrix.
    ent = as_user("ent1_officer").get(f"/campaigns/{cid}")
    assert 'data-testid="matrix"' not in ent.text and ent.text.count('data-testid="task-row"') >= 7
    listed = as_user("ent1_officer").get("/campaigns")
    assert "警示月" in listed.text
    export = admin.get(f"/campaigns/{cid}/export")
    book = CalamineWorkbook.from_filelike(io.BytesIO(export.data))
    assert book.sheet_names == ["进度", "问题台账", "本局问题台账"]
    assert len(book.get_sheet_by_name("进度").to_python()) == 6
    summary = admin.get(f"/campaigns/{cid}/summary")
    assert summary.status_code == 200 and 'data-testid="items-chart"' in summary.text


def test_a_task_filled_returned_and_accepted_on_the_page(as_user, db, ctx_for, published):
    t = task_of(ctx_for, published, "mobilize_meeting")
    officer = as_user("ent1_officer")
    page = officer.get(f"/campaigns/tasks/{t.id}")
    assert page.status_code == 200 and 'data-testid="task-form"' in page.text
    field = re.search(r'name="field" value="([a-z_]+)"', page.text).group(1)
    up = _post(officer, f"/campaigns/tasks/{t.id}/files", {"field": field, "file": (io.BytesIO(pdf("plan")), "实施方案.pdf")},
               content_type="multipart/form-data")
    assert up.status_code == 303
    db.expire_all()
    date_field = re.search(r'type="date" name="f:([a-z_]+)"', officer.get(f"/campaigns/tasks/{t.id}").text).group(1)
    done = _post(officer, f"/campaigns/tasks/{t.id}", {"version": db.get(CampaignTask, t.id).version,
                                                        f"f:{date_field}": "2024-09-03", "then": "complete"})
    assert done.status_code == 303
    db.expire_all()
    assert db.get(CampaignTask, t.id).status == "accepted"   # no review for this item
    # A reviewed item: submitted, returned with a comment, shown to the officer.
    s = task_of(ctx_for, published, "summary_report")
    page = officer.get(f"/campaigns/tasks/{s.id}")
    field = re.search(r'name="field" value="([a-z_]+)"', page.text).group(1)
    _post(officer, f"/campaigns/tasks/{s.id}/files", {"field": field, "file": (io.BytesIO(pdf("report")), "总结.pdf")},
          content_type="multipart/form-data")
    db.expire_all()
    missing = _post(officer, f"/campaigns/tasks/{s.id}", {"version": db.get(CampaignTask, s.id).version, "then": "submit"})
    assert missing.status_code in (303, 422)
    db.expire_all()
    if db.get(CampaignTask, s.id).status != "submitted":
        text_field = re.search(r'<textarea id="f-([a-z_]+)"', officer.get(f"/campaigns/tasks/{s.id}").text).group(1)
        _post(officer, f"/campaigns/tasks/{s.id}", {"version": db.get(CampaignTask, s.id).version,
                                                     f"f:{text_field}": "完成各项工作", "then": "submit"})
        db.expire_all()
    assert db.get(CampaignTask, s.id).status == "submitted"
    reviewer = as_user("wsq_reviewer")
    no_comment = _post(reviewer, f"/campaigns/tasks/{s.id}/transitions", {"action": "return",
                                                                          "version": db.get(CampaignTask, s.id).version})
    assert no_comment.status_code == 422 and "退回意见不能为空" in no_comment.text
    _post(reviewer, f"/campaigns/tasks/{s.id}/transitions", {"action": "return", "comment": "请附成效数据",
                                                             "version": db.get(CampaignTask, s.id).version})
    assert "请附成效数据" in officer.get(f"/campaigns/tasks/{s.id}").text


def test_the_phone_inspection_page(as_user, db, ctx_for, published):
    t = task_of(ctx_for, published, "inspection")
    reviewer = as_user("wsq_reviewer")
    started = _post(reviewer, f"/campaigns/tasks/{t.id}/inspect", {})
    assert started.status_code == 303
    iid = int(started.headers["Location"].rsplit("/", 1)[1])
    page = reviewer.get(f"/campaigns/inspections/{iid}")
    assert page.status_code == 200 and 'capture="environment"' not in page.text  # photos come once a finding is saved
    i = db.get(Inspection, iid)
    answers = {f"a:{n}:answer": "yes" for n in range(len(i.answers))}
    data = {"version": i.version, "inspected_on": "2024-09-25", "inspectors": "张检查", **answers,
            "finding:0:description": "罐区围堰破损", "finding:0:location": "甲醇罐区", "finding:0:measures": "修补围堰",
            "finding:0:owner": "王五", "finding:0:due_on": "2099-10-10"}
    assert _post(reviewer, f"/campaigns/inspections/{iid}", data).status_code == 303
    db.expire_all()
    assert 'capture="environment"' in reviewer.get(f"/campaigns/inspections/{iid}").text
    done = _post(reviewer, f"/campaigns/inspections/{iid}", {**data, "version": db.get(Inspection, iid).version,
                                                             "complete": "1"})
    assert done.status_code == 303
    db.expire_all()
    rows = db.scalars(select(Hazard).where(Hazard.campaign_id == published)).all()
    assert [h.description for h in rows] == ["罐区围堰破损"]
    listed = as_user("ent1_officer").get(f"/ledgers/hazards?campaign={published}")
    assert "罐区围堰破损" in listed.text


def test_the_dashboards_show_campaign_work(as_user, ctx_for, published):
    ent = as_user("ent1_officer").get("/dashboard")
    assert 'data-testid="campaign-summary"' in ent.text and "待办 7 项" in ent.text
    assert 'data-testid="campaign-overdue"' in ent.text   # the 2024 deadlines have passed
    bureau = as_user("wsq_reviewer").get("/dashboard")
    assert "待审核 0 项" in bureau.text


def test_a_county_adds_an_item_of_its_own_on_the_page(as_user, db, ctx_for):
    from tests.campaigns.conftest import launch
    cid = launch(ctx_for)
    admin = as_user("wsq_admin")
    bad = _post(admin, f"/campaigns/{cid}/items", {"version": db.get(Campaign, cid).version, "title": "开展应急演练",
                                                   "phase": "rectify", "assignee": "enterprise", "due_on": ""})
    assert bad.status_code == 422 and "完成期限应为日期" in bad.text
    ok = _post(admin, f"/campaigns/{cid}/items", {"version": db.get(Campaign, cid).version, "title": "开展应急演练",
                                                  "phase": "rectify", "assignee": "enterprise", "due_on": "2024-09-25",
                                                  "review": "1"})
    assert ok.status_code == 303
    db.expire_all()
    c = db.get(Campaign, cid)
    assert c.extra_items[0]["title"] == "开展应急演练" and c.schedule["items"]["own_1"] == "2024-09-25"
    assert "开展应急演练" in admin.get(f"/campaigns/{cid}").text
