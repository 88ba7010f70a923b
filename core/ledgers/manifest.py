"""台账: ledger types (the core's 隐患排查治理台账, and plugins' through the ledger template
kind), their xlsx templates and imports, and the hazard ledger."""
from core.house import Manifest, named_by
from core.jobs.registry import Sweep
from core.ledgers import api, jobs, views
from core.ledgers.models import Hazard, LedgerImport
from core.ledgers.templates import CRITERIA, LEDGER

MANIFEST = Manifest(
    "ledgers",
    pages=(views.bp,),
    jobs=(jobs.IMPORT,),
    api=(api.blp,),
    template_kinds=(LEDGER, CRITERIA),
    sweeps=(Sweep("ledgers.hazards", "core.ledgers.loop:sweep_overdue"),),
    object_names={"ledger_import": named_by(LedgerImport.id, LedgerImport.filename),
                  "hazard": named_by(Hazard.id, Hazard.code)},
)
