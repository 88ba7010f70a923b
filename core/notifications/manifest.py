"""The in-app inbox (站内通知)."""
from core.house import Manifest
from core.notifications import api, views

MANIFEST = Manifest("notifications", pages=(views.bp,), api=(api.blp,))
