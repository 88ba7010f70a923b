"""Plugins as bureaus see them: what is installed, where it is enabled, which templates a
tenant is offered, and the snapshots records are created from."""
from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select

from core.audit import service as audit
from core.context import ServiceContext
from core.errors import NotFound, ValidationFailed
from core.hookspecs import MenuItem
from core.plugins.manager import PluginRecord, PluginRegistry
from core.plugins.models import PluginFailure, PluginSetting, TemplateSnapshot
from core.plugins.templates import template_hash, version_key
from tenants.models import Tenant
from tenants.scoping import ANCESTORS


def _path_ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


def enabled_plugins(session, tenant_id: int | None, registry: PluginRegistry) -> set[str]:  # noqa: ANN001
    """Loaded plugins effectively enabled for a tenant: the nearest explicit setting on the
    path from the tenant up to the root wins; no setting anywhere means disabled."""
    return set(enabled_jurisdictions(session, tenant_id, registry))


def enabled_jurisdictions(session, tenant_id: int | None, registry: PluginRegistry) -> dict[str, int]:  # noqa: ANN001
    """Loaded plugins enabled for a tenant → the bureau whose setting enables each (the
    jurisdiction a plugin's event handler acts in)."""
    return {name: by for name, (by, on) in _settings_along_path(session, tenant_id).items()
            if on and (r := registry.get(name)) and r.loaded}


def enabling_jurisdictions(session, plugin: str) -> list[str]:  # noqa: ANN001
    """Paths of the bureaus whose own setting enables `plugin` and whose nearest setting
    above does not: the outermost jurisdictions a plugin's sweep runs in (one enabled inside
    another is covered by the outer run). Read as the system (the session's scope)."""
    rows = session.execute(select(Tenant.path, PluginSetting.enabled).join(Tenant, Tenant.id == PluginSetting.tenant_id)
                           .where(PluginSetting.plugin == plugin).order_by(Tenant.path)).all()
    decided: dict[str, bool] = {}
    roots = []
    for path, enabled in rows:  # parents sort before their children
        above = [decided[p] for p in decided if path.startswith(p)]
        if enabled and not (above and above[-1]):
            roots.append(path)
        decided[path] = enabled
    return roots


def _settings_along_path(session, tenant_id: int | None) -> dict[str, tuple[int, bool]]:  # noqa: ANN001
    """plugin → (tenant whose setting decides, enabled) for the nearest setting on the path."""
    if tenant_id is None:
        return {}
    path = session.scalar(select(Tenant.path).where(Tenant.id == tenant_id).execution_options(**{ANCESTORS: True}))
    if path is None:
        return {}
    ids = _path_ids(path)
    depth = {tid: i for i, tid in enumerate(ids)}
    rows = session.execute(select(PluginSetting.tenant_id, PluginSetting.plugin, PluginSetting.enabled)
                           .where(PluginSetting.tenant_id.in_(ids)))  # shared down from each bureau
    decided: dict[str, tuple[int, bool]] = {}
    for tid, plugin, enabled in rows:
        if plugin not in decided or depth[tid] > depth[decided[plugin][0]]:
            decided[plugin] = (tid, enabled)
    return decided


@dataclass(frozen=True)
class PluginView:
    record: PluginRecord
    enabled: bool            # effective for the caller's tenant
    explicit: bool | None    # the caller's own tenant's setting, None when inherited


def enabled_for_me(ctx: ServiceContext) -> list[PluginView]:
    """What any user may know: the plugins enabled for their own tenant."""
    registry = ctx.house.plugins
    effective = enabled_plugins(ctx.session, ctx.actor.tenant_id, registry)
    return [PluginView(registry.get(n), True, None) for n in sorted(effective)]


def list_plugins(ctx: ServiceContext, tenant_id: int | None = None) -> list[PluginView]:
    """Every plugin with its state for `tenant_id` (default: the caller's tenant)."""
    registry = ctx.house.plugins
    ctx.require("admin", message="只有管理员可以管理插件")
    if tenant_id is not None and ctx.session.get(Tenant, tenant_id) is None:
        raise NotFound("单位不存在或无权访问")
    tenant_id = tenant_id or ctx.actor.tenant_id
    effective = enabled_plugins(ctx.session, tenant_id, registry) if tenant_id else set()
    own = {} if tenant_id is None else dict(ctx.session.execute(
        select(PluginSetting.plugin, PluginSetting.enabled).where(PluginSetting.tenant_id == tenant_id)).all())
    return [PluginView(r, r.name in effective or ctx.actor.is_system, own.get(r.name))
            for r in sorted(registry.records.values(), key=lambda r: (not r.loaded, r.name))]


def set_enabled(ctx: ServiceContext, name: str, enabled: bool | None,
                tenant_id: int | None = None) -> None:
    """Enable or disable `name` for a bureau (default: the caller's) and everything below
    it; `enabled=None` removes the bureau's own choice so it inherits again."""
    registry = ctx.house.plugins
    ctx.require("admin", bureau=True, message="只有应急管理局管理员可以启用或停用插件")
    record = registry.get(name)
    if record is None:
        raise NotFound("插件不存在")
    if enabled and not record.loaded:
        raise ValidationFailed({"plugin": [f"插件“{name}”加载失败，不能启用：{record.error}"]})
    tenant = ctx.session.get(Tenant, tenant_id or ctx.actor.tenant_id or 0)
    if tenant is None:
        raise NotFound("单位不存在或无权访问")
    if not tenant.is_bureau:
        raise ValidationFailed({"tenant_id": ["插件只能按应急管理局的辖区启用或停用"]})
    row = ctx.session.scalar(select(PluginSetting).where(PluginSetting.tenant_id == tenant.id,
                                                         PluginSetting.plugin == name))
    if enabled is None:
        if row is not None:
            ctx.session.delete(row)
    elif row is None:
        ctx.session.add(PluginSetting(tenant_id=tenant.id, plugin=name, enabled=enabled,
                                      changed_by=ctx.actor.username))
    else:
        row.enabled, row.changed_by = enabled, ctx.actor.username
    word = {True: "启用", False: "停用", None: "恢复继承上级设置"}[enabled]
    audit.record(ctx, "plugin.enable" if enabled else "plugin.disable" if enabled is False else "plugin.inherit",
                 "plugin", name, f"为“{tenant.name}”及其下级{word}插件“{record.title}”",
                 payload={"plugin": name, "enabled": enabled}, tenant_id=tenant.id)


def offered_templates(ctx: ServiceContext, kind: str | None = None) -> list[dict]:
    """The newest version of each template the caller's tenant is offered: from plugins
    enabled for it, of `kind`, and for enterprises only those whose industries (if any)
    include the enterprise's industry."""
    registry = ctx.house.plugins
    kinds = ctx.house.template_kinds
    if kind is not None and kind not in kinds:
        raise ValidationFailed({"kind": [f"模板类型只能是 {'、'.join(kinds)}"]})
    tenant = ctx.session.get(Tenant, ctx.actor.tenant_id) if ctx.actor.tenant_id else None
    names = enabled_plugins(ctx.session, tenant.id, registry) if tenant else {r.name for r in registry.loaded()}
    newest: dict[str, dict] = {}
    for name in sorted(names):
        for t in registry.get(name).templates:
            if kind and t["kind"] != kind:
                continue
            if tenant is not None and not tenant.is_bureau and t["industries"] and tenant.industry not in t["industries"]:
                continue
            if t["id"] not in newest or version_key(t["version"]) > version_key(newest[t["id"]]["version"]):
                newest[t["id"]] = {**t, "plugin": name}
    return sorted(newest.values(), key=lambda t: t["title"])


def offered_template(ctx: ServiceContext, template_id: str, version: str | None = None) -> dict:
    """The newest version of an offered template, or the named `version` of it when the
    plugin still ships that version."""
    for t in offered_templates(ctx):
        if t["id"] != template_id:
            continue
        if version is None or version == t["version"]:
            return t
        for other in ctx.house.plugins.get(t["plugin"]).templates:
            if other["id"] == template_id and other["version"] == version:
                return {**other, "plugin": t["plugin"]}
        raise NotFound(f"模板“{template_id}”没有版本 {version}")
    raise NotFound("模板不存在，或所属插件未对本单位启用")


def template_versions(ctx: ServiceContext, template_id: str) -> list[str]:
    """Every version of an offered template its plugin ships, newest first."""
    t = offered_template(ctx, template_id)
    return sorted({o["version"] for o in ctx.house.plugins.get(t["plugin"]).templates if o["id"] == template_id},
                  key=version_key, reverse=True)


def snapshot(ctx: ServiceContext, template: dict) -> TemplateSnapshot:
    """The stored snapshot of exactly this template body, created on first use."""
    body = {k: v for k, v in template.items() if k != "plugin"}
    digest = template_hash(body)
    found = ctx.session.scalar(select(TemplateSnapshot).where(TemplateSnapshot.sha256 == digest))
    if found is not None:
        return found
    snap = TemplateSnapshot(sha256=digest, template_id=body["id"], version=body["version"], kind=body["kind"],
                            plugin=template.get("plugin", ""), title=body["title"], body=body)
    ctx.session.add(snap)
    ctx.session.flush()
    return snap


def menu_items(ctx: ServiceContext) -> list[MenuItem]:
    """The caller's entries from the plugins enabled for its tenant, in pluggy's call order,
    labels in the request's language. Collected and checked at start-up: nothing a plugin
    does here can break a page."""
    registry = ctx.house.plugins
    items: list[MenuItem] = []
    enabled = enabled_plugins(ctx.session, ctx.actor.tenant_id, registry)
    for name in registry.call_order("anjian_menu_items", enabled):
        record = registry.get(name)
        for item in record.menu_items:
            if item.tenant_kind and item.tenant_kind != ctx.actor.tenant_kind:
                continue
            if item.roles and ctx.actor.role not in item.roles:
                continue
            items.append(replace(item, label=record.gettext(item.label)))
    return items


def list_failures(ctx: ServiceContext, limit: int = 50) -> list[PluginFailure]:
    ctx.require("admin", message="只有管理员可以查看插件故障")
    # Scoped like every tenant row; failures without a tenant are the operator's (system).
    return list(ctx.session.scalars(select(PluginFailure).order_by(PluginFailure.id.desc()).limit(limit)))
