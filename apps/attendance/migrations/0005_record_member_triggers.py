# SQL here is assembled from this module's constants only.
# ruff: noqa: S608
"""Daily records: the member reference is checked once per statement instead of once per row (PostgreSQL).

The composite foreign key of 0004 ran one lookup and one row lock per inserted record: 4-5 s of a
500,000-row import's 13-18 s commit. The same guarantee is now kept by triggers that work on whole
statements (transition tables), named after the rule `daily_record_member_org`:

- after an INSERT into attendance_dailyrecord, every distinct (member_id, organization_id) of the new rows
  must be a membership of that organization, and those membership rows are locked FOR KEY SHARE, the lock a
  foreign key check takes, so that none of them can be deleted or re-keyed until the transaction ends;
- a record's member and organization never change (an UPDATE that changes them is refused);
- deleting memberships that still have records, or changing a membership's id or organization while it has
  records, is refused. (Django's collector deletes the records first, as before.)

A violation raises SQLSTATE 23503 (foreign_key_violation), which Django raises as IntegrityError, at the end of
the statement rather than at commit. Concurrency is that of a foreign key under READ COMMITTED: an insert
waits for a concurrent delete of its member and then fails; a delete waits for a concurrent insert's lock and
then finds its records and fails. SQLite has no database-level check here, as before.
"""

from django.db import migrations

FK_NAME = "daily_record_member_org_fk"
RULE = "daily_record_member_org"

CREATE = [
    f"ALTER TABLE attendance_dailyrecord DROP CONSTRAINT IF EXISTS {FK_NAME}",
    f"""
CREATE FUNCTION attendance_records_check_members() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wanted bigint;
    locked bigint;
    missing_member bigint;
    missing_organization bigint;
BEGIN
    WITH pairs AS (SELECT DISTINCT member_id, organization_id FROM inserted),
    held AS (
        SELECT m.id FROM access_membership m
        JOIN pairs p ON m.id = p.member_id AND m.organization_id = p.organization_id
        FOR KEY SHARE OF m
    )
    SELECT (SELECT count(*) FROM pairs), (SELECT count(*) FROM held) INTO wanted, locked;
    IF locked <> wanted THEN
        SELECT i.member_id, i.organization_id INTO missing_member, missing_organization FROM inserted i
        WHERE NOT EXISTS (
            SELECT 1 FROM access_membership m WHERE m.id = i.member_id AND m.organization_id = i.organization_id
        )
        LIMIT 1;
        RAISE EXCEPTION 'daily record for member % in organization %: no such membership',
            missing_member, missing_organization
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{RULE}', TABLE = 'attendance_dailyrecord';
    END IF;
    RETURN NULL;
END $$
""",
    f"""
CREATE TRIGGER {RULE}_insert AFTER INSERT ON attendance_dailyrecord
REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION attendance_records_check_members()
""",
    f"""
CREATE FUNCTION attendance_records_refuse_new_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'daily record %: its member and organization cannot change', OLD.id
        USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{RULE}', TABLE = 'attendance_dailyrecord';
END $$
""",
    f"""
CREATE TRIGGER {RULE}_update BEFORE UPDATE OF member_id, organization_id ON attendance_dailyrecord
FOR EACH ROW WHEN (OLD.member_id IS DISTINCT FROM NEW.member_id
                   OR OLD.organization_id IS DISTINCT FROM NEW.organization_id)
EXECUTE FUNCTION attendance_records_refuse_new_member()
""",
    f"""
CREATE FUNCTION attendance_memberships_check_records() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    referenced bigint;
BEGIN
    SELECT d.id INTO referenced FROM deleted d
    WHERE EXISTS (SELECT 1 FROM attendance_dailyrecord r WHERE r.member_id = d.id)
    LIMIT 1;
    IF referenced IS NOT NULL THEN
        RAISE EXCEPTION 'membership % still has daily records', referenced
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{RULE}', TABLE = 'access_membership';
    END IF;
    RETURN NULL;
END $$
""",
    f"""
CREATE TRIGGER {RULE}_delete AFTER DELETE ON access_membership
REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION attendance_memberships_check_records()
""",
    f"""
CREATE FUNCTION attendance_membership_check_rekey() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM attendance_dailyrecord r WHERE r.member_id = OLD.id) THEN
        RAISE EXCEPTION 'membership % has daily records: its id and organization cannot change', OLD.id
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{RULE}', TABLE = 'access_membership';
    END IF;
    RETURN NEW;
END $$
""",
    f"""
CREATE TRIGGER {RULE}_rekey BEFORE UPDATE OF id, organization_id ON access_membership
FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.organization_id IS DISTINCT FROM NEW.organization_id)
EXECUTE FUNCTION attendance_membership_check_rekey()
""",
]

DROP = [
    f"DROP TRIGGER IF EXISTS {RULE}_rekey ON access_membership",
    f"DROP TRIGGER IF EXISTS {RULE}_delete ON access_membership",
    f"DROP TRIGGER IF EXISTS {RULE}_update ON attendance_dailyrecord",
    f"DROP TRIGGER IF EXISTS {RULE}_insert ON attendance_dailyrecord",
    "DROP FUNCTION IF EXISTS attendance_membership_check_rekey()",
    "DROP FUNCTION IF EXISTS attendance_memberships_check_records()",
    "DROP FUNCTION IF EXISTS attendance_records_refuse_new_member()",
    "DROP FUNCTION IF EXISTS attendance_records_check_members()",
    f"ALTER TABLE attendance_dailyrecord ADD CONSTRAINT {FK_NAME} "
    "FOREIGN KEY (member_id, organization_id) REFERENCES access_membership (id, organization_id) "
    "DEFERRABLE INITIALLY DEFERRED",
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
        ("attendance", "0004_dailyrecord_composite_fk"),
    ]

    operations = [
        migrations.RunPython(_run(CREATE), _run(DROP), elidable=False),
    ]
