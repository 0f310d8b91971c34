# SQL here is assembled from this module's constants only.
# ruff: noqa: S608
"""A locked cycle holds in the database too (PostgreSQL): a script or a forgotten code path cannot write a
daily record or a punch dated inside a locked, closed or archived cycle of its organization.

Statement-level triggers with transition tables, so that an import of 500,000 rows pays one pass over its
rows, not one query per row: first the date span of the statement's rows per organization is compared with
the frozen cycles (nothing else happens when none overlaps, the usual case), and only then each row. An
UPDATE is checked on the rows before and after (a record cannot be moved into or out of a frozen date). A
violation raises SQLSTATE 23514 (check_violation) with a message starting PERIOD_LOCKED and the constraint
`payroll_cycle_lock`. Deletes by the retention purge (which marks its transaction with the setting
`timeledger.retention_purge`) pass: data past retention goes, locked or not. Settlement snapshots are never updated (a row trigger refuses it).
"""

from django.db import migrations

RULE = "payroll_cycle_lock"
FROZEN = "('locked', 'closed', 'archived')"
TABLES = ("attendance_dailyrecord", "attendance_punch")


def _check(rows: str) -> str:
    return f"""
    IF EXISTS (
        WITH span AS (
            SELECT organization_id, min(work_date) AS low, max(work_date) AS high FROM {rows}
            GROUP BY organization_id
        )
        SELECT 1 FROM span s JOIN payroll_cycles_payrollcycle c
          ON c.organization_id = s.organization_id AND c.status IN {FROZEN}
         AND c.start_date <= s.high AND c.end_date >= s.low
    ) THEN
        SELECT r.work_date, c.name INTO hit_date, hit_cycle
        FROM {rows} r JOIN payroll_cycles_payrollcycle c
          ON c.organization_id = r.organization_id AND c.status IN {FROZEN}
         AND r.work_date BETWEEN c.start_date AND c.end_date
        LIMIT 1;
        IF hit_date IS NOT NULL THEN
            RAISE EXCEPTION 'PERIOD_LOCKED: % is inside the locked payroll cycle "%"', hit_date, hit_cycle
                USING ERRCODE = 'check_violation', CONSTRAINT = '{RULE}', TABLE = TG_TABLE_NAME;
        END IF;
    END IF;"""


FUNCTION = f"""
CREATE FUNCTION payroll_cycles_refuse_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    hit_date date;
    hit_cycle text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM payroll_cycles_payrollcycle WHERE status IN {FROZEN}) THEN
        RETURN NULL;
    END IF;
    -- Retention (attendance's purge marks its transactions) deletes data past its age, locked or not.
    IF TG_OP = 'DELETE' AND current_setting('timeledger.retention_purge', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN{_check("new_rows")}
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN{_check("old_rows")}
    END IF;
    RETURN NULL;
END $$
"""

SNAPSHOT_FUNCTION = f"""
CREATE FUNCTION payroll_cycles_snapshot_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'settlement snapshot % cannot change', OLD.id
        USING ERRCODE = 'check_violation', CONSTRAINT = '{RULE}_snapshot', TABLE = TG_TABLE_NAME;
END $$
"""

CREATE = [FUNCTION, SNAPSHOT_FUNCTION]
DROP = []
for table in TABLES:
    CREATE += [
        f"CREATE TRIGGER {RULE}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION payroll_cycles_refuse_frozen()",
        f"CREATE TRIGGER {RULE}_update AFTER UPDATE ON {table} "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION payroll_cycles_refuse_frozen()",
        f"CREATE TRIGGER {RULE}_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION payroll_cycles_refuse_frozen()",
    ]
    DROP += [f"DROP TRIGGER IF EXISTS {RULE}_{op} ON {table}" for op in ("insert", "update", "delete")]
CREATE.append(
    f"CREATE TRIGGER {RULE}_snapshot BEFORE UPDATE ON payroll_cycles_settlementsnapshot "
    "FOR EACH ROW EXECUTE FUNCTION payroll_cycles_snapshot_immutable()"
)
DROP += [
    f"DROP TRIGGER IF EXISTS {RULE}_snapshot ON payroll_cycles_settlementsnapshot",
    "DROP FUNCTION IF EXISTS payroll_cycles_snapshot_immutable()",
    "DROP FUNCTION IF EXISTS payroll_cycles_refuse_frozen()",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)  # no placeholders: % is PL/pgSQL's

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("payroll_cycles", "0001_initial"),
        ("attendance", "0006_shift_half_day_at"),
    ]

    operations = [
        migrations.RunPython(_run(CREATE), _run(DROP), elidable=False),
    ]
