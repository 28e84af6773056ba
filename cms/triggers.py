"""Database triggers that refuse to UPDATE or DELETE a table's rows: what was published or recorded stays as it was.

They hold against the application and anything that speaks SQL through it (the ORM, a stray `.delete()`, a
`DELETE FROM` in a shell); not against the database's owner, who may drop a trigger, nor against TRUNCATE, which
row triggers do not see (PostgreSQL's test flush relies on that; SQLite's flush deletes row by row, so the test
suite lifts the DELETE triggers around it: tests/conftest.py). Used by migrations, so keep the generated SQL stable.
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


def refuse_deletes_sql(vendor: str, table: str, message: str) -> tuple[str, str] | None:
    """The SQL that installs and removes the trigger refusing to DELETE a row of `table`; None for other databases."""
    trigger = f"{table}_no_delete"
    return {
        "sqlite": (
            f"CREATE TRIGGER IF NOT EXISTS {trigger} BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END;",
            f"DROP TRIGGER IF EXISTS {trigger};",
        ),
        "postgresql": (
            f"CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{message}'; END; $$; "
            f"CREATE TRIGGER {trigger} BEFORE DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {trigger}();",
            f"DROP TRIGGER IF EXISTS {trigger} ON {table}; DROP FUNCTION IF EXISTS {trigger}();",
        ),
    }.get(vendor)


def refuse_deletes(table: str, message: str) -> migrations.RunPython:
    """A migration operation that installs (and, backwards, removes) the DELETE trigger, on SQLite and PostgreSQL."""

    def run(index: int) -> Callable[[Apps, BaseDatabaseSchemaEditor], None]:
        def apply(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
            statements = refuse_deletes_sql(schema_editor.connection.vendor, table, message)
            if statements:
                schema_editor.execute(statements[index])

        return apply

    return migrations.RunPython(run(0), run(1))


# What each append-only table's DELETE trigger says (migration 0009); tests/conftest.py reinstalls them by these.
APPEND_ONLY = {
    "cms_release": "A published release is immutable: it cannot be deleted.",
    "cms_auditentry": "The audit log is append-only: an entry cannot be deleted.",
}
