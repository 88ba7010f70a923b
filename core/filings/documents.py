"""Documents a bureau issues on a filing (备案登记表, 补正告知书) are legal documents: each is
rendered once and kept as a file, and every later download serves that copy."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update

from core.context import ServiceContext
from core.db import has_writes, side_session
from core.files import service as files
from core.files.models import StoredFile
from core.files.service import FileStore


def stored_copy(ctx: ServiceContext, store: FileStore, model, obj_id: int, attr: str,  # noqa: ANN001
                render: Callable[[], bytes], filename: str) -> StoredFile:
    """The file kept in `model.attr` of a visible object, rendering and keeping it first if
    there is none yet. The first copy is kept in a unit of work of its own, so a plain GET
    keeps it too; of two first requests at once, the one that stores first wins and the
    other serves that copy."""
    obj = ctx.session.scalar(select(model).where(model.id == obj_id))
    if getattr(obj, attr) is None:
        data = render()
        if has_writes(ctx.session):
            with ctx.session.begin_nested() as savepoint:
                if not _keep(ctx, store, model, obj, attr, data, filename):
                    savepoint.rollback()
        else:
            with side_session(ctx.session) as s:
                if _keep(ServiceContext.system(s, "documents"), store, model, obj, attr, data, filename):
                    s.commit()
                else:
                    s.rollback()
        ctx.session.expire(obj)
    return files.get_file(ctx, getattr(obj, attr))


def _keep(ctx: ServiceContext, store: FileStore, model, obj, attr: str, data: bytes,  # noqa: ANN001
          filename: str) -> bool:
    row = store.store_generated(ctx, data, filename, "pdf", tenant_id=obj.tenant_id)
    column = getattr(model, attr)
    # Not a change of the object's state: no version step, so nobody's edit goes stale.
    taken = ctx.session.execute(update(model).where(model.id == obj.id, column.is_(None)).values({attr: row.id})
                                .execution_options(synchronize_session=False)).rowcount
    return bool(taken)
