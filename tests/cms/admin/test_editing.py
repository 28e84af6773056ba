import pytest
from django.urls import reverse
from reversion.models import Version

from cms.models import AuditEntry
from tests import factories
from tests.admin_forms import form_data
from wizard.models import LinkTarget, Node, wizard_step_paths

MOVE_URL = "/admin/wizard/node/move/"


def change_url(obj) -> str:
    return reverse(f"admin:wizard_{obj._meta.model_name}_change", args=[obj.pk])


def client_for(django_client_class, user):
    client = django_client_class()
    client.force_login(user)
    return client


@pytest.fixture
def contact(wizard) -> Node:
    return wizard_step_paths(wizard)["contact"]


def test_an_editor_saves_a_step(client, editor, contact):
    client.force_login(editor)
    page = client.get(change_url(contact))
    response = client.post(change_url(contact), form_data(page, title_fr="Nous contacter"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    contact.refresh_from_db()
    assert contact.title_fr == "Nous contacter"


def test_two_editors_changing_different_fields_both_keep_their_change(client, editor, contact):
    """The issue's scenario: A changes the French note, B the Dutch body, from the same version; both stay."""
    from django.test import Client

    first, second = client_for(Client, editor), client_for(Client, factories.make_user("other", "Editors"))
    page_first, page_second = first.get(change_url(contact)), second.get(change_url(contact))
    assert first.post(change_url(contact), form_data(page_first, note_fr="Note de A")).status_code == 302
    response = second.post(change_url(contact), form_data(page_second, body_nl="Tekst van B"), follow=True)
    assert "Saved together with what others changed since you opened the form: note_fr." in response.content.decode()
    contact.refresh_from_db()
    assert (contact.note_fr, contact.body_nl) == ("Note de A", "Tekst van B")
    entry = AuditEntry.objects.filter(action="edit").first()
    assert entry.details["fields"] == ["body_nl"]
    assert entry.details["kept"] == ["note_fr"]


def test_a_clash_is_shown_side_by_side_and_saved_only_after_a_choice(client, editor, contact):
    from django.test import Client

    first, second = client_for(Client, editor), client_for(Client, factories.make_user("other", "Editors"))
    page_first, page_second = first.get(change_url(contact)), second.get(change_url(contact))
    theirs = form_data(page_first, title_fr="Titre A", note_fr="Note A")
    assert first.post(change_url(contact), theirs).status_code == 302
    response = second.post(change_url(contact), form_data(page_second, title_fr="Titre B", body_nl="Tekst B"))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "Someone else changed title_fr" in " ".join(form.non_field_errors())
    [row] = form.clash_rows
    assert (row.key, row.theirs, row.mine, row.base) == ("title_fr", "Titre A", "Titre B", "Titre contact")
    assert 'name="resolve-title_fr"' in response.content.decode()
    contact.refresh_from_db()
    assert (contact.title_fr, contact.body_nl) == ("Titre A", "")  # nothing saved yet
    # The form now starts from theirs: their note is in it, and a second click on Save cannot write it back.
    assert form["note_fr"].value() == "Note A"
    again = second.post(change_url(contact), form_data(response))
    assert again.status_code == 200
    assert "Choose, for each field below" in " ".join(again.context["adminform"].form.non_field_errors())
    contact.refresh_from_db()
    assert contact.title_fr == "Titre A"

    done = second.post(change_url(contact), {**form_data(again), "resolve-title_fr": "mine"})
    assert done.status_code == 302
    contact.refresh_from_db()
    assert (contact.title_fr, contact.note_fr, contact.body_nl) == ("Titre B", "Note A", "Tekst B")


def test_a_save_between_the_forms_check_and_the_action_shows_the_clash(client, editor, contact, monkeypatch):
    """Someone saves after the form checked for clashes and before the action writes (on SQLite nothing locks the
    row in between): the action refuses (MergeConflict) and the page shows the clash, not a server error."""
    from cms.admin.editing import NodeEditingMixin

    client.force_login(editor)
    page = client.get(change_url(contact))
    factories.edit(contact.get_wizard(), "contact", factories.make_user("other", "Editors"), title_fr="Titre A")
    check = NodeEditingMixin.merge

    def checked_before_their_save(admin, form, base):
        if not checked_before_their_save.done:  # the first check ran before their save: it saw none
            checked_before_their_save.done = True
            return check(admin, form, {**base, "title_fr": "Titre A"})
        return check(admin, form, base)

    checked_before_their_save.done = False
    monkeypatch.setattr(NodeEditingMixin, "merge", checked_before_their_save)
    response = client.post(change_url(contact), form_data(page, title_fr="Titre B"))
    assert response.status_code == 200
    [row] = response.context["adminform"].form.clash_rows
    assert (row.key, row.theirs, row.mine) == ("title_fr", "Titre A", "Titre B")
    contact.refresh_from_db()
    assert contact.title_fr == "Titre A"  # theirs, until a choice is made


@pytest.mark.parametrize(("choice", "title"), [("theirs", "Titre A"), ("mine", "Titre B"), ("edit", "Titre C")])
def test_each_choice_of_the_conflict_screen(client, editor, contact, choice, title):
    from django.test import Client

    first, second = client_for(Client, editor), client_for(Client, factories.make_user("other", "Editors"))
    page_first, page_second = first.get(change_url(contact)), second.get(change_url(contact))
    first.post(change_url(contact), form_data(page_first, title_fr="Titre A"))
    shown = second.post(change_url(contact), form_data(page_second, title_fr="Titre B"))
    data = {**form_data(shown), "resolve-title_fr": choice}
    if choice == "edit":
        data["title_fr"] = "Titre C"
    assert second.post(change_url(contact), data).status_code == 302
    contact.refresh_from_db()
    assert contact.title_fr == title


def test_a_move_by_someone_else_is_kept_by_a_stale_form(client, editor, wizard, contact):
    """Structure merges too: a form opened before someone moved the step does not move it back."""
    from cms import actions

    client.force_login(editor)
    page = client.get(change_url(contact))
    profiles = wizard_step_paths(wizard)["profiles"]
    actions.move_step(contact, user=editor, target=profiles, position="last-child")
    assert client.post(change_url(contact), form_data(page, note_fr="Une note")).status_code == 302
    contact.refresh_from_db()
    assert Node.objects.get_parent(contact).pk == profiles.pk
    assert contact.note_fr == "Une note"


def test_link_targets_merge_too(client, editor, wizard):
    from django.test import Client

    target = LinkTarget.objects.get(key="portal")
    first, second = client_for(Client, editor), client_for(Client, factories.make_user("other", "Editors"))
    page_first, page_second = first.get(change_url(target)), second.get(change_url(target))
    assert first.post(change_url(target), form_data(page_first, name_nl="Portaal")).status_code == 302
    assert second.post(change_url(target), form_data(page_second, name_de="Portal")).status_code == 302
    target.refresh_from_db()
    assert (target.name_nl, target.name_de) == ("Portaal", "Portal")
    page_first, page_second = first.get(change_url(target)), second.get(change_url(target))
    first.post(change_url(target), form_data(page_first, name_nl="Het portaal"))
    response = second.post(change_url(target), form_data(page_second, name_nl="Portaalsite"))
    assert [row.key for row in response.context["adminform"].form.clash_rows] == ["name_nl"]


@pytest.fixture
def translator(db):
    return factories.make_user("translator", "Translators")


def test_a_translator_changes_translations_but_not_the_source_or_structure(client, translator, contact):
    client.force_login(translator)
    page = client.get(change_url(contact))
    form = page.context["adminform"].form
    assert "title_nl" in form.fields
    assert not {"title_fr", "body_fr", "slug", "kind", "treebeard_position", "treebeard_ref_node"} & set(form.fields)
    data = form_data(page, title_nl="Contact opnemen", title_fr="Piraté", slug="hacked", kind="info")
    data.update(
        treebeard_position="first-child", treebeard_ref_node=str(wizard_step_paths(contact.get_wizard())["profiles"].pk)
    )
    assert client.post(change_url(contact), data).status_code == 302
    contact.refresh_from_db()
    assert (contact.title_nl, contact.title_fr, contact.slug, contact.kind) == (
        "Contact opnemen",
        "Titre contact",
        "contact",
        "info",
    )
    assert contact.get_step_path() == "contact"


@pytest.mark.usefixtures("history")
def test_a_translator_cannot_add_delete_move_or_revert(client, translator, contact, wizard):
    client.force_login(translator)
    assert client.get(reverse("admin:wizard_node_add")).status_code == 403
    assert client.post(reverse("admin:wizard_node_delete", args=[contact.pk]), {"post": "yes"}).status_code == 403
    profiles = wizard_step_paths(wizard)["profiles"]
    moved = client.post(MOVE_URL, {"node": contact.pk, "target": profiles.pk, "relation": "sibling"})
    assert moved.status_code == 403
    assert wizard_step_paths(wizard)["contact"].pk == contact.pk
    version = Version.objects.get_for_object(contact).first()
    revert = reverse("admin:wizard_node_revision", args=[contact.pk, version.pk])
    assert client.post(revert).status_code == 403


def test_a_translator_changes_link_names_in_other_languages_only(client, translator, wizard):
    target = LinkTarget.objects.get(key="portal")
    client.force_login(translator)
    page = client.get(change_url(target))
    assert not {"key", "name_fr", "url_fr"} & set(page.context["adminform"].form.fields)
    assert (
        client.post(change_url(target), form_data(page, url_nl="https://portal.example.org/?lang=nl")).status_code
        == 302
    )
    target.refresh_from_db()
    assert target.url_nl == "https://portal.example.org/?lang=nl"
    version = Version.objects.get_for_object(target).last()
    assert client.post(reverse("admin:wizard_linktarget_revision", args=[target.pk, version.pk])).status_code == 403


def test_a_reviewer_only_reads_the_content(client, contact):
    client.force_login(factories.make_user("reviewer", "Reviewers"))
    page = client.get(change_url(contact))
    assert page.status_code == 200
    assert client.post(change_url(contact), {"title_fr": "x"}).status_code == 403


def test_moving_a_step_by_drag_and_drop_is_recorded_in_the_history(client, editor, wizard, contact):
    client.force_login(editor)
    profiles = wizard_step_paths(wizard)["profiles"]
    response = client.post(MOVE_URL, {"node": contact.pk, "target": profiles.pk, "relation": "sibling"})
    assert response.status_code == 200
    assert Version.objects.get_for_object(contact).first().revision.user == editor


@pytest.mark.usefixtures("history")
def test_reverting_a_step_keeps_its_place_and_is_audited(client, editor, wizard, contact):
    client.force_login(editor)
    page = client.get(change_url(contact))
    client.post(change_url(contact), form_data(page, title_fr="Nouveau"))
    profiles = wizard_step_paths(wizard)["profiles"]
    path_before = Node.objects.get(pk=contact.pk).path
    client.post(MOVE_URL, {"node": contact.pk, "target": profiles.pk, "relation": "sibling"})
    moved_path = Node.objects.get(pk=contact.pk).path
    assert moved_path != path_before
    first = Version.objects.get_for_object(contact).order_by("pk").first()  # from the import: "Titre contact"
    response = client.post(reverse("admin:wizard_node_revision", args=[contact.pk, first.pk]))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.title_fr, contact.path) == ("Titre contact", moved_path)
    assert set(wizard_step_paths(wizard)) >= {"contact", "profiles/citizen/apply"}
    entry = AuditEntry.objects.get(action="revert")
    assert (entry.user, entry.wizard, entry.object_repr) == (editor, wizard, "Titre contact")


def test_recovering_a_deleted_step_puts_it_back_whole_and_is_audited(client, editor, wizard):
    client.force_login(editor)
    renew = wizard_step_paths(wizard)["profiles/citizen/renew"]
    page = client.get(change_url(renew))
    client.post(change_url(renew), form_data(page, note_fr="Une note."))  # an admin save: a version to recover
    assert client.post(reverse("admin:wizard_node_delete", args=[renew.pk]), {"post": "yes"}).status_code == 302
    version = Version.objects.get_deleted(Node).get(object_id=str(renew.pk))
    response = client.post(reverse("admin:wizard_node_recover", args=[version.pk]))
    assert response.status_code == 302
    recovered = wizard_step_paths(wizard)["profiles/citizen/renew"]
    assert (recovered.pk, recovered.uid, recovered.note_fr) == (renew.pk, renew.uid, "Une note.")
    assert AuditEntry.objects.filter(action="recover", user=editor).exists()


def test_a_referenced_step_cannot_be_deleted_and_the_admin_says_by_which_steps(client, editor, wizard):
    client.force_login(editor)
    apply = wizard_step_paths(wizard)["profiles/citizen/apply"]
    page = client.get(reverse("admin:wizard_node_delete", args=[apply.pk]))
    assert "other steps link to it" in page.content.decode()
    assert "Titre renew" in page.content.decode()
    response = client.post(reverse("admin:wizard_node_delete", args=[apply.pk]), {"post": "yes"}, follow=True)
    assert "still linked from other steps" in response.content.decode()
    assert Node.objects.filter(pk=apply.pk).exists()


def test_a_save_without_changes_leaves_the_content_as_it_was(client, editor, live_wizard):
    """Browsers send textarea line breaks as CRLF; a save that changes nothing must not change the wizard."""
    from cms import releases

    contact = wizard_step_paths(live_wizard)["contact"]
    contact.body_fr = "Première ligne.\n\nDeuxième ligne."
    contact.save()
    before = releases.content_hash(releases.freeze(live_wizard))
    client.force_login(editor)
    page = client.get(change_url(contact))
    data = {
        name: value.replace("\n", "\r\n") if isinstance(value, str) else value
        for name, value in form_data(page).items()
    }
    assert client.post(change_url(contact), data).status_code == 302
    contact.refresh_from_db()
    assert contact.body_fr == "Première ligne.\n\nDeuxième ligne."
    assert releases.content_hash(releases.freeze(live_wizard)) == before


def test_the_bulk_delete_action_refuses_referenced_steps_too(client, editor, wizard):
    client.force_login(editor)
    apply = wizard_step_paths(wizard)["profiles/citizen/apply"]
    contact = wizard_step_paths(wizard)["contact"]
    data = {"action": "delete_selected", "_selected_action": [apply.pk, contact.pk], "post": "yes"}
    response = client.post(reverse("admin:wizard_node_changelist"), data, follow=True)
    assert Node.objects.filter(pk=apply.pk).exists()
    assert Node.objects.filter(pk=contact.pk).exists()  # nothing is deleted when one of them cannot be
    assert any("Titre renew" in str(message) for message in response.context["messages"]), [
        str(m) for m in response.context["messages"]
    ]
    # Deleting the referring step together with the referenced one is fine.
    renew = wizard_step_paths(wizard)["profiles/citizen/renew"]
    data["_selected_action"] = [apply.pk, renew.pk]
    client.post(reverse("admin:wizard_node_changelist"), data)
    assert not Node.objects.filter(pk__in=[apply.pk, renew.pk]).exists()
