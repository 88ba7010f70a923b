"""Imports every model so Base.metadata is complete (Alembic, tests)."""
from core.audit.models import AuditEvent, AuditHead  # noqa: F401
from core.auth.models import ApiToken, User  # noqa: F401
from core.calendar.models import CalendarDay, CalendarYear  # noqa: F401
from core.campaigns.models import Campaign, CampaignTask, Inspection  # noqa: F401
from core.checklists.models import ChecklistRun  # noqa: F401
from core.files.models import StoredFile  # noqa: F401
from core.filings.models import (  # noqa: F401
    Filing,
    FilingCounter,
    FilingMaterial,
    FilingReturn,
    FilingSettings,
)
from core.jobs.models import Job  # noqa: F401
from core.ledgers.models import Hazard, LedgerImport  # noqa: F401
from core.notifications.models import Notification  # noqa: F401
from core.plugins.models import (  # noqa: F401
    OutboxEvent,
    PluginFailure,
    PluginSetting,
    TemplateSnapshot,
)
from tenants.models import Section, SectionAssignment, Tenant  # noqa: F401
