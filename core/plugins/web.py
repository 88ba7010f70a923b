"""Wiring plugins into the app: the registry and their blueprints (gated by enablement)."""
from __future__ import annotations

from flask import Flask, abort, current_app, g, request
from flask_smorest import Blueprint as ApiBlueprint

from core.plugins.manager import PluginRegistry, build_registry
from core.plugins.service import enabled_plugins
from core.web import request as req


def registry(app: Flask) -> PluginRegistry:
    return app.extensions["anjian.plugins"]


def enabled_for_request() -> set[str]:
    """Plugins enabled for the logged-in user's tenant, computed once per request."""
    if "enabled_plugins" not in g:
        ctx = req.ctx()
        g.enabled_plugins = set() if ctx is None else enabled_plugins(ctx.session, ctx.actor.tenant_id,
                                                                        registry(current_app))
    return g.enabled_plugins


def _gate() -> None:
    """Requests to a plugin's blueprint: 401 anonymous, 404 where the plugin is not enabled.
    One app-level check (the plugin's blueprint object is never modified, so a module-level
    blueprint can serve several apps in one process)."""
    owner = current_app.extensions["anjian.plugin_blueprints"].get(request.blueprint or "")
    if owner is None:
        return
    if req.ctx() is None:
        abort(401)
    if owner not in enabled_for_request():
        abort(404)


def init_plugins(app: Flask) -> None:
    """Load the plugins into the app's House: their templates are checked against the
    manifests' template kinds, their job kinds and sweeps join the core's."""
    house = app.extensions["anjian"]
    house.plugins = build_registry(app.config.get("PLUGINS_EXTRA") or (), house.template_kinds, house.jobs)
    app.extensions["anjian.plugins"] = house.plugins
    app.extensions["anjian.plugin_blueprints"] = {}
    app.before_request(_gate)


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
