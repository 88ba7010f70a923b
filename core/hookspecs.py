"""The plugin author's contract: every hook Anjian calls, and the types they exchange.

A plugin is a module (or object) registered under the ``anjian`` entry-point group::

    [options.entry_points]              # setup.cfg; or [project.entry-points.anjian] in pyproject.toml
    anjian =
        my_plugin = my_package.plugin

and implements some of the hooks below with ``@hookimpl`` imported from this module:

    from core.hookspecs import hookimpl

    @hookimpl
    def anjian_templates():
        return [{...}]

Hooks are called with keyword arguments. A plugin that implements a hook not declared
here, or with parameters the spec does not have, is refused at start-up and listed as
failed. docs/plugins.md explains each hook with examples; a test fails when a hook here is
missing from that page.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

import pluggy

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
    returns the file's bytes. Text cells starting with = + - @ must stay inert in
    spreadsheet formats: use `core.exports.escape_formula`."""

    id: str                         # short name used in URLs, e.g. "csv"
    title: str                      # e.g. "CSV（逗号分隔）"
    extension: str                  # e.g. "csv"
    content_type: str
    render: Callable[[str, list[str], list[list[Any]]], bytes]


@dataclass(frozen=True)
class Event:
    """Something that happened in the core, delivered after its transaction committed.

    Names in use:
      - ``workflow.transition``: payload {"workflow", "action", "from", "to", "comment"?}
      - ``deadline.passed``: payload {"deadline", "what"} (from the periodic sweep)
      - ``campaign.launched``: payload {"template_id", "version"}
      - ``template.instantiated``: payload {"template_id", "version", "sha256"}
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

    Returns Flask blueprints to register (pages, JSON endpoints). Every request to them is
    refused with 404 for users whose tenant does not have the plugin enabled, and requires
    a logged-in user like every page. Use `core.web.request.ctx()` for the caller.
    """


@hookspec
def anjian_menu_items() -> list[MenuItem]:
    """Called when a page is rendered, for plugins enabled for the user's tenant.

    Returns navigation entries (see MenuItem); the core filters them by tenant kind and role.
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
    for users whose tenant has the plugin enabled.
    """


# --- reacting to what happens ----------------------------------------------------------

@hookspec
def anjian_on_event(event: Event) -> None:
    """Called after the core transaction that emitted `event` has committed, by the job
    executor (inline or an rq worker), once per plugin enabled for the event's tenant.

    Return nothing. An exception is caught: the plugin's writes are rolled back, the
    failure (plugin, event, error) is recorded and shown to operators on the plugins page,
    and other plugins still receive the event. A plugin can never undo or block core data.
    """
