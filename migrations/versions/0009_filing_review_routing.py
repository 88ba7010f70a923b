"""filing review opinion; the bureau's filing desk

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 11:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_opinion', sa.Text(), nullable=True))
    with op.batch_alter_table('filing_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('desk_section_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_filing_settings_desk_section_id_sections'), 'sections',
                                    ['desk_section_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('filing_settings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_filing_settings_desk_section_id_sections'), type_='foreignkey')
        batch_op.drop_column('desk_section_id')
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.drop_column('review_opinion')
