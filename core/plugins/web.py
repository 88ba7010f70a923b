"""Wiring plugins into the app: the registry, their blueprints (gated by enablement) and
the sweep that redelivers events."""
from __future__ import annotations

from flask import Flask, abort, g

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


def _gate(name: str):  # noqa: ANN202
    def gate() -> None:
        from core.web import request as req
        if req.ctx() is None:
            abort(401)
        if name not in enabled_for_request():
            abort(404)
    return gate


def init_plugins(app: Flask) -> None:
    reg = build_registry(app.config.get("PLUGINS_EXTRA") or ())
    app.extensions["anjian.plugins"] = reg
    for record in reg.loaded():
        for bp in record.blueprints:
            bp.before_request(_gate(record.name))
            app.register_blueprint(bp)
    from core.jobs.registry import register_sweep
    register_sweep("plugins.events", "core.plugins.web:sweep_events")


def sweep_events(ctx) -> str:  # noqa: ANN001
    """Deliver events whose after-commit delivery failed or was lost."""
    from core.plugins.events import deliver_pending
    n = deliver_pending()
    return f"补投递 {n} 个事件" if n else "没有待投递的事件"
