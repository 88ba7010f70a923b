"""notes plugin: the notes table

Revision ID: notes_0001
Revises:
Create Date: 2026-12-01
"""
import sqlalchemy as sa
from alembic import op

revision = "notes_0001"
down_revision = None
branch_labels = ("notes",)
depends_on = "0001"          # the core revision that creates tenants


def upgrade() -> None:
    op.create_table(
        "notes_plugin_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_notes_plugin_notes_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes_plugin_notes")),
    )
    op.create_index(op.f("ix_notes_plugin_notes_tenant_id"), "notes_plugin_notes", ["tenant_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notes_plugin_notes_tenant_id"), table_name="notes_plugin_notes")
    op.drop_table("notes_plugin_notes")
