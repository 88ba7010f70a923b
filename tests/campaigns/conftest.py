"""Campaign tests run the built-in 警示月 template (seed 004) as 乌审旗 would: launched from
2024-09-01, published to its hazardous-chemical enterprises."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from core.campaigns import service, tasks
from core.campaigns.models import CampaignTask
from tenants.models import Tenant

TEMPLATE = "hazchem_warning_month.warning_month"
ENT1_USCC = "91150626MA0N1H2K6K"


def launch(ctx_for, username: str = "wsq_admin", **data):  # noqa: ANN001, ANN201
    ctx = ctx_for(username)
    campaign = service.launch_campaign(ctx, {"template_id": TEMPLATE, "starts_on": "2024-09-01",
                                             "doc_no": "乌应急发〔2024〕56号", **data})
    ctx.session.commit()
    return campaign.id


def publish(ctx_for, campaign_id: int, username: str = "wsq_admin"):  # noqa: ANN001, ANN201
    ctx = ctx_for(username)
    out = service.publish_campaign(ctx, campaign_id, service.get_campaign(ctx, campaign_id).version)
    ctx.session.commit()
    return out


@pytest.fixture
def published(ctx_for):  # noqa: ANN001, ANN201
    """乌审旗's 2024 campaign, published."""
    cid = launch(ctx_for)
    publish(ctx_for, cid)
    return cid


def task_of(ctx_for, campaign_id: int, item_id: str, username: str = "ent1_officer") -> CampaignTask:  # noqa: ANN001
    ctx = ctx_for(username)
    ent = ctx.session.scalar(select(Tenant.id).where(Tenant.uscc == ENT1_USCC))
    return ctx.session.scalar(select(CampaignTask).where(CampaignTask.campaign_id == campaign_id,
                                                         CampaignTask.item_id == item_id,
                                                         CampaignTask.tenant_id == ent))


def step(ctx_for, username: str, task_id: int, action: str, comment: str | None = None):  # noqa: ANN001, ANN201
    ctx = ctx_for(username)
    t = tasks.transition(ctx, task_id, action, tasks.get_task(ctx, task_id).version, comment)
    ctx.session.commit()
    return t
