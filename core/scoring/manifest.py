"""计分考核: for now the scoring template kind plugins ship; scoring follows."""
from core.house import Manifest
from core.scoring.templates import SCORING

MANIFEST = Manifest("scoring", template_kinds=(SCORING,))
