"""Finding, checking and loading plugins. One PluginRegistry per app, built by the factory.

Built-in plugins (package `plugins`) and third-party packages are found the same way: the
`anjian` entry-point group. A plugin that fails to import, implements an unknown hook, has
hook parameters that do not match the spec, or contributes an invalid template is listed
as failed with its error and takes no part; the app starts regardless.
"""
from __future__ import annotations

import importlib.metadata
import logging
import traceback
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint
from typing import Any

import pluggy

from core import hookspecs
from core.errors import ValidationFailed
from core.hookspecs import ExportFormat, PluginInfo
from core.plugins.templates import validate_template

log = logging.getLogger(__name__)
GROUP = "anjian"


@dataclass
class PluginRecord:
    name: str
    target: str                       # "package.module" the entry point names
    distribution: str | None = None
    version: str | None = None
    state: str = "loaded"             # loaded | failed
    error: str | None = None
    info: PluginInfo | None = None
    hooks: list[str] = field(default_factory=list)
    templates: list[dict] = field(default_factory=list)
    blueprints: list[Any] = field(default_factory=list)
    cli_commands: list[Any] = field(default_factory=list)
    export_formats: list[ExportFormat] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.info.title if self.info else self.name

    @property
    def loaded(self) -> bool:
        return self.state == "loaded"

    def contributions(self) -> dict[str, int]:
        """What the plugin adds, for the plugins page and `anjian plugins list`."""
        out: dict[str, int] = {}
        for t in self.templates:
            out[f"template:{t['kind']}"] = out.get(f"template:{t['kind']}", 0) + 1
        for key, items in (("blueprint", self.blueprints), ("cli", self.cli_commands),
                           ("export", self.export_formats)):
            if items:
                out[key] = len(items)
        for hook in ("anjian_on_event", "anjian_menu_items"):
            if hook in self.hooks:
                out[hook.removeprefix("anjian_")] = 1
        return out


def installed_entry_points() -> list[EntryPoint]:
    return sorted(importlib.metadata.entry_points(group=GROUP), key=lambda ep: ep.name)


class PluginRegistry:
    def __init__(self, entry_points: list[EntryPoint]):
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.records: dict[str, PluginRecord] = {}
        self._spec_names = {n for n in dir(hookspecs) if n.startswith("anjian_")}
        for ep in entry_points:
            self._load(ep)

    # --- loading ---

    def _load(self, ep: EntryPoint) -> None:
        dist = getattr(ep, "dist", None)
        record = PluginRecord(name=ep.name, target=ep.value, distribution=dist.name if dist else None,
                              version=dist.version if dist else None)
        if ep.name in self.records:
            record.state, record.error = "failed", f"插件名“{ep.name}”与已加载的插件重复"
            self.records[f"{ep.name}@{ep.value}"] = record
            return
        self.records[ep.name] = record
        registered = False
        try:
            obj = ep.load()
            hooks = [n for n in dir(obj) if self.pm.parse_hookimpl_opts(obj, n) is not None]
            unknown = sorted(set(hooks) - self._spec_names)
            if unknown:
                raise PluginError(f"实现了不存在的钩子：{'、'.join(unknown)}（名称拼写有误？）")
            self.pm.register(obj, name=ep.name)
            registered = True
            record.hooks = sorted(hooks)
            record.info = self._one(ep.name, "anjian_plugin_info") or None
            record.templates = [self._checked_template(t) for t in self._many(ep.name, "anjian_templates")]
            self._check_template_ids(record)
            record.blueprints = self._many(ep.name, "anjian_blueprints")
            record.cli_commands = self._many(ep.name, "anjian_cli_commands")
            record.export_formats = self._many(ep.name, "anjian_export_formats")
        except Exception as e:  # noqa: BLE001 - any failure of a plugin is contained here
            log.warning("plugin %s failed to load: %s", ep.name, e)
            if registered:
                self.pm.unregister(name=ep.name)
            record.state = "failed"
            record.error = _describe(e)
            record.templates, record.blueprints, record.cli_commands, record.export_formats = [], [], [], []

    def _impl(self, plugin: str, hook: str):  # noqa: ANN202
        for impl in getattr(self.pm.hook, hook).get_hookimpls():
            if impl.plugin_name == plugin:
                return impl
        return None

    def _one(self, plugin: str, hook: str) -> Any:
        impl = self._impl(plugin, hook)
        return impl.function() if impl else None

    def _many(self, plugin: str, hook: str) -> list:
        result = self._one(plugin, hook)
        if result is None:
            return []
        if not isinstance(result, (list, tuple)):
            raise PluginError(f"{hook} 应返回列表，实际返回 {type(result).__name__}")
        return list(result)

    @staticmethod
    def _checked_template(t: object) -> dict:
        try:
            return validate_template(t)
        except ValidationFailed as e:
            tid = t.get("id", "?") if isinstance(t, dict) else "?"
            details = "；".join(f"{k}：{'，'.join(v)}" for k, v in e.errors.items())
            raise PluginError(f"模板“{tid}”无效：{details}") from None

    def _check_template_ids(self, record: PluginRecord) -> None:
        mine = set()
        for t in record.templates:
            key = (t["id"], t["version"])
            if key in mine:
                raise PluginError(f"模板“{t['id']}”的版本 {t['version']} 重复")
            mine.add(key)
            owner = self.template_owner(t["id"])
            if owner and owner != record.name:
                raise PluginError(f"模板编号“{t['id']}”已由插件“{owner}”提供")

    # --- queries ---

    def loaded(self) -> list[PluginRecord]:
        return [r for r in self.records.values() if r.loaded]

    def get(self, name: str) -> PluginRecord | None:
        return self.records.get(name)

    def template_owner(self, template_id: str) -> str | None:
        for r in self.loaded():
            if any(t["id"] == template_id for t in r.templates):
                return r.name
        return None

    def call(self, plugin: str, hook: str, **kwargs) -> Any:
        """Call one plugin's implementation of `hook` (None when it has none)."""
        impl = self._impl(plugin, hook)
        return impl.function(**kwargs) if impl else None


class PluginError(Exception):
    pass


def _describe(e: Exception) -> str:
    if isinstance(e, (PluginError, pluggy.PluginValidationError)):
        return str(e)
    frame = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
    where = f"（{frame.filename}:{frame.lineno}）" if frame else ""
    return f"{type(e).__name__}: {e}{where}"


def build_registry(extra: list[str] | tuple[str, ...] = ()) -> PluginRegistry:
    """Installed entry points plus `extra` ("name = package.module" strings) — the latter
    lets tests and plugin developers load a module without installing it."""
    eps = installed_entry_points() + [EntryPoint(*[p.strip() for p in s.split("=", 1)], GROUP) for s in extra]
    return PluginRegistry(eps)
