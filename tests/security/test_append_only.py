"""Releases and the audit log cannot be deleted, even with SQL that bypasses the application (issue 17, item 6)."""

import pytest
from django.db import DatabaseError, connection, transaction

from cms import workflow
from cms.models import AuditEntry, Release
from tests import factories


@pytest.fixture
def audited(live_wizard, editor) -> AuditEntry:
    factories.edit(live_wizard, "contact", editor, title_fr="Contactez-nous")
    workflow.submit(live_wizard, author=editor)
    return AuditEntry.objects.get(action="submit")  # the import that made the wizard is audited too


def test_deleting_an_audit_entry_with_sql_is_refused(audited):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cms_auditentry")
    assert AuditEntry.objects.filter(pk=audited.pk).exists()


def test_deleting_a_release_with_sql_is_refused(release):
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cms_release WHERE id = %s", [release.pk])
    assert Release.objects.filter(pk=release.pk).exists()


def test_deleting_through_the_orm_is_refused_by_the_database(audited, release):
    # Bypassing Django's PROTECT collector: a raw queryset delete goes straight to SQL.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=audited.pk)._raw_delete(connection.alias)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        Release.objects.filter(pk=release.pk)._raw_delete(connection.alias)
    assert AuditEntry.objects.filter(pk=audited.pk).exists()
    assert Release.objects.filter(pk=release.pk).exists()
