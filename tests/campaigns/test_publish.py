"""Publishing: every task for every target in one bulk step, notifications, the event; the
cascade from the city to its counties, with isolation between counties."""
import pytest
from sqlalchemy import func, select

from core.campaigns import progress, service, tasks
from core.campaigns.models import CampaignTask
from core.errors import Conflict, NotFound, ValidationFailed
from core.jobs.models import Job
from core.notifications.models import Notification
from core.plugins.models import OutboxEvent
from tenants.models import Tenant
from tests.campaigns.conftest import launch, publish, task_of


def _count(ctx, cid):  # noqa: ANN001, ANN202
    return ctx.session.scalar(select(func.count(CampaignTask.id)).where(CampaignTask.campaign_id == cid))


def test_publish_gives_each_target_its_tasks(ctx_for, published):
    ctx = ctx_for()
    ents = ctx.session.scalars(select(Tenant).where(Tenant.region_code == "150626", Tenant.kind == "enterprise")).all()
    body = service.body_of(ctx, service.get_campaign(ctx, published))
    per_enterprise = sum(1 for ph in body["phases"] for t in ph["tasks"] if t["assignee"] != "bureau")
    hazchem = [e for e in ents if e.industry in body["industries"]]
    assert len(hazchem) == 5
    assert _count(ctx, published) == len(hazchem) * per_enterprise + 1  # + the bureau's 回头看
    inspection = task_of(ctx_for, published, "inspection")
    assert inspection.party == "section" and inspection.section_id is not None
    assert inspection.due_on.isoformat() == "2024-09-30"
    # Every enterprise user is told once (the demo has users at ent1 and ent2); the event
    # names the template version.
    told = ctx.session.scalars(select(Notification.user_id).where(Notification.dedupe_key == f"campaign:{published}:launched"))
    assert len(told.all()) == 2
    ev = ctx.session.scalar(select(OutboxEvent).where(OutboxEvent.name == "campaign.launched"))
    assert ev.payload["version"] == "2024.1.0" and ev.payload["tasks"] == _count(ctx, published)


def test_publishing_twice_is_a_conflict(ctx_for, published):
    with pytest.raises(Conflict):
        publish(ctx_for, published)


def test_hand_picked_targets(ctx_for):
    ctx = ctx_for("wsq_admin")
    ent = ctx.session.scalar(select(Tenant).where(Tenant.uscc == "91150626MA0N1H2K6K"))
    cid = launch(ctx_for, targets={"enterprises": [ent.id]})
    publish(ctx_for, cid)
    ctx = ctx_for()
    assert set(ctx.session.scalars(select(CampaignTask.tenant_id).where(CampaignTask.campaign_id == cid))) == {
        ent.id, ent.parent_id}


def test_a_large_campaign_is_published_as_a_job(ctx_for, make_app):
    app = make_app(CAMPAIGN_INLINE_TASKS=5)
    ctx = ctx_for("wsq_admin", of=app)
    c = service.launch_campaign(ctx, {"template_id": "hazchem_warning_month.warning_month", "starts_on": "2024-09-01",
                                      "doc_no": "乌应急发〔2024〕57号"})
    ctx.session.commit()
    job = service.publish_campaign(ctx, c.id, c.version)
    assert isinstance(job, Job) and service.get_campaign(ctx, c.id).status == "publishing"
    ctx.session.commit()  # the inline executor runs the job after commit
    ctx = ctx_for("wsq_admin", of=app)
    assert service.get_campaign(ctx, c.id).status == "published" and _count(ctx, c.id) > 5
    done = ctx.session.get(Job, job.id)
    assert done.status == "done" and done.result["link"] == f"/campaigns/{c.id}"


def test_the_city_cascades_to_its_counties(ctx_for):
    city = launch(ctx_for, "city_admin", doc_no="鄂安办发〔2024〕67号")
    publish(ctx_for, city, "city_admin")
    ctx = ctx_for()
    assert _count(ctx, city) == 0  # the city hands its work to the counties
    admins = ctx.session.scalars(select(Notification.tenant_id).where(Notification.dedupe_key == f"campaign:{city}:adopt"))
    assert len(set(admins)) == 2
    # 乌审旗 adopts it with its own number, inside the city's window.
    ctx = ctx_for("wsq_admin")
    with pytest.raises(ValidationFailed) as e:
        service.launch_campaign(ctx, {"adopt_from": city, "starts_on": "2024-08-25", "doc_no": "乌应急发〔2024〕56号"})
    assert "上级专项整治的时间范围" in next(iter(e.value.errors.values()))[0]
    ctx.session.rollback()
    own = service.launch_campaign(ctx, {"adopt_from": city, "starts_on": "2024-09-01", "doc_no": "乌应急发〔2024〕56号",
                                        "extra_items": [{"id": "own_drill", "title": "开展一次事故应急演练",
                                                         "assignee": "enterprise", "due_days": 25, "phase": "rectify",
                                                         "fields": [{"id": "photos", "label": "演练照片", "type": "files"}]}]})
    ctx.session.commit()
    with pytest.raises(Conflict):
        service.launch_campaign(ctx_for("wsq_admin"), {"adopt_from": city, "doc_no": "x"})
    publish(ctx_for, own.id)
    assert task_of(ctx_for, own.id, "own_drill").due_on.isoformat() == "2024-09-26"
    # 伊金霍洛旗 sees the city's campaign, never 乌审旗's; ent1 sees its county's version only.
    yj = ctx_for("yjhl_admin")
    assert service.get_campaign(yj, city).id == city
    with pytest.raises(NotFound):
        service.get_campaign(yj, own.id)
    ent = ctx_for("ent1_officer")
    assert [c.id for c in service.list_campaigns(ent)] == [own.id]
    with pytest.raises(NotFound):
        service.get_campaign(ent, city)
    # The city sees each county's progress rolled up.
    t = task_of(ctx_for, own.id, "mobilize_meeting")
    m = progress.matrix(ctx_for("city_admin"), city)
    rows = {b.region_code: (k, tally) for k, b, tally in m.counties}
    assert rows["150626"][0].id == own.id and rows["150626"][1].total > 0 and rows["150627"][0] is None
    assert tasks.get_task(ctx_for("city_admin"), t.id).id == t.id


def test_another_county_cannot_adopt_or_publish(ctx_for):
    cid = launch(ctx_for)
    with pytest.raises(NotFound):
        service.publish_campaign(ctx_for("yjhl_admin"), cid, 1)
    with pytest.raises(NotFound):
        service.launch_campaign(ctx_for("yjhl_admin"), {"adopt_from": cid, "doc_no": "伊应急发〔2024〕1号"})


def test_targets_by_the_bureaus_tags(ctx_for, as_user, db):
    ents = db.scalars(select(Tenant).where(Tenant.region_code == "150626", Tenant.kind == "enterprise")
                      .order_by(Tenant.id)).all()
    # The bureau tags two enterprises on the enterprise form.
    admin = as_user("wsq_admin")
    for e in ents[:2]:
        page = admin.get(f"/tenants/{e.id}/edit")
        assert 'name="tags"' in page.text
        form = {"csrf_token": admin.csrf, "version": str(e.version), "name": e.name, "uscc": e.uscc,
                "region_code": e.region_code, "industry": e.industry, "address": e.address, "principal": e.principal,
                "phone": e.phone, "tags": "重大危险源、重点监管"}
        assert admin.post(f"/tenants/{e.id}/edit", data=form).status_code in (302, 303)
    db.expire_all()
    assert db.get(Tenant, ents[0].id).tags == ["重大危险源", "重点监管"]
    cid = launch(ctx_for, targets={"tags": ["重大危险源"]})
    publish(ctx_for, cid)
    ctx = ctx_for()
    got = set(ctx.session.scalars(select(CampaignTask.tenant_id).where(CampaignTask.campaign_id == cid,
                                                                       CampaignTask.party == "enterprise")))
    assert got == {ents[0].id, ents[1].id}
