"""Published releases are immutable: the database itself refuses to UPDATE a row of cms_release.

DELETE stays possible at this level (the test runner flushes tables between tests); the foreign keys of
LiveRelease and of later releases' users are PROTECT, and the admin offers no deletion.
"""

from django.db import migrations

SQLITE = (
    """
    CREATE TRIGGER cms_release_immutable BEFORE UPDATE ON cms_release
    BEGIN SELECT RAISE(ABORT, 'A published release is immutable.'); END;
    """,
    "DROP TRIGGER IF EXISTS cms_release_immutable;",
)
POSTGRESQL = (
    """
    CREATE FUNCTION cms_release_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'A published release is immutable.'; END; $$;
    CREATE TRIGGER cms_release_immutable BEFORE UPDATE ON cms_release
    FOR EACH ROW EXECUTE FUNCTION cms_release_immutable();
    """,
    "DROP TRIGGER IF EXISTS cms_release_immutable ON cms_release; DROP FUNCTION IF EXISTS cms_release_immutable();",
)


def forwards(apps, schema_editor):
    sql = {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql[0])


def backwards(apps, schema_editor):
    sql = {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql[1])


class Migration(migrations.Migration):
    dependencies = [("cms", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
