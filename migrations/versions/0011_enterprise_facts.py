"""enterprise facts the filing rules read: legal representative, postal code, fax, size
class, hazardous-chemical quantities, single low risk (第十五条)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 12:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('legal_representative', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('fax', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('postal_code', sa.String(length=6), nullable=True))
        batch_op.add_column(sa.Column('size_class', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('hazchem_quantity', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('single_low_risk', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('single_low_risk_reason', sa.Text(), nullable=True))
    # The server defaults only fill the existing rows; the model supplies the value from now on.
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        batch_op.alter_column('hazchem_quantity', server_default=None)
        batch_op.alter_column('single_low_risk', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('tenants', schema=None) as batch_op:
        for name in ('single_low_risk_reason', 'single_low_risk', 'hazchem_quantity', 'size_class', 'postal_code',
                     'fax', 'legal_representative'):
            batch_op.drop_column(name)
