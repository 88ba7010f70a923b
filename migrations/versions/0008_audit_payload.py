"""audit events keep their payload

The payload's digest has always been part of the chain; keeping the payload itself lets a
record's history (comments, returned items) be shown, and verify checks it against the digest.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payload', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_column('payload')
