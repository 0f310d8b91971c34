# SQL fragments from the model's own names and this module's constants; values are the callers' parameters.
# ruff: noqa: S608
"""The daily-record table as set-based SQL sees it: names and fragments built from `DailyRecord._meta`.

Imports write this table with a few statements of their own (one `INSERT ... ON CONFLICT` merge, a
delete and an `UPDATE ... FROM items` to undo a batch) instead of the ORM. This module is the contract:
it says which column plays which part and builds the fragments of those statements, so that imports
never spell the table or a column. Every concrete field of the model is in exactly one of the groups
below; `tests/attendance/test_records_sql.py` fails when a new field is in none (decide what an import
and a rollback do with it, then add it here).

Every writer bumps `version` by one on every change: that is how a rollback sees a later change.
"""

from django.db import connection

from apps.attendance.models import DailyRecord

_meta = DailyRecord._meta


def _column(name: str) -> str:
    return _meta.get_field(name).column


TABLE = _meta.db_table

# --- what each column is for -----------------------------------------------------------------------
ID = _column("id")
ORGANIZATION = _column("organization")
MEMBER = _column("member")
WORK_DATE = _column("work_date")
# The values a file sets, in the order of the imports' staging rows.
IMPORTED = tuple(
    _column(name)
    for name in ("first_in_at", "last_out_at", "worked_minutes", "late_minutes", "early_leave_minutes",
                 "status", "note", "approval_text", "leave_minutes", "overtime_minutes")
)  # fmt: skip
# Where the current values came from: set by every writer, restored by a rollback.
SOURCE = _column("source")
SOURCE_BATCH = _column("source_batch_id")
VERSION = _column("version")
CREATED_AT = _column("created_at")
UPDATED_AT = _column("updated_at")

KEYS = (ID, ORGANIZATION, MEMBER, WORK_DATE)
PROVENANCE = (SOURCE, SOURCE_BATCH)
TIMESTAMPS = (CREATED_AT, UPDATED_AT)
# What a rollback puts back (with the version): the imported values and where they came from.
SNAPSHOT = (*IMPORTED, *PROVENANCE)
COVERED = frozenset((*KEYS, *IMPORTED, *PROVENANCE, VERSION, *TIMESTAMPS))
# Columns that hold text (never NULL in a record): a snapshot of "no record" stores '' for them.
TEXT = frozenset(field.column for field in _meta.concrete_fields if field.get_internal_type() == "CharField")


def _unique_key() -> tuple[str, ...]:
    """The columns of the unique (member, work date) constraint: the merge's conflict target."""
    for constraint in _meta.constraints:
        fields = getattr(constraint, "fields", ())
        if {_column(name) for name in fields} == {MEMBER, WORK_DATE}:
            return tuple(_column(name) for name in fields)
    raise LookupError("DailyRecord has no unique (member, work_date) constraint")


CONFLICT_KEY = _unique_key()
CONFLICT_CONSTRAINT = next(
    constraint.name
    for constraint in _meta.constraints
    if {_column(name) for name in getattr(constraint, "fields", ())} == set(CONFLICT_KEY)
)


def uncovered_columns(fields=None) -> list[str]:
    """Concrete columns of the model (or of `fields`) this contract does not place (should be none)."""
    fields = _meta.concrete_fields if fields is None else fields
    return sorted(field.column for field in fields if field.column not in COVERED)


def listed(columns, alias: str = "", prefix: str = "") -> str:
    """`a.first_in_at, a.last_out_at, ...` (with `prefix` before each column name)."""
    dot = f"{alias}." if alias else ""
    return ", ".join(f"{dot}{prefix}{column}" for column in columns)


def differs(*, left: str, right: str, operator: str | None = None) -> str:
    """True when the imported values of two row aliases differ (NULL-safe)."""
    operator = operator or distinct_operator()
    return f"({listed(IMPORTED, left)}) {operator} ({listed(IMPORTED, right)})"


def distinct_operator() -> str:
    return "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"


def column_definitions(columns, *, timestamp: str) -> str:
    """`name type` for each column, as the model declares it (for tables that mirror records)."""
    by_column = {field.column: field for field in _meta.concrete_fields}
    parts = []
    for column in columns:
        field = by_column[column]
        kind = field.get_internal_type()
        if kind == "DateTimeField":
            sql_type = timestamp
        elif kind == "CharField":
            sql_type = f"varchar({field.max_length})"
        elif kind in {"PositiveIntegerField", "IntegerField"}:
            sql_type = "integer"
        elif kind in {"BigIntegerField", "ForeignKey", "BigAutoField"}:
            sql_type = "bigint"
        elif kind == "DateField":
            sql_type = "date"
        else:  # a new kind of imported column: say so rather than guess its type
            raise TypeError(f"no staging type for {column} ({kind})")
        parts.append(f"{column} {sql_type}")
    return ", ".join(parts)


# --- the merge (an import writes records) ------------------------------------------------------------
INSERT_COLUMNS = (ORGANIZATION, MEMBER, WORK_DATE, *IMPORTED, SOURCE, SOURCE_BATCH, VERSION, *TIMESTAMPS)


def upsert(*, select: str, alias: str = "d", operator: str | None = None) -> str:
    """`INSERT ... SELECT ... ON CONFLICT (member, work date) DO UPDATE` of records. `select` yields
    INSERT_COLUMNS in order; an existing record is rewritten (version + 1) only when its imported values
    differ from the new ones, and its creation time is kept."""
    kept = {*CONFLICT_KEY, ORGANIZATION, VERSION, CREATED_AT}
    assignments = [f"{column} = excluded.{column}" for column in INSERT_COLUMNS if column not in kept]
    assignments.insert(len(IMPORTED) + len(PROVENANCE), f"{VERSION} = {alias}.{VERSION} + 1")
    return f"""
    INSERT INTO {TABLE} AS {alias} ({listed(INSERT_COLUMNS)})
    {select}
    ON CONFLICT ({listed(CONFLICT_KEY)}) DO UPDATE SET {", ".join(assignments)}
    WHERE {differs(left=alias, right="excluded", operator=operator)}
"""


def insert(*, select: str, alias: str = "d") -> str:
    """A plain `INSERT ... SELECT` of new records (`select` yields INSERT_COLUMNS in order), for rows known
    not to exist: no speculative insertion, which `ON CONFLICT` pays per row. A record created meanwhile
    fails the statement on the unique (member, work date) constraint (CONFLICT_CONSTRAINT)."""
    return f"INSERT INTO {TABLE} AS {alias} ({listed(INSERT_COLUMNS)}) {select}"


def rewrite(*, alias: str = "d", values: str, prefix: str, batch: str, now: str) -> str:
    """`UPDATE records SET` every IMPORTED column from `values`' `prefix`-named columns, as an import
    does (the provenance, version + 1, the update time): what `upsert` does to a record that differs,
    without probing the unique index for it first. The caller adds `FROM ... WHERE` (with the version
    it read, so that a record changed meanwhile is left out and the caller can tell)."""
    assignments = [f"{column} = {values}.{prefix}{column}" for column in IMPORTED]
    assignments += [
        f"{SOURCE} = 'import'", f"{SOURCE_BATCH} = {batch}", f"{VERSION} = {alias}.{VERSION} + 1",
        f"{UPDATED_AT} = {now}",
    ]  # fmt: skip
    return f"UPDATE {TABLE} AS {alias} SET {', '.join(assignments)}"


def in_range(*, organization: str, dates_from: str) -> str:
    """The organization's records in the date range of table `dates_from`, as a subquery: hashed once
    by the planner instead of one index probe per staged row."""
    return (
        f"(SELECT * FROM {TABLE} WHERE {ORGANIZATION} = {organization} AND {WORK_DATE} BETWEEN "
        f"(SELECT min({WORK_DATE}) FROM {dates_from}) AND (SELECT max({WORK_DATE}) FROM {dates_from}))"
    )


# --- the undo (a rollback restores records) -----------------------------------------------------------
def delete_created(*, created: str) -> str:
    """Delete the records whose (id, version) the subquery `created` yields: those still as an import
    left them."""
    return f"DELETE FROM {TABLE} WHERE ({ID}, {VERSION}) IN ({created})"


def restore(*, alias: str = "d", snapshot: str, prefix: str, now: str) -> str:
    """`UPDATE records SET` every SNAPSHOT column and the version from `snapshot`'s `prefix`-named
    columns; the caller adds `FROM ... WHERE`."""
    assignments = [f"{column} = {snapshot}.{prefix}{column}" for column in (*SNAPSHOT, VERSION)]
    return f"UPDATE {TABLE} AS {alias} SET {', '.join(assignments)}, {UPDATED_AT} = {now}"
