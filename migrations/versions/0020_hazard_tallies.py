"""hazard tallies: how many hazards of each enterprise share each combination the
statistics count, and how many were found and closed each month, kept by triggers on
hazards (statement-level with transition tables on PostgreSQL, row-level on SQLite) and
filled from the hazards already stored; the open hazards indexed by 整改期限

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 20:50:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

DIMS = "tenant_id, category, source, level, closed, on_time, supervised, reopened"


def _dims(row: str) -> str:
    """The tally's dimensions of a hazard row (`row` is NEW, OLD or a transition table's alias)."""
    p = f"{row}." if row else ""
    return (f"{p}tenant_id, {p}category, {p}source, {p}level, {p}status = 'closed', "
            f"COALESCE({p}status = 'closed' AND {p}closed_on <= {p}due_on, false), "
            f"{p}supervised_no IS NOT NULL AND {p}status <> 'closed', {p}reopened > 0")


OPEN = "status IN ('registered', 'rectifying', 'to_verify')"
MONTH = {"postgresql": "to_char({0}, 'YYYY-MM')", "sqlite": "strftime('%Y-%m', {0})"}
UPSERT_MONTH = ("ON CONFLICT (tenant_id, month) DO UPDATE SET found = {t}found + excluded.found, "
                "closed = {t}closed + excluded.closed;")


def _months(dialect: str, table: str, sign: str) -> str:
    """Found and closed per month of a set of hazard rows (a transition table, or hazards)."""
    month = MONTH[dialect]
    # Qualified: inside PL/pgSQL a bare "found" is its FOUND variable.
    return (f"SELECT m.tenant_id, m.month, {sign}sum(m.found), {sign}sum(m.closed) FROM ("
            f"SELECT tenant_id, {month.format('found_on')} AS month, 1 AS found, 0 AS closed FROM {table} "
            f"UNION ALL SELECT tenant_id, {month.format('closed_on')}, 0, 1 FROM {table} WHERE closed_on IS NOT NULL"
            f") AS m GROUP BY m.tenant_id, m.month ORDER BY m.tenant_id, m.month")


def _pg_add(table: str, sign: str) -> str:
    return (f"INSERT INTO hazard_tallies AS t ({DIMS}, n) SELECT {_dims('')}, {sign}count(*) FROM {table} "
            # In one order, so two writers of one enterprise's tallies wait rather than deadlock.
            f"GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8 "
            f"ON CONFLICT ({DIMS}) DO UPDATE SET n = t.n + EXCLUDED.n;\n"
            f"    INSERT INTO hazard_months AS t (tenant_id, month, found, closed) {_months('postgresql', table, sign)} "
            + UPSERT_MONTH.format(t="t."))


def _sqlite_add(row: str, sign: str) -> str:
    month = MONTH["sqlite"]
    return (f"INSERT INTO hazard_tallies ({DIMS}, n) VALUES ({_dims(row)}, {sign}1) "
            f"ON CONFLICT ({DIMS}) DO UPDATE SET n = n + excluded.n; "
            f"INSERT INTO hazard_months (tenant_id, month, found, closed) VALUES "
            f"({row}.tenant_id, {month.format(row + '.found_on')}, {sign}1, 0) " + UPSERT_MONTH.format(t="") +
            f" INSERT INTO hazard_months (tenant_id, month, found, closed) SELECT {row}.tenant_id, "
            f"{month.format(row + '.closed_on')}, 0, {sign}1 WHERE {row}.closed_on IS NOT NULL "
            + UPSERT_MONTH.format(t=""))


def fill(dialect: str) -> None:
    """The tallies and months of the hazards already stored (also: bench/bench_ledger_stats.py)."""
    op.execute(f"INSERT INTO hazard_tallies ({DIMS}, n) SELECT {_dims('')}, count(*) FROM hazards "
               f"GROUP BY 1, 2, 3, 4, 5, 6, 7, 8")
    op.execute(f"INSERT INTO hazard_months (tenant_id, month, found, closed) {_months(dialect, 'hazards', '')}")


def upgrade() -> None:
    op.create_table('hazard_tallies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('level', sa.String(length=4), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('on_time', sa.Boolean(), nullable=False),
    sa.Column('supervised', sa.Boolean(), nullable=False),
    sa.Column('reopened', sa.Boolean(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_hazard_tallies_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_tallies')),
    sa.UniqueConstraint('tenant_id', 'category', 'source', 'level', 'closed', 'on_time', 'supervised', 'reopened', name='uq_hazard_tallies_dims')
    )
    with op.batch_alter_table('hazard_tallies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hazard_tallies_tenant_id'), ['tenant_id'], unique=False)
    op.create_table('hazard_months',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('found', sa.Integer(), nullable=False),
    sa.Column('closed', sa.Integer(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_hazard_months_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hazard_months')),
    sa.UniqueConstraint('tenant_id', 'month', name='uq_hazard_months_tenant_id_month')
    )
    with op.batch_alter_table('hazard_months', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hazard_months_tenant_id'), ['tenant_id'], unique=False)
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.create_index('ix_hazards_open_due_on', ['due_on', 'tenant_id', 'category', 'source'], unique=False,
                              sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        # No hazard written between the fill and the triggers (the migration's transaction holds it).
        op.execute("LOCK TABLE hazards IN SHARE MODE")
    fill(dialect)
    if dialect == "postgresql":
        op.execute(f"""
CREATE FUNCTION hazard_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    {_pg_add('old_rows', '-')}
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    {_pg_add('new_rows', '')}
  END IF;
  RETURN NULL;
END $$""")
        op.execute("CREATE TRIGGER hazard_tally_insert AFTER INSERT ON hazards REFERENCING NEW TABLE AS new_rows "
                   "FOR EACH STATEMENT EXECUTE FUNCTION hazard_tally()")
        op.execute("CREATE TRIGGER hazard_tally_update AFTER UPDATE ON hazards REFERENCING OLD TABLE AS old_rows "
                   "NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hazard_tally()")
        op.execute("CREATE TRIGGER hazard_tally_delete AFTER DELETE ON hazards REFERENCING OLD TABLE AS old_rows "
                   "FOR EACH STATEMENT EXECUTE FUNCTION hazard_tally()")
    else:
        op.execute(f"CREATE TRIGGER hazard_tally_insert AFTER INSERT ON hazards BEGIN {_sqlite_add('NEW', '')} END")
        op.execute(f"CREATE TRIGGER hazard_tally_update AFTER UPDATE ON hazards BEGIN {_sqlite_add('OLD', '-')} "
                   f"{_sqlite_add('NEW', '')} END")
        op.execute(f"CREATE TRIGGER hazard_tally_delete AFTER DELETE ON hazards BEGIN {_sqlite_add('OLD', '-')} END")


def downgrade() -> None:
    for name in ("insert", "update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS hazard_tally_{name}" +
                   (" ON hazards" if op.get_bind().dialect.name == "postgresql" else ""))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS hazard_tally()")
    with op.batch_alter_table('hazards', schema=None) as batch_op:
        batch_op.drop_index('ix_hazards_open_due_on', sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    with op.batch_alter_table('hazard_months', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazard_months_tenant_id'))
    op.drop_table('hazard_months')
    with op.batch_alter_table('hazard_tallies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hazard_tallies_tenant_id'))
    op.drop_table('hazard_tallies')
