"""The API's answers as JSON: texts, links and references in each language, built once per release."""

import pytest

from cms import live
from cms.api import content
from tests import factories
from tests.cms.api import API, get_json
from wizard.models import LinkTarget


def walk(step: dict):
    yield step
    for child in step["children"]:
        yield from walk(child)


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


def test_answers_are_computed_once_per_release_and_language(client, live_wizard):
    client.get(f"{API}/wizards/demo/?lang=nl")
    held = live.wizard("demo")
    memo = held.origins.values["http://testserver"]
    assert {"api-steps", "api-tree"} <= {key[0] for key in memo.values}
    assert client.get(f"{API}/wizards/demo/?lang=nl").content == memo.values[("api-tree", content.FORMAT_VERSION, "nl")]
    client.get(f"{API}/wizards/demo/nodes/made-up/")
    assert not any("made-up" in str(key) for key in memo.values)  # unknown paths are not remembered


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
