"""The append-only audit trail: its page, its API and the chain check job."""
from core.audit import api, jobs, views
from core.house import Manifest

MANIFEST = Manifest("audit", pages=(views.bp,), api=(api.blp,), jobs=(jobs.VERIFY,))
