"""filing routed to a section at submission

Filings awaiting review take the section supervising their enterprise (no bureau had named
a filing desk before this revision).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 15:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_section_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_filings_review_section_id_sections'), 'sections',
                                    ['review_section_id'], ['id'], ondelete='SET NULL')
    op.execute("UPDATE filings SET review_section_id = (SELECT section_id FROM section_assignments "
               "WHERE section_assignments.tenant_id = filings.tenant_id) WHERE status = 'submitted'")


def downgrade() -> None:
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_filings_review_section_id_sections'), type_='foreignkey')
        batch_op.drop_column('review_section_id')
