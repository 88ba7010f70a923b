"""The working-day calendar (national holiday notices)."""
from core.calendar import cli, views
from core.house import Manifest
from core.jobs.registry import Sweep

MANIFEST = Manifest(
    "calendar",
    pages=(views.bp,),
    commands=(cli.calendar_cli,),
    sweeps=(Sweep("calendar.arrangement", "core.calendar.service:sweep_arrangement"),),
)
