"""tenant tags: the bureau's own labels for an enterprise (重大危险源, 重点监管 …), which
campaigns target

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02 00:05:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tags', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('tags')
