"""People, roles and machine tokens."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, utcnow
from tenants.models import Tenant, TenantOwned

ROLES = {
    "admin": "管理员",
    "reviewer": "审核员",
    "officer": "安全管理员",
    "viewer": "只读用户",
}
BUREAU_ROLES = ("admin", "reviewer", "viewer")
ENTERPRISE_ROLES = ("admin", "officer", "viewer")


class User(TenantOwned, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="SET NULL"))
    phone: Mapped[str | None] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(default=True)
    # Throttling: consecutive failures and the time before which logins are refused.
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Bumped on password change so existing browser sessions end.
    session_epoch: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    tenant: Mapped[Tenant] = relationship(lazy="joined")

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


class ApiToken(TenantOwned, Base):
    """A bearer token for machines. Only the sha256 of the secret is stored; the secret is
    shown once. Tokens are 256-bit random, so a fast hash is enough (no KDF needed)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class LoginThrottle(Base):
    """Failed-login counter of a username no account has, so that such a name is refused
    exactly like a real one (401 until the limit, then 429): the answers do not tell which
    usernames exist. Keyed by the sha256 of the name, so a password typed into the username
    field is not kept. One row per name tried; rows whose lock has passed can be deleted."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
