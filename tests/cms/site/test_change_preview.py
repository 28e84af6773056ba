"""A change request's pages as submitted (/preview/change/<id>/<lang>/…), and the links to them from the review page
and the wizard map: the snapshot a reviewer decides on, not whatever the draft holds now."""

import pytest
from django.urls import reverse

from cms import workflow
from tests import factories
from wizard.models import wizard_step_paths


@pytest.fixture
def change(live_wizard, editor):
    factories.edit(live_wizard, "contact", editor, body_fr="Appelez-nous le lundi.", body_nl="Bel ons op maandag.")
    return workflow.submit(live_wizard, author=editor)


@pytest.mark.parametrize(("lang", "text"), [("fr", "Appelez-nous le lundi."), ("nl", "Bel ons op maandag.")])
def test_a_step_of_a_request_shows_what_was_submitted_not_the_draft(client, reviewer, change, live_wizard, lang, text):
    factories.edit(live_wizard, "contact", body_fr="Un texte écrit après la soumission.", body_nl="Later.")
    client.force_login(reviewer)
    response = client.get(f"/preview/change/{change.pk}/{lang}/contact/")
    assert response.status_code == 200
    page = response.content.decode()
    assert text in page
    assert "après la soumission" not in page
    assert response["Cache-Control"] == "private, no-store"
    assert f'href="/preview/change/{change.pk}/{lang}/profiles/"' in page  # its links stay in the request


def test_a_request_preview_is_for_staff_who_may_see_requests(client, change):
    url = f"/preview/change/{change.pk}/fr/"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(factories.make_user("staff-without-roles"))
    assert client.get(url).status_code == 403
    client.force_login(factories.make_user("admin", superuser=True))
    assert client.get(url).status_code == 200
    assert client.get(f"/preview/change/{change.pk}/xx/").status_code == 404
    assert client.get(f"/preview/change/{change.pk}/fr/nowhere/").status_code == 404
    assert client.get("/preview/change/999999/fr/").status_code == 404


def test_the_review_page_links_each_changed_step_to_its_preview_in_each_language(client, reviewer, change):
    client.force_login(reviewer)
    page = client.get(reverse("admin:cms_changerequest_change", args=[change.pk])).content.decode()
    for lang in ["fr", "nl", "de", "en"]:
        assert f'href="/preview/change/{change.pk}/{lang}/contact/"' in page
    assert f'href="/preview/change/{change.pk}/fr/"' in page  # "Preview this request"


def test_the_map_of_a_release_or_a_request_previews_that_release_or_request(admin_client, change, live_wizard):
    contact = str(wizard_step_paths(live_wizard)["contact"].uid)
    map_url = reverse("admin:wizard_node_map", args=[live_wizard.pk])
    release = live_wizard.releases.get()
    on_release = admin_client.get(f"{map_url}?release={release.number}&step={contact}").content.decode()
    assert f'href="/preview/release/{release.pk}/fr/contact/"' in on_release
    on_change = admin_client.get(f"{map_url}?change={change.pk}&step={contact}").content.decode()
    assert f'href="/preview/change/{change.pk}/fr/contact/"' in on_change
    on_draft = admin_client.get(f"{map_url}?step={contact}").content.decode()
    assert 'href="/preview/fr/demo/contact/"' in on_draft
