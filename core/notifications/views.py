from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from core.notifications import service as notifications
from core.web import request as req
from core.web.forms import local_path

bp = Blueprint("notifications", __name__, url_prefix="/inbox")


@bp.get("")
def inbox():  # noqa: ANN201
    unread_only = request.args.get("unread") == "1"
    return render_template("notifications/inbox.html", items=notifications.inbox(req.ctx(), unread_only),
                           unread_only=unread_only)


@bp.post("/<int:notification_id>/open")
def open_(notification_id: int):  # noqa: ANN201
    n = notifications.mark_read(req.ctx(), notification_id)
    req.commit()
    return redirect(local_path(n.link) or url_for("notifications.inbox"))


@bp.post("/read-all")
def read_all():  # noqa: ANN201
    notifications.mark_all_read(req.ctx())
    req.commit()
    return redirect(url_for("notifications.inbox"))
