"""Everything a plugin may use from Anjian, in one module.

Plugins import from here and nowhere else in `core` (a test checks the built-in plugins and
the scaffold): the rest of `core` may change between releases, this module changes only with
the version of the plugin contract. docs/plugins.md documents each name.

Read models (TenantInfo, FilingInfo, ChecklistInfo) are small frozen copies of what a plugin
may know about a tenant, a plan filing or a checklist self-check; they are read through the
caller's context, so another jurisdiction's object is NotFound as everywhere else.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from flask import Flask
from flask_babel import Domain
from flask_smorest import Blueprint as ApiBlueprint
from sqlalchemy import select

from core import hookspecs, manifests
from core.app import create_app
from core.auth.models import User
from core.calendar.service import beijing_today
from core.checklists import service as checklists
from core.clitools import system_ctx
from core.context import Actor, ServiceContext
from core.db import Base, utcnow
from core.demo import load_demo
from core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from core.exports import escape_formula
from core.filings.review import service as filings
from core.hookspecs import Event, ExportFormat, MenuItem, PluginInfo, hookimpl
from core.jobs import service as jobs
from core.jobs.models import Job
from core.jobs.registry import JobKind, Sweep
from core.ledgers import service as ledger_service
from core.migrate import upgrade
from core.notifications.service import notify, notify_role
from core.plugins import service as plugins
from core.plugins import templates
from core.plugins.manager import PluginRecord, build_registry
from core.web.request import ctx as request_ctx
from core.web.request import doom
from tenants import service as tenants
from tenants.models import Tenant, TenantOwned

__all__ = [
    # hooks and the types they exchange
    "hookimpl", "HOOKS", "PluginInfo", "MenuItem", "ExportFormat", "Event", "JobKind", "Sweep",
    # the caller
    "ServiceContext", "Actor", "request_ctx", "doom", "system_ctx", "ApiBlueprint",
    # errors (mapped to HTTP by the core: 404, 403, 409, 422)
    "DomainError", "NotFound", "PermissionDenied", "Conflict", "ValidationFailed",
    # read models
    "TenantInfo", "FilingInfo", "ChecklistInfo", "get_tenant", "get_filing", "get_checklist", "list_checklists",
    "LedgerRowInfo", "list_ledger_rows", "beijing_today",
    # writing to users, background jobs, exporting, own tables, own translations
    "notify", "notify_role", "enqueue", "Job", "escape_formula", "Base", "TenantOwned", "utcnow", "catalogue",
    # checking a plugin
    "validate_template", "validate_templates", "load_plugin", "demo_app", "user_ctx", "enable_plugin",
    "offered_templates",
]

# The names of every hook Anjian calls (core/hookspecs.py documents each).
HOOKS = tuple(sorted(n for n in dir(hookspecs) if n.startswith(f"{hookspecs.PROJECT}_")))


# --- read models -----------------------------------------------------------------------

@dataclass(frozen=True)
class TenantInfo:
    """A bureau (应急管理局, or one of its sections' bureaus) or an enterprise."""

    id: int
    kind: str                   # "bureau" | "enterprise"
    name: str
    parent_id: int | None       # the bureau above (None for the root)
    region_code: str            # 行政区划代码, GB/T 2260
    uscc: str | None            # 统一社会信用代码 (enterprises)
    industry: str | None        # industry code, as in templates' `industries`

    @classmethod
    def of(cls, t: Tenant) -> "TenantInfo":
        return cls(t.id, t.kind, t.name, t.parent_id, t.region_code, t.uscc, t.industry)


@dataclass(frozen=True)
class FilingInfo:
    """An emergency-plan filing (应急预案备案) of an enterprise."""

    id: int
    tenant_id: int              # the enterprise
    bureau_id: int              # the bureau it is filed with
    title: str
    status: str                 # draft | submitted | returned | resubmitted | accepted | deemed | …
    status_label: str           # the status in Chinese
    filing_no: str | None       # 备案编号, once accepted or deemed
    published_on: date
    received_on: date | None
    filed_on: date | None       # accepted, or deemed filed when the review limit passed

    @classmethod
    def of(cls, f) -> "FilingInfo":  # noqa: ANN001
        return cls(f.id, f.tenant_id, f.bureau_id, f.title, f.status, f.status_label, f.filing_no,
                   f.published_on, f.received_on, f.accepted_on or f.deemed_on)


@dataclass(frozen=True)
class ChecklistInfo:
    """A checklist self-check (检查表自查) of an enterprise, started from a template."""

    id: int
    tenant_id: int              # the enterprise
    template_id: str
    template_version: str
    plugin: str                 # the plugin that contributed the template
    title: str
    status: str                 # draft | submitted | returned | accepted
    status_label: str
    answers: dict               # {item id: {"value": …, "note": …}}
    submitted_at: datetime | None
    reviewed_at: datetime | None

    @classmethod
    def of(cls, r) -> "ChecklistInfo":  # noqa: ANN001
        return cls(r.id, r.tenant_id, r.template_id, r.template_version, r.plugin, r.title, r.status,
                   r.status_label, dict(r.answers or {}), r.submitted_at, r.reviewed_at)


def get_tenant(ctx: ServiceContext, tenant_id: int) -> TenantInfo:
    return TenantInfo.of(tenants.get_tenant(ctx, tenant_id))


def get_filing(ctx: ServiceContext, filing_id: int) -> FilingInfo:
    return FilingInfo.of(filings.get_filing(ctx, filing_id))


def get_checklist(ctx: ServiceContext, checklist_id: int) -> ChecklistInfo:
    return ChecklistInfo.of(checklists.get_checklist(ctx, checklist_id))


def list_checklists(ctx: ServiceContext, status: str | None = None, *, template_prefix: str | None = None,
                    limit: int = 200) -> list[ChecklistInfo]:
    """Visible self-checks, newest first; `template_prefix` (e.g. "dust_explosion.") keeps
    those started from the plugin's own templates."""
    runs = checklists.list_checklists(ctx, status, limit=limit)
    return [ChecklistInfo.of(r) for r in runs if not template_prefix or r.template_id.startswith(template_prefix)]


@dataclass(frozen=True)
class LedgerRowInfo:
    """A row of a ledger type (a plugin's, or the 安全风险分级管控清单) as stored: its values
    by column id, dates as date objects."""

    id: int
    tenant_id: int              # the enterprise
    ledger_type: str
    key: str
    values: dict
    updated_at: datetime


def list_ledger_rows(ctx: ServiceContext, type_id: str, *, limit: int = 100_000) -> list[LedgerRowInfo]:
    """The visible rows of a ledger type offered to the caller (NotFound otherwise), by
    enterprise and key — e.g. a sweep reading the 应急物资台账 for dates coming due."""
    lt = ledger_service.ledger_type(ctx, type_id)
    return [LedgerRowInfo(r.id, r.tenant_id, r.ledger_type, r.key,
                          dict(zip([c.id for c in lt.columns], ledger_service.cells(lt, r.values))), r.updated_at)
            for r in ledger_service.list_rows(ctx, lt, limit=limit)]


# --- translations ----------------------------------------------------------------------

def catalogue(directory: str | Path) -> Callable[..., str]:
    """A gettext function over the plugin's own catalogue (`<directory>/en/LC_MESSAGES/
    messages.mo`), in the request's language: `_ = catalogue(HERE / "translations")`."""
    return Domain(translation_directories=[str(directory)]).gettext


def enqueue(ctx: ServiceContext, kind: str, params: dict | None = None, title: str | None = None) -> Job:
    """Start a background job of one of the plugin's kinds (anjian_job_kinds) for the caller;
    it runs after the caller's transaction commits and shows on the 任务 page."""
    return jobs.enqueue(ctx, kind, params or {}, title=title)


# --- checking a plugin -----------------------------------------------------------------

def validate_template(data: object, plugin: str | None = None) -> dict:
    """A template normalised as the platform loads it, or ValidationFailed naming each path."""
    return templates.validate_template(data, manifests.template_kinds(), plugin)


def validate_templates(bodies: list, plugin: str) -> list[dict]:
    """All of one plugin's templates, with the references between them checked."""
    return templates.validate_templates(bodies, manifests.template_kinds(), plugin)


def load_plugin(entry_point: str) -> PluginRecord:
    """Load one module as a plugin, through the same path as an installed entry point:
    `load_plugin("dust_explosion = anjian_dust_explosion")`. The record tells `loaded`,
    `error`, `templates`, `menu_items`, `export_formats`, `hooks`."""
    name = entry_point.split("=", 1)[0].strip()
    return build_registry([entry_point], manifests.template_kinds()).get(name)


def demo_app(directory: str | Path, plugins_extra: tuple[str, ...] = ()) -> Flask:
    """An app on a fresh SQLite database in `directory`, migrated (with the plugins' own
    revisions) and holding the demo data: 鄂尔多斯市 → 乌审旗 150626 and 伊金霍洛旗 150627
    with their enterprises and users (ent1_officer, wsq_admin, …)."""
    directory = Path(directory)
    url = f"sqlite:///{directory / 'anjian.db'}"
    config = {"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test", "FILES_DIR": str(directory / "files"),
              "REDIS_URL": None, "PLUGINS_EXTRA": tuple(plugins_extra)}
    app = create_app(config)
    registry = app.extensions["anjian.plugins"]
    upgrade(url, plugin_locations=registry.migration_locations())
    with app.extensions["anjian.db"].session() as s:
        load_demo(ServiceContext.system(s, "demo"))
        s.commit()
    return app


@contextlib.contextmanager
def user_ctx(app: Flask, username: str) -> Iterator[ServiceContext]:
    """The context of a demo user's requests; commits when the block ends without error."""
    with app.extensions["anjian.db"].session() as s:
        system = ServiceContext.system(s, "test")
        user = system.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"用户“{username}”不存在")
        yield ServiceContext.for_user(s, user)
        s.commit()


def enable_plugin(app: Flask, name: str, region_code: str) -> None:
    """Enable plugin `name` for the bureau with 行政区划代码 `region_code` and everything below."""
    with app.extensions["anjian.db"].session() as s:
        ctx = ServiceContext.system(s, "test")
        bureau = s.scalar(select(Tenant).where(Tenant.kind == "bureau", Tenant.region_code == region_code))
        if bureau is None:
            raise NotFound(f"没有行政区划代码为 {region_code} 的应急管理局")
        plugins.set_enabled(ctx, name, True, bureau.id)
        s.commit()


def offered_templates(ctx: ServiceContext, kind: str | None = None) -> list[dict]:
    """The newest version of each template the caller's tenant is offered."""
    return plugins.offered_templates(ctx, kind)
