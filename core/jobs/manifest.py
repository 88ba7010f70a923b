"""Background jobs: their pages and API, `anjian worker` and `anjian sweep`."""
from core.house import Manifest, named_by
from core.jobs import api, cli, views
from core.jobs.models import Job

MANIFEST = Manifest("jobs", pages=(views.bp,), api=(api.blp,), commands=(cli.worker, cli.sweep),
                    object_names={"job": named_by(Job.id, Job.title)})
