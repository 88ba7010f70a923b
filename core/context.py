"""The explicit context every service function receives."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.db import house_of
from core.errors import PermissionDenied, refuse
from tenants.scoping import Scope, bind, scope_of


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
    """What a service function receives: the session (which carries the scope, see
    tenants.scoping) and who acts."""

    session: Session
    actor: Actor

    @property
    def scope(self) -> Scope:
        scope = scope_of(self.session)
        if scope is None:  # fail closed, as the session's queries do
            raise RuntimeError("ServiceContext on a session without a scope")
        return scope

    @property
    def house(self):  # noqa: ANN201
        """The app's wiring (core.house.House): file store, plugin registry, job kinds …"""
        house = house_of(self.session)
        if house is None:
            raise RuntimeError("ServiceContext on a session of no app (open it from the app's Database)")
        return house

    def require(self, *roles: str, bureau: bool | None = None, message: str | None = None) -> None:
        """The permission check each service starts with. `bureau=True` limits the action to
        bureau users, `bureau=False` to enterprise users."""
        refuse(self.refusal(*roles, bureau=bureau, message=message))

    def refusal(self, *roles: str, bureau: bool | None = None, message: str | None = None) -> PermissionDenied | None:
        """What `require` would raise, or None: for a rule that answers both the button
        ("may I?") and the action itself."""
        if self.actor.is_system:
            return None
        ok = self.actor.role in roles if roles else True
        if bureau is not None and self.actor.is_bureau != bureau:
            ok = False
        return None if ok else PermissionDenied(message or "当前角色无权执行此操作")

    @classmethod
    def for_user(cls, session: Session, user) -> "ServiceContext":  # noqa: ANN001
        """The user's context; binds the session to the user's subtree (a request learns
        who calls after its session opened)."""
        tenant = user.tenant
        actor = Actor(user.id, user.username, tenant.id, tenant.kind, tenant.path, user.role,
                      user.section_id)
        bind(session, Scope.subtree(tenant))
        return cls(session, actor)

    @classmethod
    def acting_for(cls, session: Session, tenant, role: str, name: str = "demo") -> "ServiceContext":  # noqa: ANN001
        """A context acting for a unit itself in `role`, without a user (the demo loaders:
        the demo has no user for every enterprise); binds the session to its subtree."""
        bind(session, Scope.subtree(tenant))
        return cls(session, Actor(None, name, tenant.id, tenant.kind, tenant.path, role))

    @classmethod
    def system(cls, session: Session, name: str = "system") -> "ServiceContext":
        """The system's context (CLI, jobs, sweeps); binds the session to the whole tree."""
        bind(session, Scope.system())
        return cls(session, Actor.system(name))
