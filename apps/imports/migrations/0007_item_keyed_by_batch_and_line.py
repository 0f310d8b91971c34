# Items are keyed by (batch, line) instead of a surrogate id, and the (batch, status, line) index gives way
# to a partial index of the refused lines: one index entry per item written instead of two.
#
# Django does not migrate a table to a composite primary key by itself, so this operation does it: on
# PostgreSQL in place (drop the id and its key, add the new key), elsewhere (SQLite) by rebuilding the table
# and copying its rows. Existing items keep their rows and their rollback snapshots.

from django.db import migrations, models
from django.db.migrations.operations.base import Operation

KEY = ("batch", "line")


class KeyItemsByBatchAndLine(Operation):
    reversible = False
    reduces_to_sql = False

    def __init__(self):
        self.state_operations = [
            migrations.RemoveField(model_name="importitem", name="id"),
            migrations.AddField(
                model_name="importitem",
                name="pk",
                field=models.CompositePrimaryKey(
                    *KEY, blank=True, editable=False, primary_key=True, serialize=False
                ),
            ),
        ]

    def deconstruct(self):
        return (self.__class__.__qualname__, [], {})

    def state_forwards(self, app_label, state):
        for operation in self.state_operations:
            operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        old = from_state.apps.get_model(app_label, "ImportItem")
        new = to_state.apps.get_model(app_label, "ImportItem")
        table = schema_editor.quote_name(old._meta.db_table)
        if schema_editor.connection.vendor == "postgresql":
            for name in schema_editor._constraint_names(old, primary_key=True):
                schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {schema_editor.quote_name(name)}")
            schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN id")
            schema_editor.execute(f"ALTER TABLE {table} ADD PRIMARY KEY (batch_id, line)")
            return
        moved = f"{old._meta.db_table}__old"
        schema_editor.alter_db_table(old, old._meta.db_table, moved)
        schema_editor.create_model(new)
        columns = ", ".join(
            schema_editor.quote_name(field.column) for field in new._meta.local_concrete_fields
        )
        schema_editor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {schema_editor.quote_name(moved)}"
        )
        schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(moved)}")

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        raise NotImplementedError("items keyed by (batch, line) cannot get their surrogate ids back")

    def describe(self):
        return "Key import items by (batch, line) instead of a surrogate id"


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0006_item_prev_approvals_leave_overtime"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="importitem", name="import_item_batch_status"),
        KeyItemsByBatchAndLine(),
        migrations.AddIndex(
            model_name="importitem",
            index=models.Index(
                condition=models.Q(("status", "imported"), _negated=True),
                fields=["batch", "line"],
                name="import_item_refused",
            ),
        ),
    ]
