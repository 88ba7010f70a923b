"""ledger rows name the campaign whose problem-ledger task they were uploaded for

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 00:15:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ledger_rows', schema=None) as batch_op:
        batch_op.add_column(sa.Column('campaign_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ledger_rows_campaign_id'), ['campaign_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ledger_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_rows_campaign_id'))
        batch_op.drop_column('campaign_id')
