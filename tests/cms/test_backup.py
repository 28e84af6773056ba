"""The backup of docs/operations.md, done as written there: pg_dump, the database wiped, pg_restore."""

import subprocess
from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction
from reversion.models import Version

from cms import live
from cms.models import AuditEntry, LiveRelease, Release
from tests import factories
from wizard.models import Node, wizard_step_paths

pytestmark = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the backup of a PostgreSQL deployment")


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def test_a_dump_restores_a_wizard_with_its_history_and_releases(transactional_db, tmp_path: Path, client):
    wizard = factories.make_wizard()
    editor = factories.make_user("editor", "Editors")
    factories.publish(wizard)
    factories.edit(wizard, "contact", editor, title_fr="Nous contacter")
    factories.publish(wizard)
    audit = list(AuditEntry.objects.values_list("action", flat=True))
    versions = Version.objects.count()
    dump = tmp_path / "wizard.dump"

    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", database_url()], check=True)
    with connection.cursor() as cursor:  # the worst case: nothing left, not even the tables
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    with pytest.raises(DatabaseError):
        Node.objects.exists()
    connection.close()
    subprocess.run(["pg_restore", "--no-owner", f"--dbname={database_url()}", str(dump)], check=True)

    restored = Node.objects.wizards().get(slug="demo")
    assert wizard_step_paths(restored)["contact"].title_fr == "Nous contacter"
    assert list(Release.objects.filter(wizard=restored).values_list("number", flat=True)) == [2, 1]
    assert LiveRelease.objects.get(slug="demo").release.number == 2
    assert Version.objects.count() == versions > 0
    assert list(AuditEntry.objects.values_list("action", flat=True)) == audit
    live.forget()
    assert "Nous contacter" in client.get("/fr/demo/contact/").text
    # The rules kept in the database came back too: a release still refuses to change.
    with pytest.raises(DatabaseError), transaction.atomic():
        Release.objects.filter(wizard=restored).update(note="changed")
