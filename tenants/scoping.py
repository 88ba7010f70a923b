"""Central tenant scoping.

Every ORM SELECT/UPDATE/DELETE that touches a TenantOwned model (or Tenant itself) gets the
caller's visible subtree added by one session event, so a query written without a tenant
filter still cannot read another tenant's rows. A session without a scope refuses such
queries (fail closed); the CLI and jobs state `Scope.system()` explicitly.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from tenants.models import Tenant, TenantOwned

# Execution option for the few deliberate unscoped reads (login by username, the parent
# bureau's name shown to an enterprise). Grep for it to audit them.
UNSCOPED = "anjian_unscoped"


class ScopeMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class Scope:
    """The visible part of the tenant tree: the subtree whose path starts with `prefix`;
    None means the whole tree (system: CLI, jobs, sweeps)."""

    prefix: str | None

    @classmethod
    def system(cls) -> "Scope":
        return cls(None)

    @classmethod
    def subtree(cls, tenant: Tenant) -> "Scope":
        return cls(tenant.path)

    @property
    def is_system(self) -> bool:
        return self.prefix is None


@event.listens_for(Session, "do_orm_execute")
def _apply_scope(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    # Lazy/column loads inherit the criteria of the statement that loaded their parent.
    if state.is_column_load or state.is_relationship_load:
        return
    if state.execution_options.get(UNSCOPED):
        return
    scope: Scope | None = state.session.info.get("scope")
    if scope is None:
        if _touches_tenant_data(state):
            raise ScopeMissing("tenant-owned query on a session without a scope")
        return
    if scope.is_system:
        return
    pattern = scope.prefix + "%"  # paths hold only digits and "/", nothing to escape
    state.statement = state.statement.options(
        with_loader_criteria(
            TenantOwned,
            lambda cls: cls.tenant_id.in_(
                select(Tenant.id).where(Tenant.path.like(pattern))
            ),
            include_aliases=True,
        ),
        with_loader_criteria(
            Tenant,
            lambda cls: cls.path.like(pattern),
            include_aliases=True,
        ),
    )


def _touches_tenant_data(state: ORMExecuteState) -> bool:
    for mapper in state.all_mappers:
        cls = mapper.class_
        if cls is Tenant or issubclass(cls, TenantOwned):
            return True
    return False
