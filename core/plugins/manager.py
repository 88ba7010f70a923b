"""Finding, checking and loading plugins. One PluginRegistry per app, built by the factory.

Built-in plugins (package `plugins`) and third-party packages are found the same way: the
`anjian` entry-point group. A plugin that fails to import, implements an unknown hook, has
hook parameters that do not match the spec, or contributes something invalid (a template,
an export format, a menu item) is listed as failed with its reason and takes no part; the
app starts regardless.

Every hook is called through pluggy. Start-up hooks are called on one plugin at a time (a
subset hook caller without the others), so each contribution is attributed to its plugin;
per-tenant calls go through a subset without the plugins disabled there, so firstresult,
tryfirst/trylast and registration order mean what pluggy documents.
"""
from __future__ import annotations

import importlib.metadata
import inspect
import logging
import re
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pluggy
from flask_babel import Domain

from core import hookspecs
from core.errors import ValidationFailed
from core.hookspecs import ExportFormat, MenuItem, PluginInfo
from core.jobs.registry import JobKind, JobRegistry, Sweep
from core.plugins.templates import Kinds, validate_templates

log = logging.getLogger(__name__)
GROUP = "anjian"
FORMAT_ID_RE = re.compile(r"^[a-z][a-z0-9_-]{0,19}$")
BUILTIN_FORMATS = ("xlsx",)
# Reasons already logged in this process: several apps (tests, a CLI that builds one per
# command) must not repeat the same warning each time they load the same broken plugin.
_LOGGED: set[tuple[str, str]] = set()


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
    menu_items: list[MenuItem] = field(default_factory=list)
    job_kinds: list[JobKind] = field(default_factory=list)
    sweeps: list[Sweep] = field(default_factory=list)
    migrations: Path | None = None
    translations: Domain | None = field(default=None, repr=False)

    @property
    def title(self) -> str:
        return self.gettext(self.info.title) if self.info else self.name

    @property
    def description(self) -> str:
        return self.gettext(self.info.description) if self.info and self.info.description else ""

    @property
    def loaded(self) -> bool:
        return self.state == "loaded"

    def gettext(self, text: str) -> str:
        """`text` in the request's language from the plugin's own catalogue (unchanged when it
        ships none or has no entry): plugin labels never mix with the core's messages."""
        return self.translations.gettext(text) if self.translations and text else text

    def contributions(self) -> dict[str, int]:
        """What the plugin adds, for the plugins page and `anjian plugins list`; nothing for
        a failed plugin, which takes no part."""
        if not self.loaded:
            return {}
        out: dict[str, int] = {}
        for t in self.templates:
            out[f"template:{t['kind']}"] = out.get(f"template:{t['kind']}", 0) + 1
        for key, items in (("blueprint", self.blueprints), ("cli", self.cli_commands),
                           ("export", self.export_formats), ("menu", self.menu_items),
                           ("job", self.job_kinds), ("sweep", self.sweeps)):
            if items:
                out[key] = len(items)
        if self.migrations:
            out["migrations"] = 1
        if "anjian_on_event" in self.hooks:
            out["on_event"] = 1
        return out

    def fail(self, reason: str) -> None:
        self.state, self.error = "failed", reason
        self.templates, self.blueprints, self.cli_commands, self.export_formats = [], [], [], []
        self.menu_items, self.job_kinds, self.sweeps, self.migrations = [], [], [], None
        key = (self.name, reason)
        if key not in _LOGGED:
            _LOGGED.add(key)
            log.warning("plugin %s failed: %s", self.name, reason)


def installed_entry_points() -> list[EntryPoint]:
    return sorted(importlib.metadata.entry_points(group=GROUP), key=lambda ep: ep.name)


class PluginRegistry:
    """Loads each entry point, validating its templates against `template_kinds` (the
    app's, from the manifests) and adding its job kinds and sweeps to `jobs`."""

    def __init__(self, entry_points: list[EntryPoint], template_kinds: Kinds, jobs: JobRegistry | None = None):
        self.template_kinds, self.jobs = template_kinds, jobs if jobs is not None else JobRegistry()
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
            self.records[f"{ep.name}@{ep.value}"] = record
            record.fail(f"插件名“{ep.name}”与已加载的插件重复")
            return
        self.records[ep.name] = record
        try:
            obj = ep.load()
            hooks = [n for n in dir(obj) if self.pm.parse_hookimpl_opts(obj, n) is not None]
            unknown = sorted(set(hooks) - self._spec_names)
            if unknown:
                raise PluginError(f"实现了不存在的钩子：{'、'.join(unknown)}（名称拼写有误？）")
            for hook in hooks:
                self._check_parameters(hook, getattr(obj, hook))
            self.pm.register(_Handle(obj, hooks), name=ep.name)
            record.hooks = sorted(hooks)
            record.info = self._one(ep.name, "anjian_plugin_info") or None
            if record.info is not None and not isinstance(record.info, PluginInfo):
                raise PluginError(f"anjian_plugin_info 应返回 PluginInfo，实际返回 {type(record.info).__name__}")
            record.templates = self._checked_templates(ep.name, self._many(ep.name, "anjian_templates"))
            self._check_template_ids(record)
            record.blueprints = self._many(ep.name, "anjian_blueprints")
            record.cli_commands = self._many(ep.name, "anjian_cli_commands")
            record.export_formats = self._checked_formats(record, self._many(ep.name, "anjian_export_formats"))
            record.menu_items = self._checked_menu(self._many(ep.name, "anjian_menu_items"))
            record.job_kinds = self._many(ep.name, "anjian_job_kinds")
            record.sweeps = self._many(ep.name, "anjian_sweeps")
            try:
                self.jobs.add(record.job_kinds, record.sweeps, plugin=ep.name)
            except ValueError as e:
                raise PluginError(str(e)) from None
            record.migrations = self._directory(ep.name, "anjian_migrations")
            catalogue = self._directory(ep.name, "anjian_translations")
            record.translations = Domain(translation_directories=[str(catalogue)]) if catalogue else None
        except Exception as e:  # noqa: BLE001 - any failure of a plugin is contained here
            self._drop(record, _describe(e))

    def _drop(self, record: PluginRecord, reason: str) -> None:
        if self.pm.get_plugin(record.name) is not None:
            self.pm.unregister(name=record.name)
        self.jobs.remove_plugin(record.name)
        record.fail(reason)

    def _check_parameters(self, hook: str, fn: Any) -> None:
        """pluggy refuses a hookimpl whose parameters the spec lacks, in English; the same
        rule here names the hook's parameters in Chinese."""
        spec = getattr(self.pm.hook, hook).spec
        allowed = list(spec.argnames) if spec else []
        try:
            params = [p.name for p in inspect.signature(fn).parameters.values()
                      if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        except (TypeError, ValueError):
            return
        extra = [p for p in params if p not in allowed]
        if extra:
            offered = f"参数只能是 {'、'.join(allowed)}" if allowed else "该钩子没有参数"
            raise PluginError(f"钩子 {hook} 的实现有该钩子没有的参数 {'、'.join(extra)}；{offered}")

    def _one(self, plugin: str, hook: str, **kwargs) -> Any:
        """The plugin's own result of `hook` through pluggy (None when it has none)."""
        result = getattr(self.hook_for((plugin,)), hook)(**kwargs)
        if getattr(self.pm.hook, hook).spec.opts.get("firstresult"):
            return result
        return result[0] if result else None

    def _many(self, plugin: str, hook: str) -> list:
        result = self._one(plugin, hook)
        if result is None:
            return []
        if not isinstance(result, (list, tuple)):
            raise PluginError(f"{hook} 应返回列表，实际返回 {type(result).__name__}")
        return list(result)

    def _directory(self, plugin: str, hook: str) -> Path | None:
        result = self._one(plugin, hook)
        if result is None:
            return None
        path = Path(result)
        if not path.is_dir():
            raise PluginError(f"{hook} 返回的目录“{path}”不存在")
        return path

    def _checked_templates(self, plugin: str, templates: list) -> list[dict]:
        try:
            return validate_templates(templates, self.template_kinds, plugin)
        except ValidationFailed as e:
            details = "；".join(f"{k}：{'，'.join(v)}" for k, v in e.errors.items())
            raise PluginError(f"模板无效：{details}") from None

    def _check_template_ids(self, record: PluginRecord) -> None:
        mine = set()
        for t in record.templates:
            key = (t["id"], t["version"])
            if key in mine:
                raise PluginError(f"模板“{t['id']}”的版本 {t['version']} 重复")
            mine.add(key)

    def _checked_formats(self, record: PluginRecord, formats: list) -> list[ExportFormat]:
        """A format id names one format in URLs: the same id twice (in this plugin, in another
        loaded plugin or a built-in) would make the offered link ambiguous."""
        taken = {f: "平台" for f in BUILTIN_FORMATS}
        for other in self.loaded():
            if other is not record:
                taken.update({f.id: f"插件“{other.name}”" for f in other.export_formats})
        for f in formats:
            if not isinstance(f, ExportFormat):
                raise PluginError(f"anjian_export_formats 应返回 ExportFormat 列表，其中有 {type(f).__name__}")
            if not FORMAT_ID_RE.match(f.id):
                raise PluginError(f"导出格式编号“{f.id}”只能由小写字母、数字、下划线和连字符组成，并以字母开头")
            if f.id in taken:
                raise PluginError(f"导出格式编号“{f.id}”重复（已由{taken[f.id]}提供）")
            taken[f.id] = "本插件"
        return formats

    @staticmethod
    def _checked_menu(items: list) -> list[MenuItem]:
        for item in items:
            if not isinstance(item, MenuItem):
                raise PluginError(f"anjian_menu_items 应返回 MenuItem 列表，其中有 {type(item).__name__}")
        return items

    def check_endpoints(self, endpoints: Iterable[str]) -> None:
        """Once the app's blueprints are registered: a menu item pointing nowhere would make
        every page that renders the menu fail, so it fails its plugin instead."""
        known = set(endpoints)
        for record in self.loaded():
            missing = [m.endpoint for m in record.menu_items if m.endpoint not in known]
            if missing:
                self._drop(record, f"菜单项指向不存在的页面端点：{'、'.join(missing)}")

    def fail(self, name: str, reason: str) -> None:
        self._drop(self.records[name], reason)

    # --- calling ---

    def hook_for(self, plugins: Iterable[str]) -> "_Hooks":
        """pluggy's hook relay restricted to `plugins` (e.g. those enabled for a tenant)."""
        return _Hooks(self.pm, frozenset(plugins))

    def call_order(self, hook: str, plugins: Iterable[str]) -> list[str]:
        """`plugins` in the order pluggy calls their `hook` (tryfirst, then last registered
        first, trylast at the end)."""
        wanted = set(plugins)
        impls = getattr(self.pm.hook, hook).get_hookimpls()
        return [i.plugin_name for i in reversed(impls) if i.plugin_name in wanted]

    def call(self, plugin: str, hook: str, **kwargs) -> Any:
        """One plugin's result of `hook`, called through pluggy (None when it has none)."""
        return self._one(plugin, hook, **kwargs)

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

    def migration_locations(self) -> list[Path]:
        return [r.migrations for r in self.loaded() if r.migrations]


class _Handle:
    """What is registered with pluggy for a plugin object. pluggy keeps the plugins a subset
    caller leaves out in a set; a module is hashable, but a namespace or a dataclass instance
    need not be, so each plugin goes in through a handle hashed by identity."""

    def __init__(self, obj: Any, hooks: list[str]):
        self.plugin = obj
        for name in hooks:
            setattr(self, name, getattr(obj, name))


class _Hooks:
    def __init__(self, pm: pluggy.PluginManager, keep: frozenset[str]):
        self._pm, self._keep = pm, keep

    def __getattr__(self, hook: str):  # noqa: ANN204
        drop = [p for name, p in self._pm.list_name_plugin() if name not in self._keep]
        return self._pm.subset_hook_caller(hook, remove_plugins=drop)


class PluginError(Exception):
    pass


def describe_failure(e: BaseException, frames: int = 3) -> str:
    """The error with the last `frames` frames of its traceback: where in the plugin it broke.
    The message is cut to 1,000 characters so the frames always fit the 4,000 stored."""
    tb = traceback.extract_tb(e.__traceback__)[-frames:] if e.__traceback__ else []
    where = "".join(traceback.format_list(tb))[-2900:]
    return f"{type(e).__name__}: {str(e)[:1000]}" + (f"\n{where.rstrip()}" if where else "")


def _describe(e: Exception) -> str:
    if isinstance(e, (PluginError, pluggy.PluginValidationError)):
        return str(e)
    frame = traceback.extract_tb(e.__traceback__)[-1] if e.__traceback__ else None
    where = f"（{frame.filename}:{frame.lineno}）" if frame else ""
    return f"{type(e).__name__}: {e}{where}"


def build_registry(extra: list[str] | tuple[str, ...], template_kinds: Kinds,
                   jobs: JobRegistry | None = None) -> PluginRegistry:
    """Installed entry points plus `extra` ("name = package.module" strings) — the latter
    lets tests and plugin developers load a module without installing it."""
    eps = installed_entry_points() + [EntryPoint(*[p.strip() for p in s.split("=", 1)], GROUP) for s in extra]
    return PluginRegistry(eps, template_kinds, jobs)
