"""The caller's in-app messages over JSON, matching the 消息 page."""
from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from core.api.auth import api_ctx
from core.notifications import service as notifications
from core.schema import DateTime, PageQuery, page, page_of

blp = Blueprint("api_notifications", __name__, url_prefix="/notifications",
                description="当前用户的消息：备案提交、退回、准予备案、期限提醒等，每条链接到办理页面")


class NotificationQuery(PageQuery):
    unread = ma.fields.Boolean(load_default=False, metadata={"label": "只看未读"})


class NotificationOut(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    body = ma.fields.String(allow_none=True)
    link = ma.fields.String(allow_none=True, metadata={"description": "本站内的办理页面路径"})
    created_at = DateTime()
    read_at = DateTime(allow_none=True)


class NotificationPage(page_of(NotificationOut)):
    unread = ma.fields.Integer(metadata={"description": "未读消息数"})


@blp.get("")
@blp.arguments(NotificationQuery, location="query")
@blp.response(200, NotificationPage)
def inbox(args: dict):  # noqa: ANN201
    """当前用户的消息，新的在前。查询参数 unread（true：只看未读）、limit、offset。"""
    ctx = api_ctx()
    return {**page(notifications.inbox(ctx, args["unread"], args["limit"], args["offset"]),
                   notifications.inbox_count(ctx, args["unread"]), args),
            "unread": notifications.unread_count(ctx)}


@blp.post("/<int:notification_id>/read")
@blp.response(200, NotificationOut)
def read(notification_id: int):  # noqa: ANN201
    """标为已读（与消息页面打开消息相同）；别人的消息返回 404。"""
    ctx = api_ctx()
    n = notifications.mark_read(ctx, notification_id)
    return n
