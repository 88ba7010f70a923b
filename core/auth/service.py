"""Users, passwords, login throttling and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import NoReturn

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

from core.audit import service as audit
from core.auth.models import (
    BUREAU_ROLES,
    ENTERPRISE_ROLES,
    ROLES,
    ApiToken,
    LoginThrottle,
    User,
)
from core.auth.schemas import PasswordIn, TokenIn, UserIn, UserUpdate
from core.context import Actor, ServiceContext
from core.db import side_session, unique_values, utcnow
from core.errors import (
    Conflict,
    DomainError,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
    Unauthorized,
    field_error,
)
from core.schema import load_or_fail
from tenants.models import Section, Tenant
from tenants.scoping import ANCESTORS, UNSCOPED

TOKEN_PREFIX = "ajt_"
# Compared against when the username is unknown, so both paths cost one KDF evaluation.
_DUMMY_HASH = generate_password_hash("not-a-password")


def hash_password(password: str) -> str:
    """scrypt (Werkzeug's default KDF) with a random salt."""
    return generate_password_hash(password)


def throttle_key(username: str) -> str:
    """The LoginThrottle key of a username as the login looks it up (surrounding blanks
    dropped, case kept: usernames are case-sensitive), so two spellings the lookup tells
    apart never share a counter."""
    return hashlib.sha256(username.strip().encode()).hexdigest()


def authenticate(session, username: str, password: str, *, max_failures: int = 5,  # noqa: ANN001
                 lock_minutes: int = 15, via: str = "page", remote_addr: str | None = None) -> User:
    """Check a password. After `max_failures` consecutive failures the name is locked for
    `lock_minutes`, whether an account has it or not (LoginThrottle), so the answers do not
    tell which usernames exist. Failures, locks and logins are recorded with their audit
    events in a unit of work of their own, committed whether the login succeeds or not: the
    refused request rolls back, its counter and event stay. `via` ("page", "api") and
    `remote_addr` go into the events. Returns the user, loaded in `session`."""
    with side_session(session) as own:
        try:
            user_id = _check_password(own, username, password, max_failures, lock_minutes, via, remote_addr)
        except DomainError:
            own.commit()
            raise
        own.commit()
    return session.scalar(select(User).where(User.id == user_id).execution_options(**{UNSCOPED: True}))


def _check_password(session, username: str, password: str, max_failures: int, lock_minutes: int,  # noqa: ANN001, PLR0913
                    via: str, remote_addr: str | None) -> int:
    username = username.strip()
    user = session.scalar(select(User).where(User.username == username)
                          .execution_options(**{UNSCOPED: True}))
    now = utcnow()
    source = {"via": via, "remote_addr": remote_addr}
    if user is None:
        _refuse_unknown(session, username, password, now, source, max_failures, lock_minutes)
    if user.locked_until and user.locked_until > now:
        # Refused without a KDF and without an event: the lock itself was recorded, and a
        # cheap request must not append to the audit chain.
        raise TooManyAttempts(_lock_message(user.locked_until, now))
    # Counters change through one atomic UPDATE that leaves `version` alone: a login must
    # neither conflict with an admin editing the user nor with a concurrent login.
    if not check_password_hash(user.password_hash, password):
        failed = User.failed_logins + 1
        row = session.execute(update(User).where(User.id == user.id).values(
            failed_logins=case((failed >= max_failures, 0), else_=failed),
            locked_until=case((failed >= max_failures, now + timedelta(minutes=lock_minutes)),
                              else_=User.locked_until))
            .returning(User.failed_logins)
            .execution_options(synchronize_session=False, **{UNSCOPED: True})).one()
        ctx = _login_ctx(session)
        audit.record(ctx, "user.login_failed", "user", user.id, f"用户 {user.username} 登录失败：密码错误",
                     payload={**source, "reason": "password"}, tenant_id=user.tenant_id)
        if row.failed_logins == 0:  # the count starts again only when this failure locked
            audit.record(ctx, "user.locked", "user", user.id,
                         f"用户 {user.username} 连续{max_failures}次登录失败，锁定{lock_minutes}分钟",
                         payload=source, tenant_id=user.tenant_id)
        raise Unauthorized("用户名或密码错误")
    if not user.active:
        audit.record(_login_ctx(session), "user.login_failed", "user", user.id,
                     f"用户 {user.username} 登录失败：账号已停用", payload={**source, "reason": "inactive"},
                     tenant_id=user.tenant_id)
        raise Unauthorized("账号已停用，请联系管理员")
    session.execute(update(User).where(User.id == user.id)
                    .values(failed_logins=0, locked_until=None, last_login_at=now)
                    .execution_options(synchronize_session=False, **{UNSCOPED: True}))
    audit.record(_login_ctx(session, user), "user.login", "user", user.id,
                 f"用户 {user.username} 登录" + ("（API，换取令牌）" if via == "api" else ""), payload=source)
    return user.id


def _refuse_unknown(session, username: str, password: str, now, source: dict,  # noqa: ANN001
                    max_failures: int, lock_minutes: int) -> NoReturn:
    """A name no account has: the same answers, in the same time, as a real account with a
    wrong password. The event has no tenant (a system event) and keeps only the name's hash."""
    key = throttle_key(username)
    locked_until = session.scalar(select(LoginThrottle.locked_until).where(LoginThrottle.key == key))
    if locked_until and locked_until > now:
        raise TooManyAttempts(_lock_message(locked_until, now))
    check_password_hash(_DUMMY_HASH, password)
    t = LoginThrottle.__table__
    failed = t.c.failed_logins + 1
    lock = now + timedelta(minutes=lock_minutes)
    first_locks = max_failures <= 1
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # One atomic upsert, as for accounts: concurrent failures each count.
    row = session.execute(
        insert(t).values(key=key, failed_logins=0 if first_locks else 1,
                         locked_until=lock if first_locks else None, updated_at=now)
        .on_conflict_do_update(index_elements=[t.c.key], set_={
            "failed_logins": case((failed >= max_failures, 0), else_=failed),
            "locked_until": case((failed >= max_failures, lock), else_=t.c.locked_until),
            "updated_at": now})
        .returning(t.c.failed_logins)).one()
    ctx = _login_ctx(session)
    payload = {**source, "reason": "unknown_username", "username_sha256": key}
    audit.record(ctx, "user.login_failed", "user", None, "登录失败：用户名不存在", payload=payload)
    if row.failed_logins == 0:
        audit.record(ctx, "user.locked", "user", None,
                     f"不存在的用户名连续{max_failures}次登录失败，锁定{lock_minutes}分钟", payload=payload)
    raise Unauthorized("用户名或密码错误")


def _lock_message(locked_until, now) -> str:  # noqa: ANN001
    minutes = int((locked_until - now).total_seconds() // 60) + 1
    return f"登录失败次数过多，请{minutes}分钟后再试"


def _login_ctx(session, user: User | None = None) -> ServiceContext:  # noqa: ANN001
    """The context a login's events are recorded with: the account once it has logged in;
    before that nobody, since whoever typed the password is not known to own the account.
    Built without touching the session's scope (the login request has none yet)."""
    if user is None:
        return ServiceContext(session, Actor(None, "anonymous", None, None, None, "anonymous"))
    t = user.tenant
    return ServiceContext(session, Actor(user.id, user.username, t.id, t.kind, t.path, user.role, user.section_id))


def _allowed_roles(tenant: Tenant) -> tuple[str, ...]:
    return BUREAU_ROLES if tenant.is_bureau else ENTERPRISE_ROLES


def _check_role_and_section(ctx: ServiceContext, tenant: Tenant, role: str, section_id: int | None) -> None:
    if role not in _allowed_roles(tenant):
        allowed = "、".join(ROLES[r] for r in _allowed_roles(tenant))
        raise field_error("role", f"{tenant.kind_label}用户的角色只能是：{allowed}")
    if section_id is not None:
        section = ctx.session.get(Section, section_id)
        if section is None or section.tenant_id != tenant.id:
            raise field_error("section_id", "所属股室须为该用户所在单位的股室")


def _can_manage(ctx: ServiceContext, tenant: Tenant) -> None:
    """Admins manage users of their own tenant; bureau admins also those below it."""
    ctx.require("admin", message="只有管理员可以管理用户")
    if not ctx.actor.is_system and not ctx.actor.is_bureau and tenant.id != ctx.actor.tenant_id:
        raise NotFound("单位不存在或无权访问")


def list_users(ctx: ServiceContext, tenant_id: int | None = None, *, q: str | None = None,
               limit: int | None = None, offset: int = 0) -> list[User]:
    """Visible users by unit, then username; `q` within the username, name or phone."""
    ctx.require("admin", "reviewer", message="无权查看用户列表")
    stmt = _users(select(User).join(User.tenant), tenant_id, q)
    return list(ctx.session.scalars(stmt.order_by(Tenant.path, User.username).limit(limit).offset(offset)))


def count_users(ctx: ServiceContext, tenant_id: int | None = None, *, q: str | None = None) -> int:
    ctx.require("admin", "reviewer", message="无权查看用户列表")
    return ctx.session.scalar(_users(select(func.count(User.id)), tenant_id, q)) or 0


def _users(stmt, tenant_id: int | None, q: str | None):  # noqa: ANN001, ANN202
    if tenant_id:
        stmt = stmt.where(User.tenant_id == tenant_id)
    if q:
        stmt = stmt.where(User.username.contains(q, autoescape=True) | User.display_name.contains(q, autoescape=True)
                          | User.phone.contains(q, autoescape=True))
    return stmt


def get_user(ctx: ServiceContext, user_id: int) -> User:
    user = ctx.session.get(User, user_id)
    if user is None:
        raise NotFound("用户不存在或无权访问")
    return user


# Usernames are unique nationwide: the database says so when a flush breaks it.
USERNAME_TAKEN = {"users.username": lambda: field_error("username", "用户名已被使用")}


def create_user(ctx: ServiceContext, data: dict) -> User:
    d = load_or_fail(UserIn(), data)
    tenant = ctx.session.get(Tenant, d["tenant_id"] or ctx.actor.tenant_id or 0)
    if tenant is None:
        raise field_error("tenant_id", "所属单位不存在或无权访问")
    _can_manage(ctx, tenant)
    _check_role_and_section(ctx, tenant, d["role"], d["section_id"])
    user = User(tenant_id=tenant.id, username=d["username"], display_name=d["display_name"],
                password_hash=hash_password(d["password"]), role=d["role"],
                section_id=d["section_id"], phone=d["phone"])
    with unique_values(ctx.session, USERNAME_TAKEN):
        ctx.session.add(user)
    audit.record(ctx, "user.create", "user", user.id,
                 f"新建用户 {user.username}（{user.display_name}，{user.role_label}）",
                 payload={k: v for k, v in d.items() if k != "password"}, tenant_id=tenant.id)
    return user


def update_user(ctx: ServiceContext, user_id: int, data: dict) -> User:
    user = get_user(ctx, user_id)
    _can_manage(ctx, user.tenant)
    d = load_or_fail(UserUpdate(), data)
    if d["version"] != user.version:
        raise Conflict("该用户已被他人修改，请刷新后重试")
    if user.id == ctx.actor.user_id and (d["role"] != user.role or not d["active"]):
        raise PermissionDenied("不能修改自己的角色或停用自己")
    _check_role_and_section(ctx, user.tenant, d["role"], d["section_id"])
    for f in ("display_name", "role", "section_id", "phone", "active"):
        setattr(user, f, d[f])
    ctx.session.flush()
    audit.record(ctx, "user.update", "user", user.id, f"修改用户 {user.username}",
                 payload={k: v for k, v in d.items()}, tenant_id=user.tenant_id)
    return user


def set_password(ctx: ServiceContext, user_id: int, data: dict) -> User:
    """Users change their own password; admins reset passwords of users they manage."""
    user = get_user(ctx, user_id)
    if user.id != ctx.actor.user_id:
        _can_manage(ctx, user.tenant)
    d = load_or_fail(PasswordIn(), data)
    user.password_hash = hash_password(d["password"])
    user.session_epoch += 1
    user.failed_logins = 0
    user.locked_until = None
    ctx.session.flush()
    audit.record(ctx, "user.password", "user", user.id, f"修改用户 {user.username} 的密码",
                 tenant_id=user.tenant_id)
    # A new password ends what the old one opened: browser sessions (the epoch above) and
    # API tokens, which anyone who knew the old password could have created.
    now = utcnow()
    for token in list(ctx.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                                 ApiToken.revoked_at.is_(None)))):
        token.revoked_at = now
        audit.record(ctx, "token.revoke", "api_token", token.id,
                     f"修改用户 {user.username} 的密码时吊销 API 令牌“{token.name}”",
                     payload={"reason": "password"}, tenant_id=token.tenant_id)
    return user


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(ctx: ServiceContext, user_id: int, data: dict | None = None) -> tuple[ApiToken, str]:
    """Returns the row and the secret; the secret is not stored and cannot be shown again."""
    user = get_user(ctx, user_id)
    if user.id != ctx.actor.user_id:
        _can_manage(ctx, user.tenant)
    d = load_or_fail(TokenIn(), data or {})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(tenant_id=user.tenant_id, user_id=user.id, name=d["name"],
                     prefix=secret[:10], token_hash=_token_hash(secret))
    ctx.session.add(token)
    ctx.session.flush()
    audit.record(ctx, "token.create", "api_token", token.id,
                 f"为用户 {user.username} 创建 API 令牌“{token.name}”", tenant_id=user.tenant_id)
    return token, secret


def list_tokens(ctx: ServiceContext, user_id: int) -> list[ApiToken]:
    user = get_user(ctx, user_id)
    if user.id != ctx.actor.user_id:
        _can_manage(ctx, user.tenant)
    return list(ctx.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                                    .order_by(ApiToken.id.desc())))


def revoke_token(ctx: ServiceContext, token_id: int) -> ApiToken:
    token = ctx.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound("令牌不存在或无权访问")
    if token.user_id != ctx.actor.user_id:
        _can_manage(ctx, token.user.tenant)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit.record(ctx, "token.revoke", "api_token", token.id, f"吊销 API 令牌“{token.name}”",
                     tenant_id=token.tenant_id)
    return token


def user_for_token(session, secret: str) -> User | None:  # noqa: ANN001
    """The active user a bearer secret belongs to, or None (unknown or revoked)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(secret))
                           .execution_options(**{UNSCOPED: True}))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    # Keep writes rare: record use at most once a minute. Recorded in a transaction of its
    # own, so a read over the API (which commits nothing) keeps it too, and the request's
    # own transaction starts without a write of ours.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        with side_session(session) as s:
            s.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now)
                      .execution_options(**{UNSCOPED: True}))
            s.commit()
        set_committed_value(token, "last_used_at", now)
    return token.user


def user_for_session(session, user_id: int, epoch: int) -> User | None:  # noqa: ANN001
    user = session.scalar(select(User).where(User.id == user_id).execution_options(**{UNSCOPED: True}))
    if user is None or not user.active or user.session_epoch != epoch:
        return None
    return user


def display_names(ctx: ServiceContext, ids) -> dict[int, str]:  # noqa: ANN001
    """user id → display name, for the people named on what the caller sees: its own
    subtree's users and those of the tenants above it (the bureau reviewer who returned a
    filing, the county admin who started a job for an enterprise, the city reviewer who
    acted in a county). Never a sibling's: the ANCESTORS rule reads upward only."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(ctx.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))
                                    .execution_options(**{ANCESTORS: True})).all())
