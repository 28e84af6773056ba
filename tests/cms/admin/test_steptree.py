"""The step tree (cms/admin/steptree.py) and the add form it opens: paths, French titles, "add a step here", the
slug made from the title, where a save leads back to, and what the tree costs in a large wizard."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.admin.steptree import add_url
from tests import factories
from wizard import tree
from wizard.models import Node, wizard_step_paths

ADD = "/admin/wizard/node/add/"
TREE = "/admin/wizard/node/"


def step(wizard: Node, path: str) -> Node:
    return wizard_step_paths(wizard)[path]


def new_step(client, url: str, **fields: str):
    """Posts the add form at `url` as shown (its place included), with a French title and `fields`."""
    form = client.get(url).context["adminform"].form
    data = {name: form.initial.get(name, field.initial) for name, field in form.fields.items()}
    data = {name: "" if value is None else getattr(value, "pk", value) for name, value in data.items()}
    return client.post(url, {**data, "kind": "task", "title_fr": "Bénéficiaire effectif", **fields})


def children(node: Node) -> list[str]:
    return [child.slug for child in Node.objects.get_children(Node.objects.get(pk=node.pk))]


def test_add_here_prefills_the_place_it_was_asked_for(admin_client, wizard):
    citizen = step(wizard, "profiles/citizen")
    form = admin_client.get(add_url(citizen, "right")).context["adminform"].form
    assert form.initial["treebeard_ref_node"] == str(citizen.pk)
    assert form.initial["treebeard_position"] == "right"
    assert citizen.pk in dict(form.fields["treebeard_ref_node"].widget.choices)


@pytest.mark.parametrize(
    ("position", "parent", "expected"),
    [
        ("right", "profiles", ["citizen", "beneficiaire-effectif", "company"]),
        ("last-child", "profiles/citizen", ["apply", "renew", "beneficiaire-effectif"]),
    ],
)
def test_add_here_places_the_new_step_where_it_was_asked(admin_client, wizard, position, parent, expected):
    response = new_step(admin_client, add_url(step(wizard, "profiles/citizen"), position))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert children(step(wizard, parent)) == expected
    assert Node.objects.wizards().count() == 1


def test_a_new_step_starts_last_in_the_wizard_not_as_a_new_root(admin_client, wizard):
    form = admin_client.get(ADD).context["adminform"].form
    assert (form.initial["treebeard_ref_node"], form.initial["treebeard_position"]) == (wizard.pk, "last-child")
    response = new_step(admin_client, ADD)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert children(wizard) == ["profiles", "contact", "beneficiaire-effectif"]
    assert Node.objects.wizards().count() == 1


def test_a_slug_left_blank_is_made_from_the_french_title_and_free_among_siblings(admin_client, wizard):
    url = add_url(step(wizard, "profiles/citizen"), "last-child")
    assert new_step(admin_client, url, slug="").status_code == 302
    assert new_step(admin_client, url, slug="", title_fr="Apply !").status_code == 302
    assert children(step(wizard, "profiles/citizen")) == ["apply", "renew", "beneficiaire-effectif", "apply-2"]


def test_a_slug_typed_by_the_editor_is_kept(admin_client, wizard):
    assert new_step(admin_client, ADD, slug="mon-choix").status_code == 302
    assert "mon-choix" in children(wizard)


def test_the_slug_field_proposes_from_the_french_title_on_a_new_step_only(admin_client, wizard):
    added = admin_client.get(ADD).content.decode()
    assert 'data-slug-from="id_title_fr"' in added
    assert "cms/slug-from-title.js" in added
    changed = admin_client.get(f"/admin/wizard/node/{step(wizard, 'contact').pk}/change/").content.decode()
    assert "data-slug-from" not in changed


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Bénéficiaire effectif", "beneficiaire-effectif"),
        ("  Cœur d’Ærø : ß_test!  ", "coeur-daer-ss-test"),
        ("Ça -- va__bien", "ca-va-bien"),
        ("€€€", ""),
    ],
)
def test_slug_from_transliterates_the_title(title, slug):
    assert tree.slug_from(title) == slug


def test_the_tree_shows_french_titles_paths_and_add_here_links(admin_client, wizard):
    profiles = step(wizard, "profiles")
    url = f"/admin/wizard/node/children/{profiles.pk}/"
    found = admin_client.get(url, headers={"accept-language": "nl"}).json()["result_html"]
    titles = re.findall(r'<th class="field-source_title"><a [^>]*>([^<]*)</a>', found)
    assert titles == ["Titre citizen", "Titre company"]  # not the Dutch "Titel citizen" of a Dutch interface
    assert 'data-path="profiles/citizen"' in found
    citizen = step(wizard, "profiles/citizen")
    assert add_url(citizen, "last-child").replace("&", "&amp;") in found
    assert add_url(citizen, "right").replace("&", "&amp;") in found


def test_search_results_tell_apart_steps_with_one_title(admin_client, wizard):
    page = admin_client.get(TREE, {"q": "Titre apply"}).content.decode()
    assert 'data-path="profiles/citizen/apply"' in page
    assert 'data-path="profiles/company/apply"' in page
    places = admin_client.get("/admin/wizard/node/places/", {"q": "apply"}).json()["places"]
    assert {place["path"] for place in places} == {"demo/profiles/citizen/apply", "demo/profiles/company/apply"}


def test_the_position_chooser_shows_paths_and_french_titles(admin_client, wizard):
    form = admin_client.get(add_url(step(wizard, "profiles/company/apply"), "right")).context["adminform"].form
    labels = dict(form.fields["treebeard_ref_node"].widget.choices)
    assert labels[step(wizard, "profiles/company/apply").pk] == "demo/profiles/company/apply · Titre apply"


def test_a_save_leads_back_to_the_tree_with_the_step_to_reveal(admin_client, wizard):
    apply = step(wizard, "profiles/citizen/apply")
    url = f"/admin/wizard/node/{apply.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {name: form.initial.get(name, field.initial) for name, field in form.fields.items()}
    data = {name: "" if value is None else getattr(value, "pk", value) for name, value in data.items()}
    response = admin_client.post(url, data)
    ids = [wizard.pk, step(wizard, "profiles").pk, step(wizard, "profiles/citizen").pk, apply.pk]
    assert response["Location"] == TREE + "#reveal=" + ".".join(map(str, ids))


def test_translators_get_no_add_here_links(client, wizard):
    client.force_login(factories.make_user("translator", "Translators"))
    page = client.get(f"/admin/wizard/node/children/{step(wizard, 'profiles').pk}/").json()["result_html"]
    assert "data-path" in page
    assert "/admin/wizard/node/add/" not in page


def tree_pages(wizard: Node) -> list[str]:
    """The tree's first page, a branch of 100 tasks opened, and a search."""
    return [TREE, f"/admin/wizard/node/children/{step(wizard, 'more').pk}/", f"{TREE}?q=task-42"]


def test_the_tree_costs_the_same_and_weighs_the_same_in_a_larger_wizard(admin_client, wizard):
    wizard = factories.grow(wizard, 100)
    small = []
    for url in tree_pages(wizard):
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(url)
        small.append((len(queries), len(response.content)))
    wizard = factories.grow(wizard, 400, section="even-more")
    for url, (count, size) in zip(tree_pages(wizard), small, strict=True):
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(url)
        assert len(queries) == count, url
        if "?q=" not in url:  # a search finds more in a larger wizard; a branch lists its own children
            assert len(response.content) < size * 1.05, url
