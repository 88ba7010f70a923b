"""The explicit context every service function receives."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from core.errors import PermissionDenied
from tenants.scoping import Scope


@dataclass(frozen=True)
class Actor:
    """Who acts: a user (through a page, the API or a token) or the system (CLI, jobs)."""

    user_id: int | None
    username: str
    tenant_id: int | None
    tenant_kind: str | None
    tenant_path: str | None
    role: str
    section_id: int | None = None

    @classmethod
    def system(cls, name: str = "system") -> "Actor":
        return cls(None, name, None, None, None, "system")

    @property
    def is_system(self) -> bool:
        return self.role == "system"

    @property
    def is_bureau(self) -> bool:
        return self.tenant_kind == "bureau"

    @property
    def roles(self) -> list[str]:
        return [self.role]

    def has_role(self, *roles: str) -> bool:
        return self.is_system or self.role in roles


@dataclass(frozen=True)
class ServiceContext:
    session: Session
    actor: Actor
    scope: Scope = field(default_factory=Scope.system)

    def require(self, *roles: str, bureau: bool | None = None, message: str | None = None) -> None:
        """The permission check each service starts with. `bureau=True` limits the action to
        bureau users, `bureau=False` to enterprise users."""
        if self.actor.is_system:
            return
        ok = self.actor.role in roles if roles else True
        if bureau is not None and self.actor.is_bureau != bureau:
            ok = False
        if not ok:
            raise PermissionDenied(message or "当前角色无权执行此操作")

    @classmethod
    def for_user(cls, session: Session, user) -> "ServiceContext":  # noqa: ANN001
        tenant = user.tenant
        actor = Actor(user.id, user.username, tenant.id, tenant.kind, tenant.path, user.role,
                      user.section_id)
        scope = Scope.subtree(tenant)
        session.info["scope"] = scope
        return cls(session, actor, scope)

    @classmethod
    def system(cls, session: Session, name: str = "system") -> "ServiceContext":
        session.info["scope"] = Scope.system()
        return cls(session, Actor.system(name), Scope.system())
