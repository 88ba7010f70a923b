"""In-app inbox. Later workflows (filing deadlines, campaign reminders) notify through here."""
from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from core.auth.models import User
from core.context import ServiceContext
from core.db import utcnow
from core.errors import NotFound
from core.notifications.models import Notification
from tenants.scoping import ANCESTORS


def notify(ctx: ServiceContext, user_id: int, title: str, *, body: str | None = None,
           link: str | None = None, dedupe_key: str | None = None) -> bool:
    """Send one message. With a `dedupe_key` the same message reaches a user once however
    often a sweep repeats it (insert-or-ignore on (user_id, dedupe_key)). Returns whether
    a new message was created."""
    # Upward too: an enterprise's action may notify its bureau (a drill reported, a plan to
    # re-file). Callers pass recipients chosen by the service, never by the client.
    user = ctx.session.scalar(select(User).where(User.id == user_id).execution_options(**{ANCESTORS: True}))
    if user is None:
        raise NotFound("用户不存在或无权访问")
    values = dict(user_id=user.id, tenant_id=user.tenant_id, title=title, body=body, link=link,
                  dedupe_key=dedupe_key, created_at=utcnow())
    dialect = ctx.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(Notification).values(**values).on_conflict_do_nothing(
        index_elements=["user_id", "dedupe_key"]).returning(Notification.id)
    return ctx.session.execute(stmt).scalar() is not None


def notify_role(ctx: ServiceContext, tenant_id: int, roles: tuple[str, ...], title: str, *,
                section_id: int | None = None, **kw) -> int:
    """Notify every active user of a tenant holding one of `roles` — with `section_id`, only
    that section's members and the tenant's admins; returns how many were new."""
    stmt = select(User.id).where(User.tenant_id == tenant_id, User.active.is_(True), User.role.in_(roles))
    if section_id is not None:
        stmt = stmt.where((User.section_id == section_id) | (User.role == "admin"))
    users = ctx.session.scalars(stmt.execution_options(**{ANCESTORS: True}))
    return sum(notify(ctx, uid, title, **kw) for uid in users)


def notify_many(ctx: ServiceContext, tenant_ids: list[int], roles: tuple[str, ...], title: str, *,
                body: str | None = None, link: str | None = None, dedupe_key: str | None = None) -> int:
    """The same message to every active user holding one of `roles` in any of `tenant_ids`
    (a campaign published to 500 enterprises): one query for the users, one insert, each
    user reached once per `dedupe_key`. Returns how many were new."""
    if not tenant_ids:
        return 0
    users = ctx.session.execute(select(User.id, User.tenant_id).where(
        User.tenant_id.in_(tenant_ids), User.active.is_(True), User.role.in_(roles))
        .execution_options(**{ANCESTORS: True})).all()
    if not users:
        return 0
    now = utcnow()
    dialect = ctx.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Executemany, not one multi-row VALUES: the statement compiles once however many users.
    stmt = insert(Notification).on_conflict_do_nothing(index_elements=["user_id", "dedupe_key"]).returning(
        Notification.id)
    return len(ctx.session.execute(stmt, [dict(user_id=uid, tenant_id=tid, title=title, body=body, link=link,
                                               dedupe_key=dedupe_key, created_at=now) for uid, tid in users]).all())


def unread_count(ctx: ServiceContext) -> int:
    if ctx.actor.user_id is None:
        return 0
    return ctx.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == ctx.actor.user_id, Notification.read_at.is_(None))) or 0


def _mine(ctx: ServiceContext, unread_only: bool, text: str | None = None):  # noqa: ANN202
    q = select(Notification).where(Notification.user_id == ctx.actor.user_id)
    if text:
        q = q.where(Notification.title.contains(text, autoescape=True) | Notification.body.contains(text, autoescape=True))
    return q.where(Notification.read_at.is_(None)) if unread_only else q


def inbox(ctx: ServiceContext, unread_only: bool = False, limit: int = 100, offset: int = 0, *,
          q: str | None = None) -> list[Notification]:
    """The caller's own messages, newest first (nobody reads another user's inbox); `q`
    within the title or text."""
    stmt = _mine(ctx, unread_only, q).order_by(Notification.id.desc())
    return list(ctx.session.scalars(stmt.limit(limit).offset(offset)))


def inbox_count(ctx: ServiceContext, unread_only: bool = False, *, q: str | None = None) -> int:
    return ctx.session.scalar(select(func.count()).select_from(_mine(ctx, unread_only, q).subquery())) or 0


def mark_read(ctx: ServiceContext, notification_id: int) -> Notification:
    n = ctx.session.get(Notification, notification_id)
    if n is None or n.user_id != ctx.actor.user_id:
        raise NotFound("消息不存在")
    if n.read_at is None:
        n.read_at = utcnow()
    return n


def mark_all_read(ctx: ServiceContext) -> int:
    res = ctx.session.execute(update(Notification).where(
        Notification.user_id == ctx.actor.user_id, Notification.read_at.is_(None)).values(read_at=utcnow()))
    return res.rowcount
