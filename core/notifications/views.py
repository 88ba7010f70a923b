from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for

from core.notifications import service as notifications
from core.web import request as req
from core.web.forms import local_path
from core.web.paging import page_of, query_of

bp = Blueprint("notifications", __name__, url_prefix="/inbox", template_folder="templates")
PAGE = 50


@bp.get("")
def inbox():  # noqa: ANN201
    ctx = req.ctx()
    unread_only = request.args.get("unread") == "1"
    q, paging = query_of(request.args), page_of(request.args, PAGE)
    return render_template("notifications/inbox.html", unread_only=unread_only, q=q, paging=paging,
                           items=notifications.inbox(ctx, unread_only, paging.limit, paging.offset, q=q),
                           total=notifications.inbox_count(ctx, unread_only, q=q), args=request.args)


@bp.post("/<int:notification_id>/open")
def open_(notification_id: int):  # noqa: ANN201
    n = notifications.mark_read(req.ctx(), notification_id)
    return redirect(local_path(n.link) or url_for("notifications.inbox"))


@bp.post("/read-all")
def read_all():  # noqa: ANN201
    notifications.mark_all_read(req.ctx())
    return redirect(url_for("notifications.inbox"))
