"""campaigns: a bureau's campaigns (专项整治) from template snapshots, the tasks they hand
out, their sections' inspections; hazards name the campaign that found them; enterprises
record their headcount (从业人员数)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 22:35:30
"""
import sqlalchemy as sa
from alembic import op


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaigns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('snapshot_id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.String(length=200), nullable=False),
    sa.Column('template_version', sa.String(length=50), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('doc_no', sa.String(length=100), nullable=False),
    sa.Column('notice_file_id', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('schedule', sa.JSON(), nullable=False),
    sa.Column('targets', sa.JSON(), nullable=False),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('extra_items', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_campaigns_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['notice_file_id'], ['files.id'], name=op.f('fk_campaigns_notice_file_id_files'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['campaigns.id'], name=op.f('fk_campaigns_parent_id_campaigns')),
    sa.ForeignKeyConstraint(['snapshot_id'], ['template_snapshots.id'], name=op.f('fk_campaigns_snapshot_id_template_snapshots')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_campaigns_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaigns'))
    )
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaigns_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaigns_snapshot_id'), ['snapshot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaigns_tenant_id'), ['tenant_id'], unique=False)
        batch_op.create_index('ix_campaigns_tenant_id_status', ['tenant_id', 'status'], unique=False)

    op.create_table('campaign_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.String(length=100), nullable=False),
    sa.Column('party', sa.String(length=16), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_by', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(), nullable=True),
    sa.Column('reviewed_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_tasks_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewed_by'], ['users.id'], name=op.f('fk_campaign_tasks_reviewed_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['section_id'], ['sections.id'], name=op.f('fk_campaign_tasks_section_id_sections'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['submitted_by'], ['users.id'], name=op.f('fk_campaign_tasks_submitted_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_campaign_tasks_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_tasks')),
    sa.UniqueConstraint('campaign_id', 'item_id', 'tenant_id', name=op.f('uq_campaign_tasks_campaign_id'))
    )
    with op.batch_alter_table('campaign_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_tasks_campaign_id_status', ['campaign_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_tasks_tenant_id'), ['tenant_id'], unique=False)

    op.create_table('campaign_inspections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('section_id', sa.Integer(), nullable=True),
    sa.Column('inspected_on', sa.Date(), nullable=False),
    sa.Column('inspectors', sa.String(length=200), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('findings', sa.JSON(), nullable=False),
    sa.Column('hazard_ids', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('done_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], name=op.f('fk_campaign_inspections_campaign_id_campaigns'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_campaign_inspections_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['section_id'], ['sections.id'], name=op.f('fk_campaign_inspections_section_id_sections'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['task_id'], ['campaign_tasks.id'], name=op.f('fk_campaign_inspections_task_id_campaign_tasks'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_campaign_inspections_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_inspections'))
    )
    with op.batch_alter_table('campaign_inspections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_inspections_campaign_id'), ['campaign_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_inspections_task_id'), ['task_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_campaign_inspections_tenant_id'), ['tenant_id'], unique=False)

    # Plain ALTERs, never a batch rebuild: rebuilding hazards on SQLite would drop the tally
    # triggers of 0020.
    op.add_column('hazards', sa.Column('campaign_id', sa.Integer(), nullable=True))
    op.create_index(op.f('ix_hazards_campaign_id'), 'hazards', ['campaign_id'], unique=False)

    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('headcount', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.drop_column('headcount')

    op.drop_index(op.f('ix_hazards_campaign_id'), table_name='hazards')
    op.drop_column('hazards', 'campaign_id')

    with op.batch_alter_table('campaign_inspections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_inspections_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_inspections_task_id'))
        batch_op.drop_index(batch_op.f('ix_campaign_inspections_campaign_id'))

    op.drop_table('campaign_inspections')
    with op.batch_alter_table('campaign_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_tasks_tenant_id'))
        batch_op.drop_index('ix_campaign_tasks_campaign_id_status')

    op.drop_table('campaign_tasks')
    with op.batch_alter_table('campaigns', schema=None) as batch_op:
        batch_op.drop_index('ix_campaigns_tenant_id_status')
        batch_op.drop_index(batch_op.f('ix_campaigns_tenant_id'))
        batch_op.drop_index(batch_op.f('ix_campaigns_snapshot_id'))
        batch_op.drop_index(batch_op.f('ix_campaigns_parent_id'))

    op.drop_table('campaigns')
