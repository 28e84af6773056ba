"""What a stored version would restore. Reverting and recovering are editorial actions, tested with them."""

import pytest
from reversion.models import Version

from tests import factories
from wizard import history
from wizard.models import wizard_step_paths

pytestmark = pytest.mark.usefixtures("history")


def first_version(wizard, path: str) -> Version:
    return Version.objects.get_for_object(wizard_step_paths(wizard)[path]).order_by("pk").first()


def test_a_version_restores_content_never_position_or_identity(wizard):
    stored = history.content(first_version(wizard, "contact"))
    assert stored["title_fr"] == "Titre contact"
    assert stored["slug"] == "contact"
    assert not {"id", "uid", "path", "depth", "numchild", "updated_at"} & set(stored)


def test_the_changes_of_a_revert_are_the_fields_that_differ(wizard):
    version = first_version(wizard, "contact")
    contact = factories.edit(wizard, "contact", title_fr="Contactez-nous", note_nl="Nieuw")
    # `title` is modeltranslation's column for the default language, versioned beside `title_fr`.
    assert sorted(history.changes(version, contact)) == [
        ("note_nl", "Nieuw", ""),
        ("title", "Contactez-nous", "Titre contact"),
        ("title_fr", "Contactez-nous", "Titre contact"),
    ]


def test_a_deleted_step_would_get_back_every_field(wizard):
    version = first_version(wizard, "contact")
    changes = history.changes(version, None)
    assert {name for name, _now, _stored in changes} == set(history.content(version))
    assert all(now is None for _name, now, _stored in changes)
