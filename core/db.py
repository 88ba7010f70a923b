"""Database plumbing: the declarative base, engines and sessions.

Services receive a session through their ServiceContext and never commit; the request,
CLI command or job that opened the session commits once at its boundary.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime, timezone

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

# Stable constraint names so Alembic revisions name the same thing on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Naive UTC: SQLite drops time zones, so every timestamp is stored as naive UTC."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime()}


def make_engine(url: str, pool_size: int = 10, max_overflow: int = 10, pool_timeout: int = 30) -> Engine:
    """SQLite: one file, writers queue on its lock. Otherwise a pool per process, sized from
    configuration: a request holds one connection at a time, so `pool_size` is the number of
    requests a process serves at once (gunicorn's threads) and the overflow absorbs the
    sweeper and short side sessions."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    # psycopg prepares a statement run five times, and PostgreSQL then may plan it once for
    # any parameters. Every tenant-owned query carries the scope as `path LIKE :prefix`,
    # whose selectivity a generic plan cannot know: it guesses a handful of rows and nests
    # loops that cost seconds for a city. Planning each execution for its values costs well
    # under a millisecond.
    connect_args = {"options": "-c plan_cache_mode=force_custom_plan"} if url.startswith("postgresql") else {}
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=max_overflow,
                         pool_timeout=pool_timeout, connect_args=connect_args)


# Per-transaction facts kept on the session (whether it has written, which audit chain it
# appends to): dropped when its outermost transaction ends, so the next starts clean.
_TX = "anjian_tx"


def transaction_info(session: Session) -> dict:
    return session.info.setdefault(_TX, {})


# Set once the session has written in its current transaction (flushed ORM changes or ran an
# INSERT/UPDATE/DELETE): work that must commit on its own (deeming a filing whose limit passed
# while it is read) then stays out of the way of the caller's locks.
_WROTE = "wrote"


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _flush_context) -> None:  # noqa: ANN001
    transaction_info(session)[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _wrote(state) -> None:  # noqa: ANN001
    if state.is_insert or state.is_update or state.is_delete:
        transaction_info(state.session)[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _transaction_ended(session: Session, transaction) -> None:  # noqa: ANN001
    if transaction.parent is None:
        session.info.pop(_TX, None)


def has_writes(session: Session) -> bool:
    """Whether the session has written in its transaction, and so may hold locks another
    session would wait for (changes still pending in the session hold none)."""
    return bool(session.info.get(_TX, {}).get(_WROTE))


# The session carries its tenant scope (a tenants.scoping.Scope, opaque here): set once when
# the session opens or its caller becomes known, read by the scoping events.
_SCOPE = "scope"


def bind_scope(session: Session, scope) -> None:  # noqa: ANN001
    session.info[_SCOPE] = scope


def scope_of(session: Session):  # noqa: ANN201
    return session.info.get(_SCOPE)


# Session.info key of the audit head's signing key (core.audit.service.derive_key of the app's
# secret key): set on every session the app opens, so the service layer signs without Flask.
AUDIT_KEY = "audit_key"
# Session.info key of the app's House (core.house): its file store, plugins, job kinds … —
# what services reach as `ctx.house`, so they never look at Flask's current_app.
HOUSE = "house"
_INHERITED = (AUDIT_KEY, HOUSE)


def house_of(session: Session):  # noqa: ANN201
    return session.info.get(HOUSE)


@contextlib.contextmanager
def unique_values(session: Session, taken: dict[str, Callable[[], Exception]]):  # noqa: ANN201
    """The changes made inside the block are flushed in a savepoint; when they break the
    unique constraint of a "table.column" in `taken`, what its function makes (a field
    error in Chinese) is raised and nothing else of the transaction is undone. A value
    unique nationwide (a username, a 统一社会信用代码) is the database's to know: the
    caller's scope cannot see the row that already holds it, and should not."""
    try:
        with session.begin_nested():  # flushes what was pending before, outside the savepoint
            yield
            session.flush()
    except IntegrityError as e:
        text = str(e.orig)
        for key, error in taken.items():
            table, _, column = key.partition(".")
            # SQLite names the column, PostgreSQL the constraint (NAMING_CONVENTION's "uq").
            if f"{table}.{column}" in text or f"uq_{table}_{column}" in text:
                raise error() from None
        raise


def side_session(session: Session) -> Session:
    """A new session on the same database as `session`, for a unit of work that commits on
    its own (the caller must not hold uncommitted writes, see has_writes).

    A caller that has only read ends its transaction first, giving its connection back: a
    request then holds one connection at a time, and a pool sized to the requests served at
    once cannot run dry while each waits for a second one."""
    if session.in_transaction() and not has_writes(session) and not (session.new or session.dirty or session.deleted):
        session.commit()   # nothing to write: only ends the read, loaded objects stay loaded
    s = type(session)(session.get_bind(), expire_on_commit=False)
    s.info.update((k, session.info[k]) for k in _INHERITED if k in session.info)
    return s


class Database:
    """One engine and session factory per app (and per forked worker)."""

    def __init__(self, url: str, audit_key: bytes | None = None, session_class: type[Session] = Session,
                 **pool):  # noqa: ANN003 — make_engine's
        self.url = url
        self.engine = make_engine(url, **pool)
        # Without a key (bare scripts) audit events are written with an unsigned head.
        self._info = {AUDIT_KEY: audit_key} if audit_key else {}
        self._factory = sessionmaker(self.engine, class_=session_class, expire_on_commit=False, info=self._info)

    def provide(self, house) -> None:  # noqa: ANN001
        """Every session opened from now on carries `house` (core.house.House)."""
        self._info[HOUSE] = house
        self.house = house

    def session(self, scope=None) -> Session:
        """A new session; `scope` (tenants.scoping.Scope) limits every tenant-owned query.
        Without one, tenant-owned queries are refused (fail closed), see tenants.scoping."""
        s = self._factory()
        if scope is not None:
            bind_scope(s, scope)
        return s

    def dispose(self) -> None:
        self.engine.dispose()

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")
