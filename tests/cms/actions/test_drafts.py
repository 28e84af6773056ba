from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from cms import actions, presence
from cms.models import AuditEntry, DraftBackup, Presence
from tests import factories
from tests.admin_forms import form_data
from wizard.models import Node, wizard_step_paths


def step(wizard: Node, path: str) -> Node:
    return wizard_step_paths(wizard)[path]


def test_discarding_a_step_gives_back_the_live_content_and_can_be_reverted(live_wizard, editor):
    contact = step(live_wizard, "contact")
    contact.title_nl, contact.note_fr = "Nieuw", "Brouillon"
    actions.edit_step(contact, user=editor)
    actions.discard_step(contact, user=editor)
    contact.refresh_from_db()
    assert (contact.title_nl, contact.note_fr) == ("Titel contact", "")
    entry = AuditEntry.objects.get(action="discard")
    assert sorted(entry.details["fields"]) == ["note_fr", "title_nl"]
    # Undo from history: the version before the discard.
    before = Version.objects.get_for_object(contact)[1]
    actions.revert_step(before, user=editor)
    contact.refresh_from_db()
    assert (contact.title_nl, contact.note_fr) == ("Nieuw", "Brouillon")


def test_a_step_new_since_the_live_release_is_not_discarded(live_wizard, editor):
    new = actions.create_step(
        Node(slug="new", kind="info", title_fr="Nouveau"), user=editor, reference=live_wizard, position="last-child"
    )
    with pytest.raises(actions.ActionError, match="new since the live release"):
        actions.discard_step(new, user=editor)


def test_a_reset_throws_the_draft_away_and_is_undone_from_the_backup(live_wizard, editor):
    factories.make_user("boss", superuser=True)
    contact = step(live_wizard, "contact")
    contact.note_fr = "Brouillon"
    actions.edit_step(contact, user=editor)
    actions.create_step(
        Node(slug="new", kind="info", title_fr="Nouveau"), user=editor, reference=live_wizard, position="last-child"
    )
    release, diff = actions.reset_changes(live_wizard)
    assert {item["path"] for item in diff["steps"]} == {"contact", "new"}
    boss = factories.make_user("reviewer2", superuser=True)
    backup = actions.reset_draft(live_wizard, user=boss)
    paths = wizard_step_paths(live_wizard)
    assert "new" not in paths
    assert paths["contact"].note_fr == ""
    assert AuditEntry.objects.filter(action="reset").exists()
    with pytest.raises(actions.ActionError, match="live release already"):
        actions.reset_draft(live_wizard, user=boss)

    actions.undo_reset(backup, user=boss)
    paths = wizard_step_paths(live_wizard)
    assert paths["new"].title_fr == "Nouveau"
    assert paths["contact"].note_fr == "Brouillon"
    assert DraftBackup.objects.get(pk=backup.pk).restored_at is not None
    with pytest.raises(actions.ActionError, match="undone already"):
        actions.undo_reset(backup, user=boss)


def test_translators_neither_discard_nor_reset(live_wizard):
    translator = factories.make_user("translator", "Translators")
    with pytest.raises(actions.ActionError) as refused:
        actions.discard_step(step(live_wizard, "contact"), user=translator)
    assert refused.value.code == "forbidden"


def test_presence_names_the_others_and_forgets_the_gone(wizard, editor):
    other = factories.make_user("editor2", "Editors")
    contact = step(wizard, "contact")
    assert presence.here(contact, editor) == []
    [found] = presence.here(contact, other)
    assert found.user == editor
    earlier = timezone.now() - timedelta(seconds=presence.TIMEOUT - 5)
    Presence.objects.filter(user=editor).update(opened_at=earlier, seen_at=earlier)
    presence.here(contact, editor)  # the editor's form says it is still open
    [still] = presence.here(contact, other)
    assert still.opened_at == earlier  # "since": when the form was opened, not when it last said so
    gone = timezone.now() - timedelta(seconds=presence.TIMEOUT + 1)
    Presence.objects.filter(user=editor).update(seen_at=gone)  # the editor's form stopped saying it
    assert presence.here(contact, other) == []
    assert Presence.objects.filter(user=editor).count() == 0


def test_the_step_form_says_who_else_has_it_open(client, wizard, editor):
    other = factories.make_user("editor2", "Editors")
    contact = step(wizard, "contact")
    presence.here(contact, other)
    client.force_login(editor)
    page = client.get(reverse("admin:wizard_node_change", args=[contact.pk]))
    assert "opened by editor2 at" in page.content.decode()
    answer = client.post(reverse("admin:wizard_node_presence", args=[contact.pk]))
    assert answer.json()["others"][0]["user"] == "editor2"
    assert client.get(reverse("admin:wizard_node_presence", args=[contact.pk])).status_code == 405


def test_the_discard_and_reset_pages_list_what_goes_and_do_it(client, live_wizard):
    boss = factories.make_user("boss", superuser=True)
    client.force_login(boss)
    contact = step(live_wizard, "contact")
    page = client.get(reverse("admin:wizard_node_change", args=[contact.pk]))
    client.post(reverse("admin:wizard_node_change", args=[contact.pk]), form_data(page, note_fr="Brouillon"))
    discard = client.get(reverse("admin:wizard_node_discard", args=[contact.pk]))
    assert "Brouillon" in discard.content.decode()
    reset = client.get(reverse("admin:wizard_node_reset", args=[live_wizard.pk]))
    assert "Brouillon" in reset.content.decode()
    assert client.post(reverse("admin:wizard_node_reset", args=[live_wizard.pk])).status_code == 302
    contact.refresh_from_db()
    assert contact.note_fr == ""
    history = client.get(reverse("admin:wizard_node_history", args=[live_wizard.pk]))
    backup = DraftBackup.objects.get()
    undo = reverse("admin:wizard_node_undo", args=[live_wizard.pk, backup.pk])
    assert undo in history.content.decode()
    assert client.post(undo).status_code == 302
    contact.refresh_from_db()
    assert contact.note_fr == "Brouillon"


def test_the_discard_and_reset_pages_cost_the_same_whatever_the_size_of_the_wizard(client, db):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    boss = factories.make_user("boss", superuser=True)
    client.force_login(boss)
    extra = [factories.step(f"s{n}", "info") for n in range(300)]
    small = factories.make_wizard("small")
    big = factories.make_wizard("big", children=[*factories.document()["wizard"]["children"], *extra])
    costs = []
    for wizard in (small, big):
        factories.publish(wizard)
        contact = step(wizard, "contact")
        contact.note_fr = "Brouillon"
        actions.edit_step(contact, user=boss)
        pages = [
            reverse("admin:wizard_node_discard", args=[contact.pk]),
            reverse("admin:wizard_node_reset", args=[wizard.pk]),
            reverse("admin:wizard_node_change", args=[contact.pk]),
        ]
        found = []
        for url in pages:
            client.get(url)  # the session, the permissions: what a second request no longer reads
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            found.append(len(queries))
        costs.append(found)
    assert costs[0] == costs[1]
