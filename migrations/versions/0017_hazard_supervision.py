"""hazard supervision and extensions: 挂牌督办 of a major hazard (document, deadline,
section) on the hazard, and the enterprise's extension requests with the bureau's answers

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 19:26:24.459002
"""
import sqlalchemy as sa
from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hazard_extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hazard_id', sa.Integer(), nullable=False),
    sa.Column('previous_due', sa.Date(), nullable=False),
    sa.Column('requested_due', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decision', sa.String(length=500), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_hazard_extensions_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_hazard_extensions_decided_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hazard_id'], ['hazards.id'], name=op.f('fk_hazard_extensions_hazard_id_hazards'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_hazard_extensions_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_extensions'))
    )
    with op.batch_alter_table('hazard_extensions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hazard_extensions_hazard_id'), ['hazard_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazard_extensions_tenant_id'), ['tenant_id'], unique=False)

    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supervised_no', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('supervised_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('supervised_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('supervised_section_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_hazards_supervised_section_id_sections'), 'sections', ['supervised_section_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_hazards_supervised_section_id_sections'), type_='foreignkey')
        batch_op.drop_column('supervised_section_id')
        batch_op.drop_column('supervised_due')
        batch_op.drop_column('supervised_on')
        batch_op.drop_column('supervised_no')

    with op.batch_alter_table('hazard_extensions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazard_extensions_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_hazard_extensions_hazard_id'))

    op.drop_table('hazard_extensions')
