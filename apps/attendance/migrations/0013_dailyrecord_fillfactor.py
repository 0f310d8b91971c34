"""Daily-record pages keep half their space free (PostgreSQL `fillfactor = 50`), so that updating a
record's values (an import of a changed file, its rollback, a recompute) writes the new version on the
same page and, since no indexed column changes, inserts no index entries (a HOT update). With full
pages every such update inserted into all three indexes: 500,000 updates took 20.2 s instead of 3.7 s,
and updating them back 21.9 s instead of 5.6 s (docs/imports.md, "Benchmark"). New pages take it;
existing rows move as they are rewritten (or at once with `VACUUM FULL attendance_dailyrecord`, which
locks the table: docs/runbook.md)."""

from django.db import migrations


def _set(fillfactor: int):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE attendance_dailyrecord SET (fillfactor = {fillfactor})")

    return apply


class Migration(migrations.Migration):
    dependencies = [("attendance", "0012_leave_type_holiday_name_zh")]

    operations = [migrations.RunPython(_set(50), _set(100), elidable=False)]
