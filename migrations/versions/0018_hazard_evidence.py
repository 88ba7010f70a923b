"""hazard evidence: the photos and files kept with a hazard at each stage of its
rectification (整改前, 整改后, 验收, 监管核查)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 19:59:28.207589
"""
import sqlalchemy as sa
from alembic import op


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hazard_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hazard_id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=12), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_hazard_evidence_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['file_id'], ['files.id'], name=op.f('fk_hazard_evidence_file_id_files')),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_hazard_evidence_hazard_id_hazards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_hazard_evidence_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_evidence'))
    )
    with op.batch_alter_table('hazard_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hazard_evidence_hazard_id'), ['hazard_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_evidence_tenant_id'), ['tenant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('hazard_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazard_evidence_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_hazard_evidence_hazard_id'))

    op.drop_table('hazard_evidence')
