"""audit chains per tenant: events carry their chain, seq is unique within it

The existing single chain becomes chain 0 (the system chain) unchanged, so every event and
signature written before keeps verifying.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 14:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_constraint('uq_audit_events_seq', type_='unique')
        batch_op.drop_index('ix_audit_events_tenant_id_seq')
        batch_op.create_unique_constraint('uq_audit_events_chain', ['chain', 'seq'])
        batch_op.create_index('ix_audit_events_tenant_id_id', ['tenant_id', 'id'], unique=False)
    op.execute("UPDATE audit_head SET id = 0 WHERE id = 1")


def downgrade() -> None:
    # Only a database that still has one chain can go back.
    op.execute("UPDATE audit_head SET id = 1 WHERE id = 0")
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_tenant_id_id')
        batch_op.drop_constraint('uq_audit_events_chain', type_='unique')
        batch_op.create_index('ix_audit_events_tenant_id_seq', ['tenant_id', 'seq'], unique=False)
        batch_op.create_unique_constraint('uq_audit_events_seq', ['seq'])
        batch_op.drop_column('chain')
