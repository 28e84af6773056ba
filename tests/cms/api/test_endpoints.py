import time

import pytest
from django.conf import settings
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms import live, preview
from cms.api import content
from tests import factories
from wizard.models import LinkTarget, Node

API = "/api/v1"
ERROR_KEYS = {"status", "error", "message"}


def get_json(client, url: str, **headers) -> dict:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def walk(step: dict):
    yield step
    for child in step["children"]:
        yield from walk(child)


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


def test_tree_nests_every_step_with_its_texts_as_html_and_markdown(client, live_wizard):
    data = get_json(client, f"{API}/wizards/demo/?lang=fr")
    assert (data["wizard"], data["lang"]) == ("demo", "fr")
    root = data["root"]
    assert (root["path"], root["kind"], root["title"]) == ("", "start", "Titre demo")
    paths = [step["path"] for step in walk(root)]
    assert paths == [
        "",
        "profiles",
        "profiles/citizen",
        "profiles/citizen/apply",
        "profiles/citizen/renew",
        "profiles/company",
        "profiles/company/apply",
        "contact",
    ]
    citizen = root["children"][0]["children"][0]
    assert citizen["label"] == "Citoyen"
    apply = citizen["children"][0]
    assert apply["body_markdown"] == "Contactez [le centre](link:contact-center)."
    assert apply["body_html"].startswith('<p>Contactez <a href="https://www.example.org/fr/contact"')
    assert 'class="external"' in apply["body_html"]
    assert apply["references"] == [
        {
            "kind": "link",
            "text": "le centre",
            "target": "contact-center",
            "url": "https://www.example.org/fr/contact",
            "url_lang": "fr",
        }
    ]
    assert apply["url"] == "http://testserver/fr/demo/profiles/citizen/apply/"
    assert {link["key"] for link in data["links"]} == {"contact-center", "portal"}


def test_links_resolve_to_the_url_of_the_language(client, live_wizard):
    data = get_json(client, f"{API}/wizards/demo/?lang=nl")
    links = {link["key"]: link for link in data["links"]}
    assert links["contact-center"] == {
        "key": "contact-center",
        "name": "Contactcenter",
        "url": "https://www.example.org/nl/contact",
        "url_lang": "nl",
        "fallback": [],
    }
    # No Dutch portal: the French one, and the answer says so.
    assert links["portal"]["url"] == "https://portal.example.org/?lang=fr"
    assert links["portal"]["url_lang"] == "fr"
    assert links["portal"]["fallback"] == ["name", "url"]
    apply = data["root"]["children"][0]["children"][0]["children"][0]
    assert 'href="https://www.example.org/nl/contact"' in apply["body_html"]


def test_references_to_steps_are_given_as_step_paths(client, live_wizard):
    data = get_json(client, f"{API}/wizards/demo/nodes/profiles/citizen/renew/?lang=nl")
    step = data["step"]
    assert step["references"] == [
        {
            "kind": "node",
            "text": "demander",
            "target": "profiles/citizen/apply",
            "url": "http://testserver/nl/demo/profiles/citizen/apply/",
            "url_lang": "nl",
        }
    ]
    assert '<a href="http://testserver/nl/demo/profiles/citizen/apply/">demander</a>' in step["body_html"]


def test_site_url_setting_makes_links_point_to_the_public_site(client, live_wizard, settings):
    settings.SITE_URL = "https://wizards.example.be"
    step = get_json(client, f"{API}/wizards/demo/nodes/profiles/citizen/renew/")["step"]
    assert step["references"][0]["url"] == "https://wizards.example.be/fr/demo/profiles/citizen/apply/"


@pytest.mark.parametrize(
    ("lang", "title", "fallback"),
    [
        ("fr", "Titre apply", []),
        ("nl", "Titel apply", ["body"]),  # the title is translated, the body is not
        ("de", "Titre apply", ["title", "body"]),
    ],
)
def test_a_text_missing_in_the_language_falls_back_to_french_and_says_so(client, live_wizard, lang, title, fallback):
    step = get_json(client, f"{API}/wizards/demo/nodes/profiles/citizen/apply/?lang={lang}")["step"]
    assert step["title"] == title
    assert step["body_markdown"] == "Contactez [le centre](link:contact-center)."
    assert step["fallback"] == fallback
    # A French body shown in place of a Dutch one: the link leads to the Dutch page, its marker reads as the text.
    assert f"https://www.example.org/{'nl' if lang == 'nl' else 'fr'}/contact" in step["body_html"]
    assert "(site externe)" in step["body_html"]


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("nl-BE,nl;q=0.9,en;q=0.8", "nl"),
        ("de", "de"),
        ("es,en;q=0.5", "en"),
        ("nl;q=0,en;q=0.5", "en"),
        ("es", "fr"),
        ("", "fr"),
        ("*", "fr"),
    ],
)
def test_without_lang_the_accept_language_header_decides(client, live_wizard, header, lang):
    response = client.get(f"{API}/wizards/demo/", headers={"Accept-Language": header} if header else {})
    assert response.json()["lang"] == lang
    assert response["Content-Language"] == lang
    assert "Accept-Language" in response["Vary"]


def test_with_lang_the_answer_does_not_vary_by_accept_language(client, live_wizard):
    response = client.get(f"{API}/wizards/demo/?lang=nl", headers={"Accept-Language": "de"})
    assert response.json()["lang"] == "nl"
    assert "Accept-Language" not in response.get("Vary", "")


def test_one_step_comes_with_its_breadcrumb_and_children(client, live_wizard):
    data = get_json(client, f"{API}/wizards/demo/nodes/profiles/citizen/?lang=fr")
    assert data["step"]["path"] == "profiles/citizen"
    assert "children" not in data["step"]
    assert [crumb["path"] for crumb in data["breadcrumb"]] == ["", "profiles"]
    assert [child["path"] for child in data["children"]] == ["profiles/citizen/apply", "profiles/citizen/renew"]
    assert data["children"][0]["title"] == "Titre apply"


def test_the_start_step_has_an_address_of_its_own(client, live_wizard):
    data = get_json(client, f"{API}/wizards/demo/nodes/?lang=fr")
    assert data["step"]["path"] == ""
    assert data["breadcrumb"] == []
    assert [child["path"] for child in data["children"]] == ["profiles", "contact"]


@pytest.mark.parametrize(
    ("method", "url", "status", "error"),
    [
        ("get", "/wizards/nope/", 404, "unknown_wizard"),
        ("get", "/wizards/nope/nodes/profiles/", 404, "unknown_wizard"),
        ("get", "/wizards/demo/nodes/profiles/nope/", 404, "unknown_step"),
        ("get", "/wizards/demo/?lang=xx", 400, "unknown_language"),
        ("get", "/wizards/demo/nodes/profiles/?lang=EN", 400, "unknown_language"),
        ("get", "/wizards/demo/?release=old", 400, "invalid_parameter"),
        ("get", "/nothing-here/", 404, "not_found"),
        ("post", "/wizards/", 405, "method_not_allowed"),
        ("delete", "/wizards/demo/", 405, "method_not_allowed"),
        ("put", "/wizards/demo/nodes/profiles/", 405, "method_not_allowed"),
    ],
)
def test_errors_are_json_with_one_stable_shape(client, live_wizard, method, url, status, error):
    response = getattr(client, method)(f"{API}{url}")
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert (body["status"], body["error"]) == (status, error)
    assert body["message"]
    assert response["Cache-Control"] == "private, no-store"
    if status == 405:
        assert response["Allow"] == "GET, HEAD, OPTIONS"


@pytest.mark.parametrize("url", ["/wizards/", "/wizards/demo/?lang=nl", "/wizards/demo/nodes/profiles/?lang=nl"])
def test_an_unchanged_answer_is_not_sent_again(client, live_wizard, url):
    first = client.get(f"{API}{url}")
    etag = first["ETag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert first["Cache-Control"].startswith("public, max-age=")
    assert "stale-while-revalidate" in first["Cache-Control"]
    for sent in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = client.get(f"{API}{url}", headers={"If-None-Match": sent})
        assert again.status_code == 304
        assert again.content == b""
        assert again["ETag"] == etag
        assert again["Cache-Control"] == first["Cache-Control"]
        assert again.get("Content-Language") == first.get("Content-Language")
        assert "Content-Type" not in again
    assert client.get(f"{API}{url}", headers={"If-None-Match": '"other"'}).status_code == 200


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


def test_head_answers_the_headers_of_get_without_the_body(client, live_wizard):
    got = client.get(f"{API}/wizards/demo/?lang=fr")
    head = client.head(f"{API}/wizards/demo/?lang=fr")
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == got["ETag"]
    assert head["Content-Length"] == str(len(got.content))


def test_any_origin_may_read_the_api(client, live_wizard):
    response = client.get(f"{API}/wizards/", headers={"Origin": "https://app.example.org"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in response
    missing = client.get(f"{API}/wizards/nope/", headers={"Origin": "https://app.example.org"})
    assert missing["Access-Control-Allow-Origin"] == "*"


def test_a_preflight_allows_the_headers_the_api_reads(client, db):
    response = client.options(
        f"{API}/wizards/demo/",
        headers={"Origin": "https://app.example.org", "Access-Control-Request-Method": "GET"},
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]
    assert int(response["Access-Control-Max-Age"]) > 0


def test_cors_can_be_limited_to_configured_origins(client, live_wizard, settings):
    settings.API_CORS_ALLOWED_ORIGINS = ["https://app.example.org"]
    allowed = client.get(f"{API}/wizards/", headers={"Origin": "https://app.example.org"})
    assert allowed["Access-Control-Allow-Origin"] == "https://app.example.org"
    assert "Origin" in allowed["Vary"]
    refused = client.get(f"{API}/wizards/", headers={"Origin": "https://evil.example.com"})
    assert refused.status_code == 200
    assert "Access-Control-Allow-Origin" not in refused
    assert "Origin" in refused["Vary"]


def test_the_site_outside_the_api_gets_no_cors_headers(client, db):
    response = client.get("/admin/login/", headers={"Origin": "https://app.example.org"})
    assert "Access-Control-Allow-Origin" not in response


# Preview ----------------------------------------------------------------------------------------------------------


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


# Speed --------------------------------------------------------------------------------------------------------------


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


def test_answers_are_computed_once_per_release_and_language(client, live_wizard):
    client.get(f"{API}/wizards/demo/?lang=nl")
    held = live.wizard("demo")
    memo = held.origins.values["http://testserver"]
    assert {"api-steps", "api-tree"} <= {key[0] for key in memo.values}
    assert client.get(f"{API}/wizards/demo/?lang=nl").content == memo.values[("api-tree", content.FORMAT_VERSION, "nl")]
    client.get(f"{API}/wizards/demo/nodes/made-up/")
    assert not any("made-up" in str(key) for key in memo.values)  # unknown paths are not remembered


# Contract -----------------------------------------------------------------------------------------------------------


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


def test_a_server_error_is_json_too(client, live_wizard, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("cms.api.content.tree_json", broken)
    client.raise_request_exception = False
    response = client.get(f"{API}/wizards/demo/")
    assert response.status_code == 500
    assert response.json() == {
        "status": 500,
        "error": "server_error",
        "message": "The server failed to answer; it has been logged.",
    }


def test_a_link_to_a_page_that_the_site_lacks_in_this_language_says_which_language_it_is_in(client, live_wizard):
    target = LinkTarget.objects.get(key="portal")
    target.url_nl, target.no_page = "https://portal.example.org/?lang=nl", {"de": "nl"}
    target.full_clean()
    target.save()
    factories.publish(live_wizard)
    live.forget()
    data = get_json(client, f"{API}/wizards/demo/?lang=de")
    portal = {link["key"]: link for link in data["links"]}["portal"]
    assert portal["url"] == "https://portal.example.org/?lang=nl"
    assert portal["url_lang"] == "nl"
    assert portal["fallback"] == ["name"]  # the URL is deliberately absent, not untranslated
    company = data["root"]["children"][0]["children"][1]["children"][0]
    assert company["references"][0]["url_lang"] == "nl"
    assert 'hreflang="nl"' in company["body_html"]
    # In the reader's language, even inside a French text shown for want of a German one.
    assert '<span class="link-language" lang="de">(auf Niederländisch)</span>' in company["body_html"]
