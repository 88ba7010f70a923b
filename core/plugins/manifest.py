"""The plugin host: the 插件 page and API, `anjian plugins`, and the event redelivery sweep.
The workflow engine's events (a step, a deadline passed) are declared here, beside the outbox
that carries them."""
from core.house import Manifest
from core.jobs.registry import Sweep
from core.plugins import api, cli, views

MANIFEST = Manifest(
    "plugins",
    pages=(views.bp,),
    api=(api.blp,),
    commands=(cli.plugins_cli,),
    sweeps=(Sweep("plugins.events", "core.plugins.events:sweep_events"),),
    events=("workflow.transition", "deadline.passed"),
)
