"""专项整治: campaigns launched from plugins' templates, their tasks, inspections and progress."""
from core.campaigns import api, jobs, views
from core.campaigns.models import Campaign, CampaignTask, Inspection
from core.campaigns.templates import CAMPAIGN
from core.house import Manifest, named_by
from core.jobs.registry import Sweep

MANIFEST = Manifest(
    "campaigns",
    pages=(views.bp,),
    api=(api.blp,),
    jobs=(jobs.PUBLISH,),
    sweeps=(Sweep("campaigns.deadlines", "core.campaigns.tasks:sweep_deadlines"),),
    template_kinds=(CAMPAIGN,),
    events=("campaign.launched",),
    object_names={"campaign": named_by(Campaign.id, Campaign.title),
                  "campaign_task": named_by(CampaignTask.id, CampaignTask.item_id),
                  "inspection": named_by(Inspection.id, Inspection.inspectors)},
)
