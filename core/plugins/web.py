"""Wiring plugins into the app: the registry, their blueprints (gated by enablement) and
the sweep that redelivers events."""
from __future__ import annotations

from flask import Flask, abort, g
from flask_smorest import Blueprint as ApiBlueprint

from core.plugins.manager import PluginRegistry, build_registry
from core.plugins.service import enabled_plugins


def registry(app: Flask) -> PluginRegistry:
    return app.extensions["anjian.plugins"]


def enabled_for_request() -> set[str]:
    """Plugins enabled for the logged-in user's tenant, computed once per request."""
    from flask import current_app

    from core.web import request as req
    if "enabled_plugins" not in g:
        ctx = req.ctx()
        g.enabled_plugins = set() if ctx is None else enabled_plugins(ctx.session, ctx.actor.tenant_id,
                                                                        registry(current_app))
    return g.enabled_plugins


def _gate() -> None:
    """Requests to a plugin's blueprint: 401 anonymous, 404 where the plugin is not enabled.
    One app-level check (the plugin's blueprint object is never modified, so a module-level
    blueprint can serve several apps in one process)."""
    from flask import current_app, request

    from core.web import request as req
    owner = current_app.extensions["anjian.plugin_blueprints"].get(request.blueprint or "")
    if owner is None:
        return
    if req.ctx() is None:
        abort(401)
    if owner not in enabled_for_request():
        abort(404)


def init_plugins(app: Flask) -> None:
    app.extensions["anjian.plugins"] = build_registry(app.config.get("PLUGINS_EXTRA") or ())
    app.extensions["anjian.plugin_blueprints"] = {}
    app.before_request(_gate)
    from core.jobs.registry import register_sweep
    register_sweep("plugins.events", "core.plugins.web:sweep_events")


def sweep_events(ctx) -> str:  # noqa: ANN001
    """Deliver events whose after-commit delivery failed or was lost."""
    from core.plugins.events import deliver_pending
    n = deliver_pending()
    return f"补投递 {n} 个事件" if n else "没有待投递的事件"


def register_plugin_blueprints(app: Flask) -> None:
    """Page blueprints, after the core's: a plugin whose blueprint cannot be registered (e.g.
    its name clashes with a core one) is marked failed instead of stopping the app."""
    _register(app, lambda bp: not isinstance(bp, ApiBlueprint), app.register_blueprint)


def finish_plugins(app: Flask) -> None:
    """Once the core's pages and API are in place: mount the plugins' API blueprints under
    /api/v1 (in the OpenAPI document, errors as JSON), then check every menu item's endpoint."""
    api = app.extensions["anjian.api"]
    _register(app, lambda bp: isinstance(bp, ApiBlueprint),
              lambda bp: api.register_blueprint(bp, url_prefix=f"/api/v1{bp.url_prefix or ''}"))
    registry(app).check_endpoints(app.view_functions)


def _register(app: Flask, wanted, register) -> None:  # noqa: ANN001
    owners = app.extensions["anjian.plugin_blueprints"]
    reg = registry(app)
    for record in reg.loaded():
        for bp in record.blueprints:
            if not wanted(bp):
                continue
            try:
                register(bp)
            except Exception as e:  # noqa: BLE001 - contained like any plugin failure
                reg.fail(record.name, f"蓝图“{bp.name}”无法注册：{e}")
                break
            owners[bp.name] = record.name
