"""filing documents kept as issued: certificate content and copies, correction notices

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 12:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('certificate', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('certificate_file_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('superseded_certificate_file_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_filings_certificate_file_id_files'), 'files',
                                    ['certificate_file_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_filings_superseded_certificate_file_id_files'), 'files',
                                    ['superseded_certificate_file_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('filing_returns', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('notice_file_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_filing_returns_notice_file_id_files'), 'files',
                                    ['notice_file_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('filing_returns', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_filing_returns_notice_file_id_files'), type_='foreignkey')
        batch_op.drop_column('notice_file_id')
        batch_op.drop_column('notice')
    with op.batch_alter_table('filings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_filings_superseded_certificate_file_id_files'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_filings_certificate_file_id_files'), type_='foreignkey')
        batch_op.drop_column('superseded_certificate_file_id')
        batch_op.drop_column('certificate_file_id')
        batch_op.drop_column('certificate')
