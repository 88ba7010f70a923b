"""Every area of the core, in the order their pages and API are registered. The app factory
builds each app's House from these plus MANIFESTS_EXTRA (tests, site-local areas) and the
plugins' hooks; adding an area is one line here."""
from __future__ import annotations

from core.api.manifest import MANIFEST as API
from core.audit.manifest import MANIFEST as AUDIT
from core.auth.manifest import MANIFEST as AUTH
from core.calendar.manifest import MANIFEST as CALENDAR
from core.campaigns.manifest import MANIFEST as CAMPAIGNS
from core.checklists.manifest import MANIFEST as CHECKLISTS
from core.files.manifest import MANIFEST as FILES
from core.filings.manifest import MANIFEST as FILINGS
from core.house import Manifest
from core.jobs.manifest import MANIFEST as JOBS
from core.jobs.registry import resolve
from core.ledgers.manifest import MANIFEST as LEDGERS
from core.notifications.manifest import MANIFEST as NOTIFICATIONS
from core.plugins.manifest import MANIFEST as PLUGINS
from core.plugins.templates import TemplateKind
from core.scoring.manifest import MANIFEST as SCORING
from core.web.manifest import MANIFEST as WEB
from tenants.manifest import MANIFEST as TENANTS

CORE: tuple[Manifest, ...] = (AUTH, WEB, API, TENANTS, AUDIT, CALENDAR, FILES, JOBS, NOTIFICATIONS, PLUGINS,
                              FILINGS, CHECKLISTS, CAMPAIGNS, LEDGERS, SCORING)


def manifests(extra: tuple[str, ...] | list[str] = ()) -> tuple[Manifest, ...]:
    """The core's, then each "package.module:NAME" of `extra`."""
    return CORE + tuple(resolve(path) for path in extra)


def template_kinds() -> dict[str, TemplateKind]:
    """The core's template kinds, for validating a template outside an app (plugin tests)."""
    return {k.kind: k for m in CORE for k in m.template_kinds}
