"""检查表自查: checklist runs started from plugins' checklist templates."""
from core.checklists import api, views
from core.checklists.models import ChecklistRun
from core.checklists.templates import CHECKLIST
from core.house import Manifest, named_by

MANIFEST = Manifest(
    "checklists",
    pages=(views.bp,),
    api=(api.blp,),
    template_kinds=(CHECKLIST,),
    events=("template.instantiated",),
    object_names={"checklist": named_by(ChecklistRun.id, ChecklistRun.title)},
)
