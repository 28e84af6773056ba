"""The map page in the admin: who sees it, what it shows, and what it costs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms import workflow
from tests import factories
from wizard.models import Node, wizard_step_paths


def map_url(node: Node, query: str = "") -> str:
    return f"/admin/wizard/node/{node.pk}/map/{query}"


@pytest.mark.parametrize("group", ["Editors", "Reviewers", "Translators"])
def test_editors_reviewers_and_translators_see_the_map(client, wizard, group):
    client.force_login(factories.make_user("someone", group))
    response = client.get(map_url(wizard))
    assert response.status_code == 200
    content = response.content.decode()
    assert "<svg" in content
    assert 'class="map-outline"' in content
    assert "Titre renew" in content
    assert "edge edge-cross" in content


def test_staff_without_view_permission_on_steps_is_refused(client, wizard):
    client.force_login(factories.make_user("nobody"))
    assert client.get(map_url(wizard)).status_code == 403


def test_the_map_of_a_step_is_its_wizards_map_with_the_step_selected(admin_client, wizard):
    contact = wizard_step_paths(wizard)["contact"]
    response = admin_client.get(map_url(contact))
    assert response.status_code == 302
    assert response["Location"] == map_url(wizard, f"?step={contact.uid}")
    page = admin_client.get(response["Location"]).content.decode()
    assert "Edit this step" in page
    assert f"/admin/wizard/node/{contact.pk}/change/" in page
    assert "/preview/fr/demo/contact/" in page


def test_the_map_of_a_release_and_of_a_change_request(admin_client, live_wizard, admin_user):
    factories.edit(live_wizard, "contact", title_fr="Nouveau contact")
    change = workflow.submit(live_wizard, author=admin_user)
    release_page = admin_client.get(map_url(live_wizard, "?release=1")).content.decode()
    assert "Titre contact" in release_page
    assert "Nouveau contact" not in release_page
    change_page = admin_client.get(map_url(live_wizard, f"?change={change.pk}")).content.decode()
    assert "Nouveau contact" in change_page
    assert f'href="{map_url(live_wizard)}">Map of the draft' in change_page
    assert "changed in this version" in change_page
    assert "Edit this step" not in admin_client.get(map_url(live_wizard, "?release=1&step=x")).content.decode()
    assert admin_client.get(map_url(live_wizard, "?release=9")).status_code == 404
    assert admin_client.get(map_url(live_wizard, "?release=abc")).status_code == 403


def test_links_to_the_map_from_the_tree_the_review_and_the_release(admin_client, live_wizard, admin_user):
    assert map_url(live_wizard).encode() in admin_client.get("/admin/wizard/node/").content
    assert f'href="{map_url(live_wizard)}"'.encode() in admin_client.get("/admin/").content
    release = live_wizard.releases.get()
    assert (
        f"{map_url(live_wizard)}?release=1".encode()
        in admin_client.get(f"/admin/cms/release/{release.pk}/change/").content
    )
    factories.edit(live_wizard, "contact", title_fr="Nouveau contact")
    change = workflow.submit(live_wizard, author=admin_user)
    review = admin_client.get(f"/admin/cms/changerequest/{change.pk}/change/").content.decode()
    assert f"{map_url(live_wizard)}?change={change.pk}" in review


def test_selection_search_and_folding_are_links(admin_client, wizard):
    citizen = wizard_step_paths(wizard)["profiles/citizen"]
    page = admin_client.get(map_url(wizard, f"?q=renew&fold={citizen.uid}")).content.decode()
    assert "1 step matches" in page
    # The match is inside the folded branch: the branch opens to show it.
    assert 'data-path="profiles/citizen/renew"' in page
    page = admin_client.get(map_url(wizard, f"?fold={citizen.uid}")).content.decode()
    assert 'data-path="profiles/citizen/renew"' not in page
    assert "show 2 steps below" in page


def big_wizard(extra: int) -> Node:
    branches = [
        factories.step(f"b{n}", "choice", [factories.step(f"t{m}", body="[x](node:contact)") for m in range(10)])
        for n in range(extra // 10)
    ]
    return factories.make_wizard(f"big{extra}", children=[*factories.document()["wizard"]["children"], *branches])


def test_the_map_costs_the_same_queries_with_50_or_500_extra_steps(admin_client, db):
    costs, boxes = [], []
    for wizard in (big_wizard(50), big_wizard(500)):
        factories.publish(wizard)
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(map_url(wizard))
        assert response.status_code == 200
        costs.append(len(queries))
        boxes.append(response.content.decode().count('<g class="step'))
    assert costs[0] == costs[1]
    # 63 steps show whole; 558 open folded: the start page, its 2 steps and the 50 branches, each with a "+10".
    assert boxes == [63, 1 + 2 + 50]
