"""Central tenant scoping.

Every ORM SELECT/UPDATE/DELETE that touches a tenant's rows gets the caller's visible part of
the tree added by one session event, so a query written without a tenant filter still cannot
read another tenant's rows. A session without a scope refuses such queries (fail closed); the
CLI and jobs open theirs with `Scope.system()`.

Three kinds of rows:
- `Tenant` and `TenantOwned` rows: visible in the caller's subtree.
- `SharedDown` rows (a bureau's sections and settings): visible in the subtree and, read-only,
  to every tenant below their owner; so an enterprise reads its bureau's settings.
- With the `ANCESTORS` execution option a SELECT also sees the rows of the caller's
  ancestors (its bureau, its city): names of the reviewer who returned a filing, the bureau a
  notice goes to. Upward only, never sideways, and never for writes.

The scope lives on the session (`bind`, read by `scope_of`); ServiceContext reads it from
there. `Session.get` answers an object already in the identity map without SQL, so
`ScopedSession.get` checks such an object against the scope too.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from psycopg import sql
from sqlalchemy import JSON, event, insert, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from core.db import bind_scope, scope_of
from core.errors import NotFound, PermissionDenied
from tenants.models import SharedDown, Tenant, TenantOwned

# Execution option for the deliberate unscoped reads: the login by username and the token
# look-up, made before anyone is known. Grep for it to audit them.
UNSCOPED = "anjian_unscoped"
# Execution option widening a SELECT to the caller's ancestors, see the module docstring.
ANCESTORS = "anjian_with_ancestors"

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

    @property
    def ancestor_ids(self) -> tuple[int, ...]:
        """The tenants above the subtree's root (its bureau, its city), nearest last."""
        if self.prefix is None:
            return ()
        return tuple(int(p) for p in self.prefix.strip("/").split("/")[:-1] if p)

    @property
    def root_id(self) -> int | None:
        return None if self.prefix is None else int(self.prefix.strip("/").split("/")[-1])


def bind(session: Session, scope: Scope) -> None:
    """Give `session` its scope; every tenant query it runs from now on obeys it."""
    bind_scope(session, scope)


class ScopedSession(Session):
    def get(self, entity, ident, **kw: Any):  # noqa: ANN001, ANN201
        """As Session.get, but an object found in the identity map (loaded earlier by a
        system or unscoped read in this session) is returned only if the scope shows it."""
        scope = scope_of(self)
        cls = getattr(entity, "class_", entity)
        cached = (scope is not None and not scope.is_system and _is_tenant_data(cls)
                  and self.identity_key(cls, ident) in self.identity_map)
        obj = super().get(entity, ident, **kw)
        if obj is None or not cached:
            return obj
        upward = bool((kw.get("execution_options") or {}).get(ANCESTORS))
        return obj if _visible(self, scope, obj, upward) else None


def _visible(session: Session, scope: Scope, obj, upward: bool) -> bool:  # noqa: ANN001
    if isinstance(obj, Tenant):
        return obj.path.startswith(scope.prefix) or (upward and obj.id in scope.ancestor_ids)
    tid = obj.tenant_id
    if tid is None:
        return False
    if tid in scope.ancestor_ids:
        return upward or isinstance(obj, SharedDown)
    # Its tenant through the same rule: from the identity map by path, else a scoped query.
    return session.get(Tenant, tid) is not None


def _is_tenant_data(cls) -> bool:  # noqa: ANN001
    return isinstance(cls, type) and (cls is Tenant or issubclass(cls, (TenantOwned, SharedDown)))


@event.listens_for(Session, "do_orm_execute")
def _apply_scope(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    # Lazy/column loads inherit the criteria of the statement that loaded their parent.
    if state.is_column_load or state.is_relationship_load:
        return
    if state.execution_options.get(UNSCOPED):
        return
    scope = scope_of(state.session)
    if scope is None:
        if any(_is_tenant_data(m.class_) for m in state.all_mappers):
            raise ScopeMissing("tenant-owned query on a session without a scope")
        return
    if scope.is_system:
        return
    pattern = scope.prefix + "%"  # paths hold only digits and "/", nothing to escape
    above = scope.ancestor_ids
    shared = state.is_select and bool(above)  # shared-down rows are read from below, never written
    upward = shared and bool(state.execution_options.get(ANCESTORS))
    owned = _owned_or_above(pattern, above) if upward else _owned(pattern)
    state.statement = state.statement.options(
        with_loader_criteria(SharedDown, _owned_or_above(pattern, above) if shared else _owned(pattern),
                             include_aliases=True),
        with_loader_criteria(TenantOwned, owned, include_aliases=True),
        with_loader_criteria(Tenant, _tenant_or_above(pattern, above) if upward else _tenant(pattern),
                             include_aliases=True),
    )


# The criteria, one lambda each: SQLAlchemy caches a lambda's SQL by its place in the code and
# binds the closure's values (the path prefix, the ancestors' ids) as parameters.
def _owned(pattern: str):  # noqa: ANN202
    return lambda cls: cls.tenant_id.in_(select(Tenant.id).where(Tenant.path.like(pattern)))


def _owned_or_above(pattern: str, above: tuple[int, ...]):  # noqa: ANN202
    return lambda cls: cls.tenant_id.in_(select(Tenant.id).where(Tenant.path.like(pattern))) | cls.tenant_id.in_(above)


def _tenant(pattern: str):  # noqa: ANN202
    return lambda cls: cls.path.like(pattern)


def _tenant_or_above(pattern: str, above: tuple[int, ...]):  # noqa: ANN202
    return lambda cls: cls.path.like(pattern) | cls.id.in_(above)


@event.listens_for(Session, "before_flush")
def _shared_rows_are_read_only(session: Session, _ctx, _instances) -> None:  # noqa: ANN001
    """Rows seen from below (SharedDown rows of an ancestor, or anything read with
    ANCESTORS) cannot be changed from below."""
    scope = scope_of(session)
    if scope is None or scope.is_system:
        return
    above = scope.ancestor_ids
    if not above:
        return
    changed = [o for o in session.dirty if session.is_modified(o)] + list(session.deleted)
    for obj in changed:
        owner = obj.id if isinstance(obj, Tenant) else getattr(obj, "tenant_id", None) \
            if _is_tenant_data(type(obj)) else None
        if owner in above:
            raise PermissionDenied("上级单位的数据只读，不能在此修改")


def insert_rows(session: Session, model, rows: list[dict]) -> int:  # noqa: ANN001
    """Bulk Core insert of tenant rows (ledger imports, campaign publishing): a Core insert
    passes no ORM event, so every row's `tenant_id` is checked against the session's scope
    first, in one query, and nothing is inserted when one falls outside it. Returns the
    number of rows inserted."""
    if not rows:
        return 0
    if not _is_tenant_data(model) or model is Tenant:
        raise TypeError(f"{model.__name__} is not a tenant-owned model")
    scope = scope_of(session)
    if scope is None:
        raise ScopeMissing("bulk insert on a session without a scope")
    wanted = {r.get("tenant_id") for r in rows}
    if None in wanted:
        raise NotFound("单位不存在或无权访问")
    if not scope.is_system:
        seen = set(session.scalars(select(Tenant.id).where(Tenant.id.in_(wanted))))
        if wanted - seen:
            raise NotFound("单位不存在或无权访问")
    if len(rows) >= COPY_FROM and session.get_bind().dialect.name == "postgresql":
        _copy(session, model.__table__, rows)
    else:
        session.execute(insert(model.__table__), rows)
    return len(rows)


# From this many rows PostgreSQL gets them by COPY, in the session's transaction: several
# times faster than a batched INSERT for a ledger of 100,000 rows.
COPY_FROM = 1000


def _copy(session: Session, table, rows: list[dict]) -> None:  # noqa: ANN001
    session.flush()  # what the ORM holds goes first, in order
    columns = list(rows[0])
    raw = session.connection().connection.driver_connection
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(sql.Identifier(c) for c in columns))
    as_json = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSON)]
    with raw.cursor() as cur, cur.copy(statement) as copy:
        for row in rows:
            values = [row.get(c) for c in columns]
            for i in as_json:
                if values[i] is not None:
                    values[i] = json.dumps(values[i], ensure_ascii=False)
            copy.write_row(values)
