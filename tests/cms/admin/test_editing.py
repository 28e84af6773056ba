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


@pytest.mark.usefixtures("history")  # the version each editor opened
def test_the_second_of_two_editors_is_refused_and_told_what_changed(client, django_user_model, editor, contact):
    from django.test import Client

    other = factories.make_user("other", "Editors")
    first, second = client_for(Client, editor), client_for(Client, other)
    page_first, page_second = first.get(change_url(contact)), second.get(change_url(contact))

    assert first.post(change_url(contact), form_data(page_first, title_fr="Nous contacter")).status_code == 302
    response = second.post(change_url(contact), form_data(page_second, title_fr="Contact", body_fr="Appelez-nous."))

    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert "Someone else saved this since you opened it" in errors
    assert "editor saved it at" in errors
    assert "title_fr: “Titre contact” → “Nous contacter”" in errors
    contact.refresh_from_db()
    assert (contact.title_fr, contact.body_fr) == ("Nous contacter", "Appelez [le centre](link:contact-center).")
    # What the second editor typed is still in the form; saving again is a deliberate choice, and then it wins.
    again = second.post(change_url(contact), form_data(response, title_fr="Contact", body_fr="Appelez-nous."))
    assert again.status_code == 302
    contact.refresh_from_db()
    assert (contact.title_fr, contact.body_fr) == ("Contact", "Appelez-nous.")


@pytest.mark.usefixtures("history")  # the version each editor opened
def test_a_link_target_is_locked_too(client, editor, wizard):
    from django.test import Client

    target = LinkTarget.objects.get(key="portal")
    first, second = client_for(Client, editor), client_for(Client, factories.make_user("other", "Editors"))
    page_first, page_second = first.get(change_url(target)), second.get(change_url(target))
    assert first.post(change_url(target), form_data(page_first, name_nl="Portaal")).status_code == 302
    response = second.post(change_url(target), form_data(page_second, name_de="Portal"))
    assert response.status_code == 200
    assert "name_nl: “” → “Portaal”" in " ".join(response.context["adminform"].form.non_field_errors())


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


@pytest.mark.usefixtures("history")  # the version each editor opened
def test_the_conflict_report_names_only_what_changed(client, editor, contact):
    from django.test import Client

    first, second = client_for(Client, editor), client_for(Client, factories.make_user("other", "Editors"))
    page_first, page_second = first.get(change_url(contact)), second.get(change_url(contact))
    crlf = {
        k: v.replace("\n", "\r\n") if isinstance(v, str) else v
        for k, v in form_data(page_first, note_nl="Nota").items()
    }
    assert first.post(change_url(contact), crlf).status_code == 302
    response = second.post(change_url(contact), form_data(page_second, title_fr="Contact"))
    lines = list(response.context["adminform"].form.non_field_errors())
    assert [line for line in lines if ": “" in line] == ["note_nl: “” → “Nota”"]


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
