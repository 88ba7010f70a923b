"""hazard ledger and ledger imports: the 隐患排查治理台账's rows with their loop state, and
every upload of a ledger file with its outcome

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 17:14:57.724396
"""
import sqlalchemy as sa
from alembic import op


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hazards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=50), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('found_on', sa.Date(), nullable=False),
    sa.Column('found_by', sa.String(length=50), nullable=False),
    sa.Column('department', sa.String(length=100), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('description', sa.String(length=1000), nullable=False),
    sa.Column('category', sa.String(length=10), nullable=False),
    sa.Column('level', sa.String(length=4), nullable=False),
    sa.Column('basis', sa.String(length=300), nullable=True),
    sa.Column('measures', sa.String(length=1000), nullable=False),
    sa.Column('owner', sa.String(length=50), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('funds', sa.Float(), nullable=True),
    sa.Column('interim', sa.String(length=500), nullable=True),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('verified_by', sa.String(length=50), nullable=True),
    sa.Column('verified_on', sa.Date(), nullable=True),
    sa.Column('verdict', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('plan', sa.JSON(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('reopened', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_hazards_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazards')),
    sa.UniqueConstraint('tenant_id', 'code', name='uq_hazards_tenant_id_code')
    )
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hazards_import_id'), ['import_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hazards_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_hazards_tenant_id_status_due_on', ['tenant_id', 'status', 'due_on'], unique=False)

    op.create_table('ledger_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ledger_type', sa.String(length=100), nullable=False),
    sa.Column('type_version', sa.String(length=40), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('message', sa.String(length=500), nullable=True),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('error_file_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_ledger_imports_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['error_file_id'], ['files.id'], name=op.f('fk_ledger_imports_error_file_id_files'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_ledger_imports_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_imports'))
    )
    with op.batch_alter_table('ledger_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_imports_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_ledger_imports_tenant_id_id', ['tenant_id', 'id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('ledger_imports', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_imports_tenant_id_id')
        batch_op.drop_index(batch_op.f('ix_ledger_imports_tenant_id'))

    op.drop_table('ledger_imports')
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_index('ix_hazards_tenant_id_status_due_on')
        batch_op.drop_index(batch_op.f('ix_hazards_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_hazards_import_id'))

    op.drop_table('hazards')
