"""The API's endpoints: which wizard and release a request reads, previews of drafts, and the contract."""

import time

import pytest
from django.conf import settings
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms import live, preview
from tests import factories
from tests.cms.api import API, ERROR_KEYS, get_json
from wizard.models import Node


def test_list_shows_the_published_wizards_with_titles_languages_and_live_release(client, live_wizard, release):
    factories.make_wizard("unpublished")
    data = get_json(client, f"{API}/wizards/")
    assert [found["slug"] for found in data["wizards"]] == ["demo"]
    demo = data["wizards"][0]
    assert demo["title"] == {"fr": "Titre demo", "nl": "Titel demo"}
    assert demo["languages"] == ["fr", "nl"]
    assert demo["release"]["id"] == release.pk
    assert demo["release"]["number"] == 1
    assert demo["release"]["is_draft"] is False
    assert demo["release"]["published_at"].startswith(str(release.published_at.year))
    assert demo["url"] == "http://testserver/api/v1/wizards/demo/"


def test_with_lang_the_answer_does_not_vary_by_accept_language(client, live_wizard):
    response = client.get(f"{API}/wizards/demo/?lang=nl", headers={"Accept-Language": "de"})
    assert response.json()["lang"] == "nl"
    assert "Accept-Language" not in response.get("Vary", "")


def test_an_unknown_step_is_not_found_whatever_the_client_has(client, live_wizard):
    response = client.get(f"{API}/wizards/demo/nodes/nope/", headers={"If-None-Match": "*"})
    assert response.status_code == 404


def test_the_etag_changes_with_the_language_the_step_and_the_release(client, live_wizard):
    def etag(url: str) -> str:
        return client.get(f"{API}{url}")["ETag"]

    tags = {etag("/wizards/demo/?lang=fr"), etag("/wizards/demo/?lang=nl"), etag("/wizards/demo/nodes/contact/")}
    assert len(tags) == 3
    before = etag("/wizards/demo/?lang=fr"), etag("/wizards/")
    factories.publish(live_wizard)
    live.forget()
    assert etag("/wizards/demo/?lang=fr") != before[0]
    assert etag("/wizards/") != before[1]


def edit_title(wizard: Node, title: str) -> None:
    Node.objects.filter(pk=wizard.pk).update(title_fr=title)


def test_a_preview_token_shows_the_current_draft_never_cached(client, live_wizard):
    edit_title(live_wizard, "Nouveau titre")
    token = preview.make_token(live_wizard)
    response = client.get(f"{API}/wizards/demo/", {"release": "draft", "token": token, "lang": "fr"})
    assert response.status_code == 200
    data = response.json()
    assert data["root"]["title"] == "Nouveau titre"
    assert data["release"] == {"id": None, "number": None, "published_at": None, "is_draft": True}
    assert response["Cache-Control"] == "private, no-store"
    assert "ETag" not in response
    # The public still sees the release.
    assert get_json(client, f"{API}/wizards/demo/?lang=fr")["root"]["title"] == "Titre demo"
    step = client.get(f"{API}/wizards/demo/nodes/contact/", {"release": "draft", "token": token})
    assert step.status_code == 200
    assert step["Cache-Control"] == "private, no-store"


def test_a_wizard_never_published_can_be_previewed(client, wizard):
    token = preview.make_token(wizard)
    assert client.get(f"{API}/wizards/demo/").status_code == 404
    response = client.get(f"{API}/wizards/demo/", {"release": "draft", "token": token})
    assert response.json()["root"]["title"] == "Titre demo"


def expired_token(wizard: Node, monkeypatch) -> str:
    signed_at = time.time() - settings.PREVIEW_LINK_MAX_AGE - 60
    with monkeypatch.context() as patched:
        patched.setattr(signing.time, "time", lambda: signed_at)
        return preview.make_token(wizard)


@pytest.mark.parametrize("case", ["none", "forged", "other-wizard", "expired", "unknown-wizard"])
def test_a_draft_without_a_valid_token_is_refused(client, live_wizard, monkeypatch, case):
    other = factories.make_wizard("other")
    token = {
        "none": "",
        "forged": preview.make_token(live_wizard)[:-3] + "abc",
        "other-wizard": preview.make_token(other),
        "expired": expired_token(live_wizard, monkeypatch),
        "unknown-wizard": preview.make_token(live_wizard),
    }[case]
    slug = "nope" if case == "unknown-wizard" else "demo"
    response = client.get(f"{API}/wizards/{slug}/", {"release": "draft", "token": token})
    assert response.status_code == 403
    assert response.json()["error"] == "invalid_preview_token"
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("lang", ["fr", "nl", "de", "en"])
def test_the_api_reads_the_release_not_the_tree(client, live_wizard, lang):
    urls = [f"{API}/wizards/", f"{API}/wizards/demo/?lang={lang}", f"{API}/wizards/demo/nodes/profiles/?lang={lang}"]
    client.get(urls[0])  # loads the release once: a release never changes, so it stays loaded while live
    for url in urls:
        live.forget()  # the worst case: this request reads the pointers again
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        assert not any("wizard_node" in query["sql"] for query in queries)
        assert len(queries) <= 1
    with CaptureQueriesContext(connection) as queries:
        for url in urls:
            assert client.get(url).status_code == 200
    assert len(queries) == 0  # within the pointer's time to live, nothing at all


def test_the_openapi_document_describes_every_endpoint_and_error(client, db):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/api/v1/wizards/",
        "/api/v1/wizards/{slug}/",
        "/api/v1/wizards/{slug}/nodes/",
        "/api/v1/wizards/{slug}/nodes/{path}/",
    }
    tree = document["paths"]["/api/v1/wizards/{slug}/"]["get"]
    assert {"200", "304", "400", "403", "404", "405"} <= set(tree["responses"])
    assert tree["responses"]["404"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"
    params = {param["name"]: param for param in tree["parameters"]}
    assert {"lang", "release", "token", "Accept-Language", "If-None-Match"} <= set(params)
    assert params["lang"]["schema"]["anyOf"][0]["enum"] == ["fr", "nl", "de", "en"]
    assert set(document["components"]["schemas"]["Error"]["required"]) == ERROR_KEYS


def test_the_docs_page_uses_only_files_served_here(client, db):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "http://" not in html
    assert "https://" not in html
    script = client.get("/static/ninja/swagger-ui-bundle.js")
    script.close()
    assert script.status_code == 200


def test_the_api_root_points_to_the_wizards_and_the_documentation(client, db):
    assert get_json(client, f"{API}/") == {
        "wizards": "http://testserver/api/v1/wizards/",
        "docs": "http://testserver/api/v1/docs",
        "openapi": "http://testserver/api/v1/openapi.json",
    }
