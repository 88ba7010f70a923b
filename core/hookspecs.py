"""The plugin author's contract: every hook Anjian calls, and the types they exchange.

A plugin is a module (or object) registered under the ``anjian`` entry-point group::

    [options.entry_points]              # setup.cfg; or [project.entry-points.anjian] in pyproject.toml
    anjian =
        my_plugin = my_package.plugin

and implements some of the hooks below with ``@hookimpl``, imported (with every type a
plugin may use) from the public module ``core.plugin_api``:

    from core.plugin_api import hookimpl

    @hookimpl
    def anjian_templates():
        return [{...}]

Hooks are called through pluggy with keyword arguments, so ``firstresult``, ``tryfirst``,
``trylast`` and the order of calls mean what pluggy documents; calls for a tenant leave out
the plugins not enabled there. A plugin that implements a hook not declared here, or with
parameters the spec does not have, is refused at start-up and listed as failed.
docs/plugins.md explains each hook with examples; a test fails when a hook here is missing
from that page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

import pluggy

from core.jobs.registry import JobKind, Sweep

if TYPE_CHECKING:  # pragma: no cover
    import click
    from flask import Blueprint

    from core.context import ServiceContext

PROJECT = "anjian"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# --- types exchanged with plugins ------------------------------------------------------

@dataclass(frozen=True)
class PluginInfo:
    """How the plugin presents itself to operators and bureau admins."""

    title: str                      # Chinese display name, e.g. "危险化学品安全生产警示月专项整治"
    description: str = ""
    homepage: str | None = None


@dataclass(frozen=True)
class MenuItem:
    """A navigation entry, shown only where the plugin is enabled.

    `endpoint` is a Flask endpoint of a blueprint the plugin contributes; `tenant_kind`
    limits the entry to "bureau" or "enterprise" users; `roles` to those roles."""

    endpoint: str
    label: str
    tenant_kind: str | None = None
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExportFormat:
    """A file format lists can be exported in, besides the built-in xlsx.

    `render(title, columns, rows)` receives the list's title, its column headers (Chinese)
    and the rows as lists of plain values (str, int, float, date, datetime or None), and
    returns the file's bytes. The platform escapes text cells starting with = + - @ before
    `render` sees them (`core.plugin_api.escape_formula` is the same function).
    A text `content_type` without a charset is sent with "; charset=utf-8"; one with a
    charset is sent as it is."""

    id: str                         # short name used in URLs, e.g. "csv"; unique
    title: str                      # e.g. "CSV（逗号分隔）"
    extension: str                  # e.g. "csv"
    content_type: str
    render: Callable[[str, list[str], list[list[Any]]], bytes]


@dataclass(frozen=True)
class Event:
    """Something that happened in the core, delivered after its transaction committed.

    Names emitted (declared by the areas' manifests; docs/plugins.md lists their payloads):
      - ``workflow.transition``: payload {"workflow", "action", "from", "to", "comment"?}
      - ``deadline.passed``: payload {"deadline", "what", "state"} (a deadline declared on a
        workflow state passed: from the periodic sweep, or a read after the limit)
      - ``template.instantiated``: payload {"template_id", "version", "sha256", "plugin"}
      - ``campaign.launched``: payload {"template_id", "version", "parent_id", "tasks"} (a
        bureau published a campaign)
    """

    id: int
    name: str
    tenant_id: int | None
    object_type: str | None
    object_id: str | None
    payload: dict
    occurred_at: datetime
    # A system context on the delivery session. What the hook writes through it commits
    # with the delivery; if the hook raises, its writes are rolled back and the failure
    # is recorded, while the core change that emitted the event stays committed.
    ctx: "ServiceContext" = field(repr=False, compare=False, default=None)  # type: ignore[assignment]


# --- identity --------------------------------------------------------------------------

@hookspec(firstresult=True)
def anjian_plugin_info() -> PluginInfo:
    """Called once per plugin at start-up, on that plugin alone.

    Returns the plugin's PluginInfo. Without it the plugin is shown by its entry-point name.
    """


# --- contributed content ---------------------------------------------------------------

@hookspec
def anjian_templates() -> list[dict]:
    """Called once per plugin at start-up, on that plugin alone.

    Returns declarative templates: dicts validated by core.plugins.templates (kinds
    "checklist", "campaign", "ledger", "scoring"; each with `id`, semantic `version`,
    Chinese `title` …). An invalid template marks the whole plugin failed with the
    validation messages. Templates are offered only where the plugin is enabled; whatever
    is created from one keeps a snapshot of the exact version used.
    """


@hookspec
def anjian_blueprints() -> list["Blueprint"]:
    """Called once per plugin when the app is built.

    Returns Flask blueprints to register: page blueprints (`flask.Blueprint`) and JSON API
    blueprints (`flask_smorest.Blueprint`), the latter mounted under /api/v1, listed in the
    OpenAPI document and answering errors as JSON. Every request to them is refused with 404
    for users whose tenant does not have the plugin enabled, and requires a logged-in user
    like every page. Use `core.plugin_api.request_ctx()` for the caller.
    """


@hookspec
def anjian_menu_items() -> list[MenuItem]:
    """Called once per plugin at start-up, on that plugin alone; the endpoints are checked
    once every blueprint is registered.

    Returns navigation entries (see MenuItem), shown to users whose tenant has the plugin
    enabled; the core filters them by tenant kind and role. A hook that raises, or an item
    whose endpoint does not exist, marks the plugin failed (its pages then answer 404).
    """


@hookspec
def anjian_cli_commands() -> list["click.Command"]:
    """Called once per plugin when the `anjian` command starts.

    Returns click commands or groups, added under `anjian`. Name them after the plugin
    (e.g. a group `hazchem`) to avoid clashing with core commands, which win a clash.
    """


@hookspec
def anjian_export_formats() -> list[ExportFormat]:
    """Called once per plugin at start-up.

    Returns additional export formats offered next to xlsx on every exportable list,
    for users whose tenant has the plugin enabled. A format id already taken (xlsx, another
    plugin's, or twice in this list) marks the plugin failed.
    """


@hookspec
def anjian_job_kinds() -> list[JobKind]:
    """Called once per plugin at start-up.

    Returns background job kinds (`core.plugin_api.JobKind`): a stable kind named after
    the plugin ("hazchem.export"), the dotted path "package.module:function" of the job
    function, a Chinese title and the roles that may start it. Users start them through
    `core.plugin_api.enqueue` and see them on the 任务 page; only where the plugin is enabled.
    A kind already taken marks the plugin failed. The function's contract is the core's
    (core/jobs/registry.py): `fn(ctx, job, progress) -> dict | None`, never committing.
    """


@hookspec
def anjian_sweeps() -> list[Sweep]:
    """Called once per plugin at start-up.

    Returns periodic checks (`core.plugin_api.Sweep`) run by `anjian sweep` (and by the
    web process without Redis): `fn(ctx) -> str | None`, idempotent. Each runs once for
    every outermost jurisdiction that enabled the plugin, its context scoped to that
    subtree and acting as "plugin:<name>"; a failure is reported by `anjian sweep` and
    does not stop the other checks. A name already taken marks the plugin failed.
    """


# --- resources the plugin ships ---------------------------------------------------------

@hookspec(firstresult=True)
def anjian_migrations() -> str:
    """Called once per plugin at start-up, on that plugin alone.

    Returns the directory of the plugin's Alembic revisions (a branch of its own, labelled
    with the plugin name), run by `anjian db upgrade` together with the core's. Tables that
    hold tenant data subclass `core.plugin_api.TenantOwned` and are scoped like the core's.
    """


@hookspec(firstresult=True)
def anjian_translations() -> str:
    """Called once per plugin at start-up, on that plugin alone.

    Returns the directory of the plugin's gettext catalogue
    (`<dir>/en/LC_MESSAGES/messages.mo`). The plugin's title, description, menu labels and
    export format titles are looked up in it in the request's language; the plugin's own
    pages use `core.plugin_api.catalogue(dir)` for the same lookups.
    """


# --- reacting to what happens ----------------------------------------------------------

@hookspec
def anjian_on_event(event: Event) -> None:
    """Called after the core transaction that emitted `event` has committed, by the job
    executor (inline or an rq worker), once per plugin enabled for the event's tenant, in
    pluggy's call order, each plugin in a transaction of its own.

    Return nothing. An exception is caught: the plugin's writes are rolled back, the
    failure (plugin, event, error with the last frames of its traceback) is recorded and
    shown to operators on the plugins page (插件故障记录),
    and other plugins still receive the event. A plugin can never undo or block core data.
    """
