"""Every route that takes an object id, called by a user of a sibling tenant, answers 404.

The routes are read from the URL map, so a new endpoint with an id fails this test until
an object for its id parameter is provided below.
"""
import io
from datetime import date

import pytest
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from core.auth import service as auth
from core.auth.models import User
from core.campaigns import inspections
from core.campaigns import service as campaigns
from core.campaigns.models import CampaignTask
from core.checklists.models import ChecklistRun
from core.filings.models import FilingReturn, RevisionTrigger
from core.filings.review import service as filings
from core.jobs.models import Job
from core.ledgers.models import Hazard, HazardExtension, LedgerImport
from core.notifications import service as notifications
from core.plugins.models import TemplateSnapshot
from tests.files import samples

# Users who must not see 乌审旗宏达甲醇 (ent1): the sibling enterprise and the other banner.
OUTSIDERS = ("ent2_officer", "yjhl_reviewer", "yjhl_admin")
PDF = samples.pdf()  # a small but real PDF (uploads are checked by structure)


@pytest.fixture
def ent1_objects(app, ctx_for):
    """One object of each id-addressed kind, all belonging to ent1."""
    ctx = ctx_for("ent1_officer")
    me = ctx.session.get(User, ctx.actor.user_id)
    token, _ = auth.create_token(ctx, me.id, {"name": "ent1"})
    stored = app.extensions["anjian.files"].store_upload(ctx, io.BytesIO(PDF), "应急预案.pdf")
    filing = filings.create_filing(ctx, {"title": "宏达甲醇生产安全事故应急预案", "published_on": "2026-11-02"})
    material = filings.add_material(ctx, filing.id, "application_form",
                                    io.BytesIO(PDF), "备案申报表.pdf")
    ctx.session.commit()
    system = ctx_for()
    job = Job(tenant_id=me.tenant_id, kind="audit.verify", title="校验审计链", requested_by=me.id, params={},
              status="failed", retryable=True)
    system.session.add(job)
    notifications.notify(system, me.id, "测试消息", dedupe_key="isolation")
    snap = TemplateSnapshot(sha256="0" * 64, template_id="t.x", version="1.0.0", kind="checklist", plugin="p",
                            title="自查", body={"sections": []})
    system.session.add(snap)
    system.session.flush()
    run = ChecklistRun(tenant_id=me.tenant_id, snapshot_id=snap.id, template_id="t.x", template_version="1.0.0",
                       title="自查")
    system.session.add(run)
    # A revision trigger is recorded on a filed plan: stored directly against the draft here.
    trigger = RevisionTrigger(tenant_id=me.tenant_id, filing_id=filing.id, trigger="other",
                              occurred_on=filing.published_on, description="修订情形")
    system.session.add(trigger)
    # A return (round 1) with its 补正告知书, stored directly against the draft too.
    system.session.add(FilingReturn(tenant_id=me.tenant_id, filing_id=filing.id, round=1,
                                    items=[{"material": "application_form", "note": "未盖章"}]))
    refused = LedgerImport(tenant_id=me.tenant_id, ledger_type="hazards", type_version="1.0.0", filename="台账.xlsx",
                           sha256="0" * 64, status="rejected", errors=[], error_file_id=stored.id)
    system.session.add(refused)
    hazard = Hazard(tenant_id=me.tenant_id, code="YH-ISO", source="日常排查", found_on=date(2026, 11, 2), found_by="王强",
                    department="生产部", location="储罐区", description="接地失效", category="现场管理类", level="一般",
                    measures="更换", owner="李明", due_on=date(2026, 11, 30), status="rectifying", digest="0" * 64)
    system.session.add(hazard)
    system.session.flush()
    extension = HazardExtension(tenant_id=me.tenant_id, hazard_id=hazard.id, previous_due=hazard.due_on,
                                requested_due=date(2026, 12, 30), reason="设备未到货")
    system.session.add(extension)
    system.session.commit()
    # A campaign of 乌审旗 given to ent1 alone (ent2 has no task in it), and its inspection.
    bureau = ctx_for("wsq_admin")
    campaign = campaigns.launch_campaign(bureau, {"template_id": "hazchem_warning_month.warning_month",
                                                  "starts_on": "2024-09-01", "doc_no": "乌应急发〔2024〕56号",
                                                  "targets": {"enterprises": [me.tenant_id]}})
    campaigns.publish_campaign(bureau, campaign.id, campaign.version)
    bureau.session.commit()
    section_task = bureau.session.scalar(select(CampaignTask).where(CampaignTask.campaign_id == campaign.id,
                                                                     CampaignTask.party == "section"))
    task = bureau.session.scalar(select(CampaignTask).where(CampaignTask.campaign_id == campaign.id,
                                                             CampaignTask.party == "enterprise"))
    reviewer = ctx_for("wsq_reviewer")
    inspection = inspections.start_inspection(reviewer, section_task.id)
    reviewer.session.commit()
    note = notifications.inbox(ctx_for("ent1_officer"))[0]
    return {"tenant_id": me.tenant_id, "user_id": me.id, "token_id": token.id, "file_id": stored.id,
            "job_id": job.id, "notification_id": note.id, "run_id": run.id,
            "filing_id": filing.id, "material_id": material.id, "trigger_id": trigger.id,
            "round": 1, "import_id": refused.id, "hazard_id": hazard.id,
            "extension_id": extension.id, "campaign_id": campaign.id, "task_id": task.id,
            "inspection_id": inspection.id}


def id_routes(app):
    for rule in app.url_map.iter_rules():
        ints = [a for a, conv in rule._converters.items() if isinstance(conv, IntegerConverter)]
        if ints:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule, method, ints


def test_every_id_route_is_404_for_outsiders(app, ent1_objects, api, as_user):
    routes = list(id_routes(app))
    assert len(routes) >= 15
    for username in OUTSIDERS:
        token_client, browser = api(username), as_user(username)
        for rule, method, args in routes:
            missing = [a for a in args if a not in ent1_objects]
            assert not missing, f"{rule.rule}: add an ent1 object for {missing} to this test"
            path = rule.rule
            for a in args:
                path = path.replace(f"<int:{a}>", str(ent1_objects[a]))
            if path.startswith("/api/"):
                resp = getattr(token_client, method.lower())(path, json={})
            else:
                resp = browser.open(path, method=method, data={"csrf_token": browser.csrf})
            assert resp.status_code == 404, f"{username} {method} {path} → {resp.status_code}"


def test_insiders_reach_the_same_objects(ent1_objects, api):
    for username in ("ent1_officer", "wsq_reviewer", "city_admin"):
        c = api(username)
        assert c.get(f"/api/v1/tenants/{ent1_objects['tenant_id']}").status_code == 200
        assert c.get(f"/api/v1/files/{ent1_objects['file_id']}").status_code == 200
        assert c.get(f"/api/v1/jobs/{ent1_objects['job_id']}").status_code == 200
