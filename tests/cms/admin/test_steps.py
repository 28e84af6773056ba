from typing import Any

import pytest
import reversion
from django.db import connection
from django.test.utils import CaptureQueriesContext
from reversion.models import Version
from reversion.revisions import _get_options

from tests import factories
from wizard.models import LinkTarget, Node, wizard_step_paths


def step(wizard: Node, path: str) -> Node:
    return wizard_step_paths(wizard)[path]


def form_data(client, url: str, **changes: Any) -> dict[str, Any]:
    """What the admin form would post back unchanged, with `changes` applied."""
    form = client.get(url).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        data[name] = "" if value is None else getattr(value, "pk", value)
    data.update(changes)
    return data


def change_url(node: Node) -> str:
    return f"/admin/wizard/node/{node.pk}/change/"


def test_reversion_is_registered_after_modeltranslation_so_translations_are_versioned(db):
    fields = _get_options(Node).fields
    assert {"title_fr", "title_nl", "title_de", "title_en", "body_nl", "note_en"} <= set(fields)
    assert {"url_fr", "url_nl", "url_de", "url_en"} <= set(_get_options(LinkTarget).fields)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/wizard/node/",
        "/admin/wizard/node/add/",
        "/admin/wizard/linktarget/",
        "/admin/wizard/node/recover/",
    ],
)
def test_admin_pages_open(admin_client, wizard, url):
    assert admin_client.get(url).status_code == 200


def test_every_admin_save_makes_a_version_with_its_author_and_translations(admin_client, admin_user, wizard):
    contact = step(wizard, "contact")
    data = form_data(admin_client, change_url(contact), title_nl="Contact opnemen")
    response = admin_client.post(change_url(contact), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    version = Version.objects.get_for_object(contact).first()
    assert version.revision.user == admin_user
    assert version.field_dict["title_nl"] == "Contact opnemen"
    assert version.revision.comment


def test_the_form_explains_a_bad_reference_and_saves_nothing(admin_client, wizard):
    contact = step(wizard, "contact")
    data = form_data(admin_client, change_url(contact), body_nl="Bel [ons](link:nowhere).")
    response = admin_client.post(change_url(contact), data)
    assert response.status_code == 200
    assert "“nowhere”, which does not exist" in response.content.decode()
    contact.refresh_from_db()
    assert not contact.body_nl


def test_adding_a_step_with_a_sibling_slug_is_refused(admin_client, wizard):
    citizen = step(wizard, "profiles/citizen")
    data = form_data(
        admin_client,
        "/admin/wizard/node/add/",
        slug="apply",
        kind="task",
        title_fr="Encore",
        treebeard_position="first-child",
        treebeard_ref_node=citizen.pk,
    )
    response = admin_client.post("/admin/wizard/node/add/", data)
    assert response.status_code == 200
    assert "already has the slug" in response.content.decode()
    assert Node.objects.count() == 8


def test_renaming_a_step_keeps_the_references_to_it_without_rewriting_them(admin_client, wizard):
    apply = step(wizard, "profiles/citizen/apply")
    stored = step(wizard, "profiles/citizen/renew").body_fr
    response = admin_client.post(change_url(apply), form_data(admin_client, change_url(apply), slug="request"))
    assert response.status_code == 302
    renew = step(wizard, "profiles/citizen/renew")
    assert renew.body_fr == stored == f"Voir [demander](node:{apply.uid})."
    form = admin_client.get(change_url(renew)).context["adminform"].form
    assert form.initial["body_fr"] == "Voir [demander](node:profiles/citizen/request)."


def test_drag_and_drop_keeps_references_and_a_sound_tree(admin_client, wizard):
    renew, company = step(wizard, "profiles/citizen/renew"), step(wizard, "profiles/company")
    contact = step(wizard, "contact")
    admin_client.post(
        change_url(contact),
        form_data(admin_client, change_url(contact), body_fr="[Renouveler](node:profiles/citizen/renew)"),
    )
    versions = Version.objects.get_for_object(contact).count()
    response = admin_client.post(
        "/admin/wizard/node/move/", {"node": renew.pk, "target": company.pk, "relation": "child"}
    )
    assert response.status_code == 200
    assert step(wizard, "contact").body_fr == f"[Renouveler](node:{renew.uid})"  # not rewritten, not versioned again
    assert Version.objects.get_for_object(contact).count() == versions
    form = admin_client.get(change_url(contact)).context["adminform"].form
    assert form.initial["body_fr"] == "[Renouveler](node:profiles/company/renew)"
    assert all(not problems for problems in Node.objects.find_problems())
    assert Version.objects.get_for_object(renew).first().revision.comment


def test_drag_and_drop_cannot_put_two_siblings_with_one_slug(admin_client, wizard):
    apply, company = step(wizard, "profiles/citizen/apply"), step(wizard, "profiles/company")
    response = admin_client.post(
        "/admin/wizard/node/move/", {"node": apply.pk, "target": company.pk, "relation": "child"}
    )
    assert response.status_code == 400
    assert step(wizard, "profiles/citizen/apply").pk == apply.pk


def test_drag_and_drop_cannot_leave_the_wizard(admin_client, wizard):
    from tests import factories

    other = factories.make_wizard("other")
    contact = step(wizard, "contact")
    response = admin_client.post(
        "/admin/wizard/node/move/", {"node": contact.pk, "target": other.pk, "relation": "child"}
    )
    assert response.status_code == 400
    assert step(wizard, "contact").pk == contact.pk


def test_a_referenced_step_cannot_be_deleted_and_the_admin_says_by_whom(admin_client, wizard):
    apply = step(wizard, "profiles/citizen/apply")
    url = f"/admin/wizard/node/{apply.pk}/delete/"
    page = admin_client.get(url).content.decode()
    assert "cannot be deleted" in page
    assert "Titre renew" in page
    admin_client.post(url, {"post": "yes"})
    assert Node.objects.filter(pk=apply.pk).exists()


def test_an_unreferenced_step_can_be_deleted(admin_client, wizard):
    renew = step(wizard, "profiles/citizen/renew")
    admin_client.post(f"/admin/wizard/node/{renew.pk}/delete/", {"post": "yes"})
    assert not Node.objects.filter(pk=renew.pk).exists()
    assert all(not problems for problems in Node.objects.find_problems())


def test_link_target_admin_shows_where_it_is_used(admin_client, wizard):
    target = LinkTarget.objects.get(key="contact-center")
    page = admin_client.get(f"/admin/wizard/linktarget/{target.pk}/change/").content.decode()
    assert "Titre apply" in page
    assert "Titre contact" in page


def save_version(node: Node, **fields: Any) -> None:
    for name, value in fields.items():
        setattr(node, name, value)
    with reversion.create_revision():
        node.save()


def test_revert_restores_content_never_position(admin_client, wizard):
    renew, company = step(wizard, "profiles/citizen/renew"), step(wizard, "profiles/company")
    save_version(renew, title_fr="Première version", title_nl="Eerste versie")
    old = Version.objects.get_for_object(renew).first()
    save_version(renew, title_fr="Deuxième version", title_nl="")
    Node.objects.move(renew, company, pos="last-child")
    url = f"/admin/wizard/node/{renew.pk}/history/{old.pk}/"
    assert "Première version" in admin_client.get(url).content.decode()
    response = admin_client.post(url)
    assert response.status_code == 302
    renew = Node.objects.get(pk=renew.pk)
    assert (renew.title_fr, renew.title_nl) == ("Première version", "Eerste versie")
    assert renew.get_step_path() == "profiles/company/renew"
    assert all(not problems for problems in Node.objects.find_problems())


def test_a_revert_that_would_break_a_rule_is_refused(admin_client, wizard):
    renew = step(wizard, "profiles/citizen/renew")
    save_version(renew, slug="later")
    old = Version.objects.get_for_object(renew).first()
    save_version(renew, slug="renew")
    # Since that version, its sibling took the slug "later".
    save_version(step(wizard, "profiles/citizen/apply"), slug="later")
    response = admin_client.post(f"/admin/wizard/node/{renew.pk}/history/{old.pk}/", follow=True)
    assert "already has the slug" in response.content.decode()
    assert Node.objects.get(pk=renew.pk).slug == "renew"


def test_a_deleted_step_is_recovered_under_its_parent_with_its_identity(admin_client, wizard):
    renew = step(wizard, "profiles/citizen/renew")
    save_version(renew, title_fr="À récupérer")
    version = Version.objects.get_for_object(renew).first()
    pk, uid = renew.pk, renew.uid
    renew.delete()
    assert "À récupérer" in admin_client.get("/admin/wizard/node/recover/").content.decode()
    response = admin_client.post(f"/admin/wizard/node/recover/{version.pk}/")
    assert response.status_code == 302
    recovered = Node.objects.get(pk=pk)
    assert (recovered.uid, recovered.title_fr) == (uid, "À récupérer")
    assert recovered.get_step_path() == "profiles/citizen/renew"
    assert all(not problems for problems in Node.objects.find_problems())


def test_the_revert_page_refuses_a_version_of_another_model(admin_client, wizard):
    # A link target with the same id as a step: the version's object_id alone would match the step.
    contact = step(wizard, "contact")
    target = LinkTarget.objects.filter(pk=contact.pk).first() or LinkTarget.objects.create(
        pk=contact.pk, key="same-id", name_fr="Même numéro", url_fr="https://example.org/"
    )
    with reversion.create_revision():
        target.save()
    version = Version.objects.get_for_object(target).first()
    url = f"/admin/wizard/node/{contact.pk}/history/{version.pk}/"
    assert admin_client.get(url).status_code == 404
    assert admin_client.post(url).status_code == 404
    assert admin_client.get(f"/admin/wizard/node/recover/{version.pk}/").status_code == 404


def test_a_link_target_in_use_cannot_be_deleted(admin_client, wizard):
    target = LinkTarget.objects.get(key="portal")
    url = f"/admin/wizard/linktarget/{target.pk}/delete/"
    page = admin_client.get(url).content.decode()
    assert "cannot be deleted" in page
    assert "Titre apply" in page
    admin_client.post(url, {"post": "yes"})
    admin_client.post(
        "/admin/wizard/linktarget/", {"action": "delete_selected", "_selected_action": [target.pk], "post": "yes"}
    )
    assert LinkTarget.objects.filter(key="portal").exists()


def test_an_unused_link_target_can_be_deleted(admin_client, wizard):
    unused = LinkTarget.objects.create(key="unused", name_fr="Inutilisé", url_fr="https://example.org/")
    admin_client.post(
        "/admin/wizard/linktarget/", {"action": "delete_selected", "_selected_action": [unused.pk], "post": "yes"}
    )
    assert not LinkTarget.objects.filter(key="unused").exists()


def test_a_refusal_is_shown_in_the_editors_language(admin_client, wizard):
    apply = step(wizard, "profiles/citizen/apply")
    url = f"/admin/wizard/node/{apply.pk}/delete/"
    response = admin_client.post(url, {"post": "yes"}, follow=True, HTTP_ACCEPT_LANGUAGE="nl")
    assert "wordt nog gelinkt vanuit andere stappen" in response.content.decode()
    assert Node.objects.filter(pk=apply.pk).exists()


def test_a_step_whose_parent_is_gone_too_is_offered_the_wizard_root(admin_client, wizard):
    company, apply = step(wizard, "profiles/company"), step(wizard, "profiles/company/apply")
    admin_client.post(f"/admin/wizard/node/{company.pk}/delete/", {"post": "yes"})
    version = Version.objects.get_deleted(Node).get(object_id=str(apply.pk))
    url = f"/admin/wizard/node/recover/{version.pk}/"
    assert "The step this one stood under is gone too" in admin_client.get(url).content.decode()
    assert admin_client.post(url, {"under": "root"}).status_code == 302
    assert step(wizard, "apply").pk == apply.pk


def test_editors_say_in_the_admin_that_a_language_has_no_page(admin_client, wizard):
    target = LinkTarget.objects.get(key="portal")
    url = f"/admin/wizard/linktarget/{target.pk}/change/"
    data = form_data(admin_client, url, url_nl="https://portal.example.org/?lang=nl", no_page="")
    assert admin_client.post(url, data).status_code == 302  # left empty: no language is without a page
    target.refresh_from_db()
    assert target.no_page == {}
    data = form_data(admin_client, url)  # as saved: the form knows when it was opened
    refused = admin_client.post(url, {**data, "no_page": '{"nl": "fr"}'})
    assert "There is a URL for “nl”" in refused.content.decode()
    assert admin_client.post(url, {**data, "no_page": '{"en": "nl"}'}).status_code == 302
    target.refresh_from_db()
    assert target.destination("en").url == "https://portal.example.org/?lang=nl"


# The position chooser at scale ------------------------------------------------------------------------------------


def test_the_position_chooser_lists_the_places_near_the_step_not_the_whole_wizard(admin_client, wizard):
    wizard = factories.grow(wizard, 300)
    response = admin_client.get(change_url(step(wizard, "more/task-150")))
    shown = dict(response.context["adminform"].form.fields["treebeard_ref_node"].widget.choices)
    # The wizard, the section, 50 siblings on each side (and the empty choice): not the 300 steps.
    assert len(shown) == 1 + 2 + 100
    assert step(wizard, "more").pk in shown
    assert step(wizard, "more/task-149").pk in shown
    assert step(wizard, "more/task-99").pk not in shown
    assert 'class="position-search"' in response.content.decode()


def test_the_step_form_costs_the_same_in_a_larger_wizard(admin_client, wizard):
    wizard = factories.grow(wizard, 150)
    with CaptureQueriesContext(connection) as queries:
        small = admin_client.get(change_url(step(wizard, "more/task-75")))
    factories.grow(wizard, 450, section="even-more")
    with CaptureQueriesContext(connection) as more_queries:
        large = admin_client.get(change_url(step(wizard, "more/task-75")))
    assert len(more_queries) == len(queries)
    assert len(large.content) < len(small.content) * 1.05


def test_a_step_moves_relative_to_a_step_typed_by_its_path(admin_client, wizard):
    url = change_url(step(wizard, "contact"))
    data = form_data(admin_client, url, treebeard_position="first-child", treebeard_ref_path="demo/profiles/company")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert "profiles/company/contact" in wizard_step_paths(wizard)


def test_a_typed_path_that_leads_nowhere_is_refused(admin_client, wizard):
    url = change_url(step(wizard, "contact"))
    response = admin_client.post(url, form_data(admin_client, url, treebeard_ref_path="demo/nowhere"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["treebeard_ref_path"] == ["There is no step at “demo/nowhere”."]
    assert "contact" in wizard_step_paths(wizard)


def test_the_place_search_finds_steps_by_path_or_title(admin_client, wizard):
    found = admin_client.get("/admin/wizard/node/places/", {"q": "citi"}).json()["places"]
    assert {"path": "demo/profiles/citizen", "title": "Titre citizen"} in found
    found = admin_client.get("/admin/wizard/node/places/", {"q": "demo/profiles/c"}).json()["places"]
    assert [place["path"] for place in found] == ["demo/profiles/citizen", "demo/profiles/company"]
