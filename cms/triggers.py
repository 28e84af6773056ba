"""Database triggers that refuse to UPDATE a table's rows: what was published or recorded stays as it was.

DELETE stays possible at this level (the test runner flushes tables between tests); the admin offers no deletion
and the foreign keys that point at such rows are PROTECT. Used by migrations, so keep the generated SQL stable.
"""

from collections.abc import Callable

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor


def refuse_updates(table: str, message: str) -> migrations.RunPython:
    """A migration operation that installs (and, backwards, removes) the trigger, on SQLite and PostgreSQL."""
    trigger = f"{table}_no_update"
    sql = {
        "sqlite": (
            f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END;",
            f"DROP TRIGGER IF EXISTS {trigger};",
        ),
        "postgresql": (
            f"CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{message}'; END; $$; "
            f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION {trigger}();",
            f"DROP TRIGGER IF EXISTS {trigger} ON {table}; DROP FUNCTION IF EXISTS {trigger}();",
        ),
    }

    def run(index: int) -> Callable[[Apps, BaseDatabaseSchemaEditor], None]:
        def apply(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
            statements = sql.get(schema_editor.connection.vendor)
            if statements:
                schema_editor.execute(statements[index])

        return apply

    return migrations.RunPython(run(0), run(1))
