"""filing first submission date; late flag may be unknown

The 逾期报备 flag is judged from the first submission, which is kept so that the flag can be
recounted once a year's holiday notice is loaded. Existing filings take the date of their
first `filing.submit` audit event (Beijing date), else their latest receipt.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:00:00
"""
from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_submitted_on', sa.Date(), nullable=True))
        batch_op.alter_column('late', existing_type=sa.Boolean(), nullable=True)

    conn = op.get_bind()
    filings = sa.table('filings', sa.column('id', sa.Integer), sa.column('received_on', sa.Date),
                       sa.column('first_submitted_on', sa.Date))
    events = sa.table('audit_events', sa.column('action', sa.String), sa.column('object_id', sa.String),
                      sa.column('created_at', sa.DateTime))
    first = dict(conn.execute(sa.select(events.c.object_id, sa.func.min(events.c.created_at))
                              .where(events.c.action == 'filing.submit').group_by(events.c.object_id)).all())
    for fid, received in conn.execute(sa.select(filings.c.id, filings.c.received_on)
                                      .where(filings.c.received_on.is_not(None))).all():
        at = first.get(str(fid))
        if isinstance(at, str):  # SQLite returns an aggregate of DATETIME as text
            at = datetime.fromisoformat(at)
        day = (at + timedelta(hours=8)).date() if at is not None else received
        conn.execute(filings.update().where(filings.c.id == fid).values(first_submitted_on=day))


def downgrade() -> None:
    op.execute("UPDATE filings SET late = false WHERE late IS NULL")
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.alter_column('late', existing_type=sa.Boolean(), nullable=False)
        batch_op.drop_column('first_submitted_on')
