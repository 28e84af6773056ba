import pytest
from django.db import DatabaseError, transaction

from cms import releases
from cms.models import LiveRelease, Release
from tests import factories
from wizard import exchange
from wizard.models import Node, wizard_step_paths


def test_a_release_freezes_the_whole_wizard_in_every_language(wizard):
    release = releases.create(wizard, user=None, note="First")
    assert release.snapshot == exchange.dump(wizard)
    assert release.snapshot["wizard"]["title"] == {"fr": "Titre demo", "nl": "Titel demo"}
    assert [link["key"] for link in release.snapshot["links"]] == ["contact-center", "portal"]
    assert release.content_hash == releases.content_hash(release.snapshot)
    assert release.note == "First"


def test_releases_are_numbered_per_wizard(db):
    demo, other = factories.make_wizard(), factories.make_wizard("other")
    assert [releases.create(demo, user=None).number for _ in range(3)] == [1, 2, 3]
    assert releases.create(other, user=None).number == 1


def test_a_release_does_not_change_when_the_draft_does(wizard):
    release = releases.create(wizard, user=None)
    contact = wizard_step_paths(wizard)["contact"]
    contact.title_fr = "Changé"
    contact.save()
    release.refresh_from_db()
    assert release.snapshot["wizard"]["children"][1]["title"]["fr"] == "Titre contact"


def test_the_database_refuses_to_change_a_published_release(wizard):
    release = releases.create(wizard, user=None)
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        Release.objects.filter(pk=release.pk).update(note="rewritten")
    release.snapshot["wizard"]["title"]["fr"] = "Falsifié"
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        release.save()
    release.refresh_from_db()
    assert release.snapshot["wizard"]["title"]["fr"] == "Titre demo"


def test_the_content_hash_ignores_key_order():
    assert releases.content_hash({"a": 1, "b": {"c": 2, "d": 3}}) == releases.content_hash(
        {"b": {"d": 3, "c": 2}, "a": 1}
    )
    assert releases.content_hash({"a": 1}) != releases.content_hash({"a": 2})


def test_one_pointer_per_wizard_names_the_live_release(wizard, admin_user):
    first = releases.create(wizard, user=admin_user, note="one")
    releases.make_live(first)
    second = releases.create(wizard, user=admin_user, note="two")
    releases.make_live(second)
    pointer = LiveRelease.objects.get()
    assert pointer.release == second
    assert pointer.slug == "demo"
    assert releases.live_release(wizard) == second
    releases.make_live(first, event="rollback")
    assert releases.live_release(wizard) == first
    assert second.published_by == admin_user


def test_a_wizard_with_releases_cannot_be_deleted(live_wizard):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        Node.objects.filter(pk=live_wizard.pk).delete()
