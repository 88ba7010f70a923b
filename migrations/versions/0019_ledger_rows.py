"""ledger rows: the rows of every ledger type besides the hazard ledger (the risk-point
list, plugins' types) by enterprise, type and key; hazards name their risk point

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 20:19:14.284344
"""
import sqlalchemy as sa
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ledger_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ledger_type', sa.String(length=100), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ledger_rows_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_rows')),
    sa.UniqueConstraint('tenant_id', 'ledger_type', 'key', name='uq_ledger_rows_tenant_id_ledger_type_key')
    )
    with op.batch_alter_table('ledger_rows', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_rows_ledger_type_tenant_id', ['ledger_type', 'tenant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_rows_tenant_id'), ['tenant_id'], unique=False)

    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('risk_point', sa.String(length=50), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_column('risk_point')

    with op.batch_alter_table('ledger_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_rows_tenant_id'))
        batch_op.drop_index('ix_ledger_rows_ledger_type_tenant_id')

    op.drop_table('ledger_rows')
