"""专项整治: for now the campaign template kind plugins ship; the engine follows."""
from core.campaigns.templates import CAMPAIGN
from core.house import Manifest

MANIFEST = Manifest("campaigns", template_kinds=(CAMPAIGN,))
