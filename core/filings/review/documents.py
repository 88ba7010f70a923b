"""Documents a bureau issues on a filing (备案登记表, 补正告知书) are legal documents: what each
says is fixed once, and its PDF is rendered once and kept as a file; every later reading
serves what was kept."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select, update

from core.context import ServiceContext
from core.db import has_writes, side_session
from core.files import service as files
from core.files.models import StoredFile


def kept(ctx: ServiceContext, model, obj_id: int, attr: str, make: Callable[[ServiceContext], Any]) -> Any:  # noqa: ANN001
    """`model.attr` of a visible object, set first to `make(ctx)` while it is still empty.
    Kept in a unit of work of its own, so a plain read (a GET commits nothing) keeps it too;
    of two first readers at once the first to store wins and the other reads its value."""
    obj = ctx.session.scalar(select(model).where(model.id == obj_id))
    if getattr(obj, attr) is None:
        if has_writes(ctx.session):  # the caller's transaction holds locks: keep it there
            with ctx.session.begin_nested() as savepoint:
                if not _set_once(ctx, model, obj, attr, make):
                    savepoint.rollback()
        else:
            with side_session(ctx.session) as s:
                system = ServiceContext.system(s, "documents")
                if _set_once(system, model, s.get(model, obj.id), attr, make):
                    s.commit()
                else:
                    s.rollback()
        ctx.session.expire(obj)
    return getattr(obj, attr)


def _set_once(ctx: ServiceContext, model, obj, attr: str, make: Callable[[ServiceContext], Any]) -> bool:  # noqa: ANN001
    value = make(ctx)
    # Not a change of the object's state: no version step, so nobody's open page goes stale.
    taken = ctx.session.execute(update(model).where(model.id == obj.id, getattr(model, attr).is_(None))
                                .values({attr: value}).execution_options(synchronize_session=False)).rowcount
    return bool(taken)


def stored_copy(ctx: ServiceContext, model, obj_id: int, attr: str,  # noqa: ANN001
                render: Callable[[], bytes], filename: str) -> StoredFile:
    """The PDF kept in `model.attr` (a file id), rendered and kept on first request."""
    def keep(c: ServiceContext) -> int:
        obj = c.session.scalar(select(model).where(model.id == obj_id))
        return ctx.house.files.store_generated(c, render(), filename, "pdf", tenant_id=obj.tenant_id).id
    return files.get_file(ctx, kept(ctx, model, obj_id, attr, keep))
