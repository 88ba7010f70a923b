"""How the house is wired: each area describes itself in one Manifest, and `create_app`
builds one House per app from the core's manifests and the plugins' hooks.

Services never look the wiring up on Flask's `current_app`: a session of the app's
database carries its House (as it carries the scope), and `ctx.house` reads it. So a page,
an API call, a CLI command and a job reach the same file store, plugin registry and job
kinds in the same way.

A manifest is plain data; only the app factory (and the CLI) import manifests, so an area
never imports another area's pages or API to be registered.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.jobs.registry import JobKind, JobRegistry, Sweep
from core.plugins.templates import TemplateKind

# Names what an audit event points at: (session, ids) → [(id, name), ...], read through the
# caller's scope so an object the reader cannot see stays unnamed.
ObjectNames = Callable[[Session, set[int]], Iterable[tuple[int, str]]]
# Run inside the transaction that changed something shared (e.g. "calendar.changed" after
# a holiday notice is loaded); returns a message and its parameters for the operator, or None.
Listener = Callable[..., "tuple[str, dict] | None"]


def named_by(id_col, name_col) -> ObjectNames:  # noqa: ANN001
    """The common case: an object is named by one column of its row."""
    return lambda session, ids: session.execute(select(id_col, name_col).where(id_col.in_(ids))).all()


@dataclass(frozen=True)
class Manifest:
    """What one area brings to the app.

    pages: Flask blueprints of its pages. api: flask-smorest blueprints (mounted under /api/v1).
    commands: click commands or groups added to `anjian`.
    jobs / sweeps: its background job kinds and periodic checks (core.jobs.registry).
    template_kinds: the template kinds it runs, validated when a plugin contributes one.
    events: the event names it emits (core.plugins.events.emit refuses any other).
    object_names: audit object_type → how to name such an object on the audit page.
    listeners: notification name → functions run when another area announces it.
    """

    name: str
    pages: tuple = ()
    api: tuple = ()
    commands: tuple = ()
    jobs: tuple[JobKind, ...] = ()
    sweeps: tuple[Sweep, ...] = ()
    template_kinds: tuple[TemplateKind, ...] = ()
    events: tuple[str, ...] = ()
    object_names: Mapping[str, ObjectNames] = field(default_factory=dict)
    listeners: Mapping[str, tuple[Listener, ...]] = field(default_factory=dict)


@dataclass
class House:
    """One app's infrastructure and registries, reached by services as `ctx.house`."""

    config: Mapping[str, Any]
    instance_path: str
    manifests: tuple[Manifest, ...]
    db: Any = None                     # core.db.Database
    files: Any = None                  # core.files.service.FileStore
    plugins: Any = None                # core.plugins.manager.PluginRegistry
    executor: Any = None               # core.jobs.executor: inline or rq
    jobs: JobRegistry = field(default_factory=JobRegistry)
    template_kinds: dict[str, TemplateKind] = field(default_factory=dict)
    events: tuple[str, ...] = ()
    object_names: dict[str, ObjectNames] = field(default_factory=dict)
    listeners: dict[str, list[Listener]] = field(default_factory=dict)

    @classmethod
    def build(cls, config: Mapping[str, Any], instance_path: str, manifests: Iterable[Manifest]) -> "House":
        """Every registry from the manifests; a name declared twice is a programming error."""
        house = cls(config, instance_path, tuple(manifests))
        events: list[str] = []
        for m in house.manifests:
            house.jobs.add(m.jobs, m.sweeps)
            for kind in m.template_kinds:
                if kind.kind in house.template_kinds:
                    raise ValueError(f"template kind {kind.kind!r} declared twice")
                house.template_kinds[kind.kind] = kind
            events += [e for e in m.events if e not in events]
            for obj_type, names in m.object_names.items():
                if obj_type in house.object_names:
                    raise ValueError(f"audit object type {obj_type!r} named twice")
                house.object_names[obj_type] = names
            for name, funcs in m.listeners.items():
                house.listeners.setdefault(name, []).extend(funcs)
        house.events = tuple(events)
        return house

    def announce(self, name: str, ctx, **params) -> list[tuple[str, dict]]:  # noqa: ANN001
        """Run every listener of `name` in the caller's transaction; their messages, in order."""
        return [out for listener in self.listeners.get(name, ()) if (out := listener(ctx, **params))]
