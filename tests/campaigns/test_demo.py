"""The demo campaign: launched by the city, adopted by 乌审旗, its enterprises in different
states, an inspection's findings in a problem ledger; loading it again adds nothing."""
from collections import Counter

from sqlalchemy import select

from core.campaigns.demo import load_demo_campaigns
from core.campaigns.models import Campaign, CampaignTask
from core.ledgers.models import Hazard
from tenants.models import Tenant


def test_the_demo_campaign(app, db):
    assert load_demo_campaigns(app.extensions["anjian.db"]) == 2
    city, county = db.scalars(select(Campaign).order_by(Campaign.id)).all()
    assert county.parent_id == city.id and (city.doc_no, county.doc_no) == ("鄂安办发〔2024〕67号", "乌应急发〔2024〕56号")
    states = {(name, item): status for name, item, status in db.execute(
        select(Tenant.name, CampaignTask.item_id, CampaignTask.status).join(Tenant, Tenant.id == CampaignTask.tenant_id)
        .where(CampaignTask.campaign_id == county.id))}
    assert states[("乌审旗宏达甲醇有限责任公司", "warning_education")] == "accepted"
    assert states[("鄂尔多斯市苏力格合成氨化工有限公司", "warning_education")] == "returned"
    assert states[("乌审旗图克煤制烯烃有限公司", "mobilize_meeting")] == "assigned"   # overdue: its deadline passed
    assert states[("内蒙古纳林河精细化工有限公司", "warning_education")] == "assigned"
    assert Counter(db.scalars(select(Hazard.source).where(Hazard.campaign_id == county.id))) == {"上级督查": 2, "专项检查": 1}
    assert load_demo_campaigns(app.extensions["anjian.db"]) == 0
