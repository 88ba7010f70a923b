"""The plugins page: what is installed, what failed, and where it is enabled."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.plugins import service
from core.web import request as req

bp = Blueprint("plugins", __name__, url_prefix="/plugins", template_folder="templates")


@bp.get("")
def index():  # noqa: ANN201
    ctx = req.ctx()
    return render_template("plugins/index.html", plugins=service.list_plugins(ctx),
                           failures=service.list_failures(ctx))


@bp.post("/<name>/enablement")
def set_enablement(name: str):  # noqa: ANN201
    ctx = req.ctx()
    choice = request.form.get("enabled")
    enabled = {"1": True, "0": False}.get(choice)
    service.set_enabled(ctx, name, enabled)
    flash(_("已启用") if enabled else _("已停用") if enabled is False else _("已恢复继承上级设置"))
    return redirect(url_for("plugins.index"))
