"""The campaign area's background work: publishing a large campaign."""
from core.campaigns.service import LAUNCH_ROLES
from core.jobs.registry import JobKind

PUBLISH = JobKind("campaigns.publish", "core.campaigns.service:publish_job", "发布专项整治", roles=LAUNCH_ROLES,
                  bureau=True)
