"""Audit writers in different jurisdictions do not queue behind one another (PostgreSQL,
where writers really run at once; SQLite has one writer lock per database whatever we do)."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from core.audit import service as audit
from tenants import service as tenants
from tenants.scoping import Scope


def _open_write(ctx, name):  # noqa: ANN001
    """An audited write left uncommitted, as a long import or a campaign launch would be."""
    tenants.create_section(ctx, {"name": name})
    ctx.session.flush()


def _impatient(ctx):  # noqa: ANN001
    # Waiting on a lock for more than a second means writers are queued.
    ctx.session.execute(text("SET LOCAL lock_timeout = '1s'"))


@pytest.fixture
def pg_only(backend):  # noqa: ANN001
    if backend != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")


def test_two_counties_record_without_waiting(pg_only, app, ctx_for):  # noqa: ANN001
    wsq, yjhl = ctx_for("wsq_admin"), ctx_for("yjhl_admin")
    _open_write(wsq, "乌审旗并发股室")
    _impatient(yjhl)
    _open_write(yjhl, "伊金霍洛旗并发股室")  # raises if it waited on 乌审旗's head
    yjhl.session.commit()
    wsq.session.commit()
    with app.extensions["anjian.db"].session(Scope.system()) as s:
        assert audit.verify(s).ok


def test_two_writers_in_one_county_still_queue(pg_only, ctx_for):  # noqa: ANN001
    """The other half of the proof: on one chain the second writer waits, so the test above
    would fail if chains were shared."""
    first, second = ctx_for("wsq_admin"), ctx_for("wsq_admin")
    _open_write(first, "乌审旗并发股室甲")
    _impatient(second)
    with pytest.raises(OperationalError, match="lock timeout"):
        _open_write(second, "乌审旗并发股室乙")
    second.session.rollback()
    first.session.commit()
