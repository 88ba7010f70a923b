"""What a reviewer tried against the campaign engine: drafts, roles, hostile JSON, numbering,
adopting an edited campaign, a county's own items."""
import pytest
from sqlalchemy import select

from core.auth import service as auth
from core.campaigns import inspections, service, tasks
from core.campaigns.models import CampaignTask
from core.demo import DEMO_PASSWORD
from core.errors import NotFound, PermissionDenied
from core.ledgers import service as ledgers
from tests.campaigns.conftest import TEMPLATE, launch, publish, task_of


def test_a_draft_is_its_own_bureaus_business(ctx_for, api):
    city = launch(ctx_for, "city_admin", doc_no="鄂安办发〔2024〕67号")
    assert api("wsq_reviewer").get(f"/api/v1/campaigns/{city}").status_code == 404
    assert api("wsq_admin").patch(f"/api/v1/campaigns/{city}", json={"version": 1}).status_code == 404
    own = launch(ctx_for)
    with pytest.raises(NotFound):
        service.get_campaign(ctx_for("city_admin"), own)


def test_a_viewer_does_no_bureau_work(ctx_for, published):
    system = ctx_for()
    county = system.session.get(CampaignTask, task_of(ctx_for, published, "inspection").id).campaign.tenant_id
    auth.create_user(system, {"username": "wsq_viewer", "display_name": "查看员", "password": DEMO_PASSWORD,
                              "role": "viewer", "tenant_id": county})
    system.session.commit()
    viewer = ctx_for("wsq_viewer")
    lookback = viewer.session.scalar(select(CampaignTask).where(CampaignTask.campaign_id == published,
                                                                CampaignTask.party == "bureau"))
    with pytest.raises(PermissionDenied):
        tasks.save_task(viewer, lookback.id, {"check_summary": "x"}, lookback.version)
    with pytest.raises(PermissionDenied):
        inspections.start_inspection(viewer, task_of(ctx_for, published, "inspection").id)


@pytest.mark.parametrize("body", [
    {"schedule": {"phases": [1]}}, {"schedule": {"phases": {"rectify": "ab"}}}, {"schedule": {"items": ["x"]}},
    {"schedule": {"items": {"bogus": "2024-09-01"}}}, {"schedule": {"phases": {"bogus": ["2000-01-01", "2099-12-31"]}}},
    {"schedule": {"items": {"inspection": 45000}}}, {"targets": {"industries": 5}}, {"targets": {"regions": 5}},
    {"targets": {"enterprises": [2**70]}}, {"starts_on": "2024-13-40"}, {"starts_on": "9999-12-01"},
    {"extra_items": [{"id": "x1", "title": "t", "assignee": "enterprise", "due_days": 1, "phase": "nope"}]},
])
def test_hostile_edits_are_named_never_a_server_error(api, ctx_for, body):
    cid = launch(ctx_for)
    resp = api("wsq_admin").patch(f"/api/v1/campaigns/{cid}", json={"version": 1, **body})
    assert resp.status_code == 422, resp.json
    assert api("wsq_admin").get(f"/api/v1/campaigns/{cid}").json["schedule"]["phases"]["rectify"] == [
        "2024-09-06", "2024-09-30"]


@pytest.mark.parametrize("body", [{"adopt_from": 2**70, "doc_no": "x"}, {"template_id": TEMPLATE, "version": ["x"],
                                                                        "starts_on": "2024-09-01", "doc_no": "x"}])
def test_hostile_launches(api, body):
    assert api("wsq_admin").post("/api/v1/campaigns", json=body).status_code == 422


def test_checklist_and_inspection_input_of_the_wrong_type(api, ctx_for, published):
    t = task_of(ctx_for, published, "special_check")
    officer = api("ent1_officer")
    field = next(f for f in officer.get(f"/api/v1/tasks/{t.id}").json["item"]["fields"] if f["type"] == "checklist")
    bad = officer.put(f"/api/v1/tasks/{t.id}", json={"version": t.version, "data": {field["id"]: {"0": {"answer": ["no"]}}}})
    assert bad.status_code == 422
    i = api("wsq_reviewer").post(f"/api/v1/tasks/{task_of(ctx_for, published, 'inspection').id}/inspections").json
    for body in ({"answers": {"²": {"answer": "yes"}}}, {"answers": {"0": {"answer": "yes", "note": {"x": 1}}}},
                 {"findings": [{"description": 5}]}):
        assert api("wsq_reviewer").put(f"/api/v1/inspections/{i['id']}", json={"version": i["version"], **body}
                                       ).status_code == 422


def test_finding_numbers_follow_the_highest_code_of_the_day(ctx_for, published):
    ctx = ctx_for("ent1_officer")
    first = ledgers.next_code(ctx)
    prefix = first.rsplit("-", 1)[0]
    t = task_of(ctx_for, published, "special_check")
    hazards = ledgers.register_findings(ctx, ctx.actor.tenant_id, published, [
        {"description": "a", "measures": "m", "owner": "o", "due_on": "2099-01-01"}], source="专项检查", found_by="x",
        department="d", found_on=tasks.beijing_today())
    hazards[0].code = f"{prefix}-007"   # an import skipped numbers
    ctx.session.flush()
    assert ledgers.next_code(ctx) == f"{prefix}-008"
    assert t


def test_adopting_takes_the_citys_edited_dates_and_own_items(ctx_for):
    city = launch(ctx_for, "city_admin", doc_no="鄂安办发〔2024〕67号")
    ctx = ctx_for("city_admin")
    c = service.update_campaign(ctx, city, {"schedule": {"phases": {"summarize": ["2024-09-20", "2024-10-10"]}},
                                            "confirm": True}, service.get_campaign(ctx, city).version)
    c = service.add_own_item(ctx, city, {"title": "开展应急演练", "phase": "rectify", "assignee": "enterprise",
                                         "due_on": "2024-09-25"}, c.version)
    c = service.add_own_item(ctx, city, {"title": "报送演练总结", "phase": "summarize", "assignee": "enterprise",
                                         "due_on": "2024-10-08"}, c.version)
    ctx.session.commit()
    publish(ctx_for, city, "city_admin")
    wsq = ctx_for("wsq_admin")
    own = service.launch_campaign(wsq, {"adopt_from": city, "doc_no": "乌应急发〔2024〕56号"})
    assert own.ends_on.isoformat() == "2024-10-10"
    assert [t["title"] for t in own.extra_items] == ["开展应急演练", "报送演练总结"]
    assert own.schedule["items"]["own_2"] == "2024-10-08"


def test_a_reviewed_section_item_goes_to_review_with_its_inspection(ctx_for):
    cid = launch(ctx_for)
    ctx = ctx_for("wsq_admin")
    c = service.add_own_item(ctx, cid, {"title": "复查重大危险源", "phase": "rectify", "assignee": "section",
                                        "due_on": "2024-09-28", "review": True}, service.get_campaign(ctx, cid).version)
    ctx.session.commit()
    publish(ctx_for, cid)
    t = task_of(ctx_for, cid, c.extra_items[0]["id"])
    reviewer = ctx_for("wsq_reviewer")
    i = inspections.start_inspection(reviewer, t.id)
    i = inspections.save_inspection(reviewer, i.id, {"answers": {str(n): {"answer": "yes"} for n in range(len(i.answers))}},
                                    i.version)
    inspections.complete_inspection(reviewer, i.id, i.version)
    reviewer.session.commit()
    assert tasks.get_task(ctx_for("wsq_admin"), t.id).status == "accepted"   # the section's own items are not reviewed


def test_a_finding_due_before_today_is_named_by_its_checklist_item(ctx_for, published):
    from core.errors import ValidationFailed
    t = task_of(ctx_for, published, "special_check")
    ctx = ctx_for("ent1_officer")
    checks = [f for f in tasks.view(ctx, t.id).item.fields if f["type"] == "checklist"]
    values = {f["id"]: {str(i): {"answer": "yes"} for i in range(len(f["items"]))} for f in checks}
    values[checks[1]["id"]]["0"] = {"answer": "no", "note": "处置措施缺失", "measures": "补充", "owner": "张三",
                                    "due_on": "2024-10-01"}
    tasks.save_task(ctx, t.id, values, t.version)
    with pytest.raises(ValidationFailed) as e:
        tasks.transition(ctx, t.id, "submit", tasks.get_task(ctx, t.id).version)
    [(key, [message])] = e.value.errors.items()
    assert key == f"data.{checks[1]['id']}" and checks[1]["items"][0] in message and "整改期限" in message
