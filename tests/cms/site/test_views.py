import copy
import re
import uuid
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from cms import live, releases
from cms.models import Release
from cms.site import views
from tests import factories
from wizard import exchange
from wizard.models import Node

LANGUAGES = ["fr", "nl", "de", "en"]
SEED = Path(__file__).resolve().parents[3] / "fixtures" / "egov-roles.yaml"
TASK = "/fr/demo/profiles/citizen/apply/"


class Outline(HTMLParser):
    """What the accessibility rules look at: <html lang>, the title, the h1s, links by text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.lang, self.title, self.h1, self.links, self._in, self._href = None, "", [], {}, None, None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag in {"title", "h1"}:
            self._in = tag
            if tag == "h1":
                self.h1.append("")
        if tag == "a":
            self._href, self._text = attrs.get("href"), ""

    def handle_endtag(self, tag: str) -> None:
        if tag in {"title", "h1"}:
            self._in = None
        if tag == "a" and self._href is not None:
            self.links.setdefault(self._text.strip(), self._href)
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "h1":
            self.h1[-1] += data
        if self._href is not None:
            self._text += data


def seed() -> Node:
    wizard = exchange.load(exchange.read(SEED.read_bytes()))
    factories.publish(wizard)
    return wizard


def republish(wizard: Node, change) -> Release:
    """A new live release whose snapshot is the live one changed by `change(snapshot)`."""
    snapshot = copy.deepcopy(releases.live_release(wizard).snapshot)
    change(snapshot)
    release = releases.create(wizard, snapshot=snapshot, user=None)
    releases.make_live(release)
    live.forget()  # on_commit does this in production; tests run inside one transaction
    return release


def new_step(*args, **kwargs) -> dict:
    """A step entry as a release holds it: with its uid."""
    return {"uid": str(uuid.uuid4()), **factories.step(*args, **kwargs)}


def children(entry: dict, slug: str) -> dict:
    return next(child for child in entry["children"] if child["slug"] == slug)


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("nl-BE,nl;q=0.9,en;q=0.5", "/nl/"), ("de", "/de/"), ("en-GB", "/en/"), ("es", "/fr/"), ("", "/fr/")],
)
def test_root_sends_the_visitor_to_their_language(client, db, accept, expected):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 302
    assert response["Location"] == expected
    assert "Accept-Language" in response["Vary"]


def test_language_home_goes_to_the_only_wizard(client, live_wizard):
    response = client.get("/nl/")
    assert response.status_code == 302
    assert response["Location"] == "/nl/demo/"


def test_language_home_lists_the_wizards_when_there_are_several(client, live_wizard):
    factories.publish(factories.make_wizard("second"))
    response = client.get("/de/")
    assert response.status_code == 200
    assert 'href="/de/demo/"' in response.text
    assert 'href="/de/second/"' in response.text
    assert '<html lang="de">' in response.text


def test_a_wizard_not_published_is_not_found(client, wizard):
    assert client.get("/fr/demo/").status_code == 404


@pytest.mark.parametrize("lang", LANGUAGES)
def test_public_page_reads_the_release_not_the_tree(client, live_wizard, lang):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/{lang}/{live_wizard.slug}/").status_code == 200
    assert not any("wizard_node" in query["sql"] for query in queries)


def test_a_page_costs_at_most_the_pointer_query(client, live_wizard, settings):
    settings.LIVE_POINTER_TTL = 3600
    client.get("/fr/demo/")  # loads the release once per process
    for path in ["/fr/demo/", TASK, "/nl/demo/contact/", "/de/demo/profiles/company/"]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(path).status_code == 200
        assert len(queries) == 0, path
    settings.LIVE_POINTER_TTL = 0
    with CaptureQueriesContext(connection) as queries:
        assert client.get(TASK).status_code == 200
    assert len(queries) == 1  # the pointer, read again once its delay is over


def test_a_page_costs_the_same_queries_whatever_the_size_of_the_wizard(client, live_wizard, settings):
    settings.LIVE_POINTER_TTL = 0

    def grow(snapshot: dict) -> None:
        many = [new_step(f"extra-{n}", "info", body=f"Texte {n}") for n in range(2000)]
        snapshot["wizard"]["children"].append(new_step("big", "info", many))

    republish(live_wizard, grow)
    client.get(TASK)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/fr/demo/big/extra-1999/").status_code == 200
    assert len(queries) == 1


def test_drafts_never_show(client, live_wizard):
    node = Node.objects.get(slug="contact")
    node.title_fr = "Brouillon secret"
    node.save()
    assert "Brouillon secret" not in client.get("/fr/demo/contact/").text


def test_a_new_release_shows_once_the_pointer_is_read_again(client, live_wizard):
    assert "Titre contact" in client.get("/fr/demo/contact/").text
    republish(live_wizard, lambda s: children(s["wizard"], "contact")["title"].update(fr="Nous contacter"))
    response = client.get("/fr/demo/contact/")
    assert "Nous contacter" in response.text
    assert "Titre contact" not in response.text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_of_the_seed_has_one_h1_a_unique_title_and_its_language(client, db, lang):
    wizard = seed()
    found = live.wizard(wizard.slug)
    titles = set()
    for path in found.steps:
        url = f"/{lang}/egov-roles/{path}/" if path else f"/{lang}/egov-roles/"
        response = client.get(url)
        assert response.status_code == 200, url
        outline = Outline(response.text)
        assert outline.lang == lang
        assert len(outline.h1) == 1, url
        assert outline.title not in titles, url
        titles.add(outline.title)
        assert "<script" not in response.text
        assert " style=" not in response.text
        assert not response.cookies
    assert len(titles) == 30  # the start page and its 29 steps


def test_the_seed_navigation_matches_its_about_page(client, db):
    seed()
    response = client.get("/fr/egov-roles/profiles/legal-representative/activate-capacity/")
    links = Outline(response.text).links
    assert links["Accueil"] == "/fr/egov-roles/"
    assert links["Retour"] == "/fr/egov-roles/profiles/legal-representative/"
    assert links["Recommencer"] == "/fr/egov-roles/profiles/"
    assert links["Définitions des profils"] == "/fr/egov-roles/definitions/"
    assert links["Déclaration d’accessibilité"] == "/fr/egov-roles/accessibility/"
    assert links["Protection de la vie privée"] == "/fr/egov-roles/privacy/"
    assert links["Contact"] == "/fr/egov-roles/contact/"
    assert "(site externe)" in response.text
    nl = Outline(client.get("/nl/egov-roles/profiles/legal-representative/activate-capacity/").text).links
    assert nl["Home"] == "/nl/egov-roles/"
    assert nl["Terug"]
    assert nl["Opnieuw beginnen"] == "/nl/egov-roles/profiles/"
    de = Outline(client.get("/de/egov-roles/profiles/user/").text).links
    assert de["Startseite"] == "/de/egov-roles/"
    assert de["Zurück"] == "/de/egov-roles/profiles/"
    en = Outline(client.get("/en/egov-roles/definitions/").text).links
    assert en["Home"] == "/en/egov-roles/"
    assert en["Back"] == "/en/egov-roles/"


def test_the_start_page_lists_its_steps_but_leaves_legal_pages_to_the_footer(client, db):
    seed()
    html = client.get("/fr/egov-roles/").text
    main = html.split('<main id="main"')[1].split("</main>")[0]
    assert 'href="/fr/egov-roles/about/"' in main
    assert 'href="/fr/egov-roles/profiles/"' in main
    assert 'href="/fr/egov-roles/privacy/"' not in main
    assert "Retour" not in main
    assert "Recommencer" not in main
    assert 'aria-label="Vous êtes ici"' not in html  # no breadcrumb on the start page


def test_breadcrumb_says_where_the_visitor_is(client, live_wizard):
    html = client.get("/nl/demo/profiles/citizen/apply/").text
    crumbs = html.split('aria-label="U bent hier"')[1].split("</nav>")[0]
    assert re.findall(r'href="([^"]+)"', crumbs) == ["/nl/demo/", "/nl/demo/profiles/", "/nl/demo/profiles/citizen/"]
    assert '<span aria-current="page">Titel apply</span>' in crumbs


def test_the_language_switcher_leads_to_the_same_step(client, live_wizard):
    html = client.get(TASK).text
    for lang in LANGUAGES:
        assert f'href="/{lang}/demo/profiles/citizen/apply/"' in html
        href = f"http://testserver/{lang}/demo/profiles/citizen/apply/"
        assert f'<link rel="alternate" hreflang="{lang}" href="{href}">' in html
    href = "http://testserver/fr/demo/profiles/citizen/apply/"
    assert f'<link rel="alternate" hreflang="x-default" href="{href}">' in html
    assert 'aria-current="page" lang="fr">Français</a>' in html


def test_an_untranslated_text_falls_back_to_french_marked_as_such(client, live_wizard):
    html = client.get("/nl/demo/profiles/citizen/apply/").text
    assert '<div lang="fr"><p>Contactez' in html  # the body has no Dutch text
    assert "<h1>Titel apply</h1>" in html  # the title has one
    assert '<a href="/nl/demo/profiles/">Ik ben' not in html
    assert '<span lang="fr">Citoyen</span>' in client.get("/nl/demo/profiles/").text  # label in French only


def test_external_links_are_those_of_the_page_language_and_marked(client, live_wizard):
    nl = client.get("/nl/demo/profiles/citizen/apply/").text
    assert 'href="https://www.example.org/nl/contact" class="external" rel="noopener"' in nl
    assert '<span class="visually-hidden"> (site externe)</span>' in nl  # the body is French: so is its marker
    de = client.get("/de/demo/contact/").text
    assert 'href="https://www.example.org/fr/contact"' in de  # no German URL: the French one
    en = client.get("/en/demo/profiles/company/apply/").text
    assert 'href="https://portal.example.org/?lang=fr"' in en


def test_node_references_open_the_step_in_the_same_language(client, live_wizard):
    html = client.get("/de/demo/profiles/citizen/renew/").text
    # A cross-link says where it comes from: "Back" on the target leads here (see test_back_…).
    assert '<a href="/de/demo/profiles/citizen/apply/?from=profiles/citizen/renew">demander</a>' in html


def test_head_answers_like_get_without_a_body(client, live_wizard):
    response = client.head(TASK)
    assert response.status_code == 200
    assert response["ETag"] == client.get(TASK)["ETag"]
    assert response.content == b""


def test_etag_and_cache_control_and_304(client, live_wizard):
    first = client.get(TASK)
    assert first["Cache-Control"].startswith("public, max-age=")
    etag = first["ETag"]
    again = client.get(TASK, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert client.get(TASK, HTTP_IF_NONE_MATCH='"other"').status_code == 200
    assert client.get("/nl/demo/profiles/citizen/apply/")["ETag"] != etag


def test_a_new_release_changes_the_etag(client, live_wizard):
    etag = client.get("/fr/demo/contact/")["ETag"]
    republish(live_wizard, lambda s: children(s["wizard"], "contact").update(body={"fr": "Autre texte"}))
    assert client.get("/fr/demo/contact/", HTTP_IF_NONE_MATCH=etag).status_code == 200


@pytest.mark.parametrize(("lang", "title"), [("fr", "Page introuvable"), ("nl", "Pagina niet gevonden")])
def test_an_unknown_step_is_a_translated_404_leading_back_to_the_start(client, live_wizard, lang, title):
    response = client.get(f"/{lang}/demo/nowhere/")
    assert response.status_code == 404
    assert f"<h1>{title}</h1>" in response.text
    assert f'href="/{lang}/demo/"' in response.text


def test_an_unknown_language_or_address_is_a_404_in_the_visitors_language(client, live_wizard):
    response = client.get("/xx/demo/", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.text
    assert client.get("/fr/unknown-wizard/").status_code == 404


def test_a_moved_or_renamed_step_answers_301_to_where_it_is(client, live_wizard):
    def move(snapshot: dict) -> None:
        profiles = children(snapshot["wizard"], "profiles")
        citizen = children(profiles, "citizen")
        citizen["slug"] = "person"
        contact = children(snapshot["wizard"], "contact")
        snapshot["wizard"]["children"].remove(contact)
        citizen["children"].append(contact)

    republish(live_wizard, move)
    response = client.get("/nl/demo/profiles/citizen/apply/")
    assert response.status_code == 301
    assert response["Location"] == "/nl/demo/profiles/person/apply/"
    assert client.get("/fr/demo/contact/")["Location"] == "/fr/demo/profiles/person/contact/"
    assert client.get("/fr/demo/profiles/person/apply/").status_code == 200


def test_slug_history_spans_every_release(client, live_wizard):
    republish(live_wizard, lambda s: children(s["wizard"], "contact").update(slug="contact-us"))
    republish(live_wizard, lambda s: children(s["wizard"], "contact-us").update(slug="help"))
    assert client.get("/fr/demo/contact/")["Location"] == "/fr/demo/help/"
    assert client.get("/fr/demo/contact-us/")["Location"] == "/fr/demo/help/"


def test_a_removed_step_answers_410_with_its_parents_other_tasks(client, live_wizard):
    def remove(snapshot: dict) -> None:
        citizen = children(children(snapshot["wizard"], "profiles"), "citizen")
        citizen["children"] = [child for child in citizen["children"] if child["slug"] != "apply"]

    republish(live_wizard, remove)
    response = client.get("/nl/demo/profiles/citizen/apply/")
    assert response.status_code == 410
    assert "Deze pagina bestaat niet meer" in response.text
    assert 'href="/nl/demo/profiles/citizen/renew/"' in response.text
    assert 'href="/nl/demo/profiles/citizen/"' in response.text


def test_a_removed_branch_leads_to_the_nearest_surviving_ancestor(client, live_wizard):
    def remove(snapshot: dict) -> None:
        profiles = children(snapshot["wizard"], "profiles")
        profiles["children"] = [child for child in profiles["children"] if child["slug"] != "citizen"]

    republish(live_wizard, remove)
    response = client.get("/fr/demo/profiles/citizen/renew/")
    assert response.status_code == 410
    assert 'href="/fr/demo/profiles/company/"' in response.text


def test_a_renamed_wizard_answers_301(client, live_wizard):
    republish(live_wizard, lambda s: s["wizard"].update(slug="demo-two"))
    response = client.get("/fr/demo/profiles/citizen/apply/")
    assert response.status_code == 301
    assert response["Location"] == "/fr/demo-two/profiles/citizen/apply/"


@pytest.mark.parametrize(
    "path",
    [
        "/fr/demo/profiles/citizen/apply/extra/",
        "/fr/demo/%00/",
        "/fr/demo/..%2F..%2Fetc/",
        "/fr/demo/a/b/c/d/e/f/g/",
        "/fr/demo/profiles//citizen/",
        "/fr/demo/PROFILES/",
        "/fr/demo/profiles/citizen/apply",
        "/en/demo/%C3%A9t%C3%A9/",
    ],
)
def test_old_or_odd_links_never_end_in_a_500(client, live_wizard, path):
    assert client.get(path).status_code in {200, 301, 404, 410}


def test_server_errors_get_a_plain_translated_page():
    response = views.handler500(RequestFactory().get("/nl/demo/"))
    assert response.status_code == 500
    assert '<html lang="nl">' in response.text
    assert "Serverfout" in response.text
    assert response["Cache-Control"] == "no-store"


def test_server_errors_are_answered_by_the_handler(client, live_wizard, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.pages, "page_context", broken)
    client.raise_request_exception = False
    response = client.get("/de/demo/contact/")
    assert response.status_code == 500
    assert "Serverfehler" in response.text


def test_sitemap_lists_every_page_with_its_languages(client, live_wizard):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ET.fromstring(response.content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    urls = root.findall("s:url", ns)
    assert len(urls) == 8 * 4
    first = urls[0]
    assert first.find("s:loc", ns).text == "http://testserver/fr/demo/"
    assert {link.get("hreflang") for link in first.findall("x:link", ns)} == set(LANGUAGES)
    assert client.get("/robots.txt").text.endswith("Sitemap: http://testserver/sitemap.xml\n")


def test_preview_renders_any_snapshot_uncached_and_noindex(rf, wizard):
    node = Node.objects.get(slug="contact")
    node.title_fr = "Brouillon"
    node.save()
    draft = live.LiveWizard.from_snapshot(releases.freeze(wizard), release_id=0, number=0, at=node.updated_at)
    response = views.render_step(
        rf.get("/preview/"), draft, "fr", "contact", preview=True, link_to=lambda lang, path: f"/p/{lang}/{path}"
    )
    assert response.status_code == 200
    assert "<h1>Brouillon</h1>" in response.text
    assert '<meta name="robots" content="noindex, nofollow">' in response.text
    assert response["Cache-Control"] == "no-store"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert 'href="/p/fr/"' in response.text
    task = views.render_step(rf.get("/p/"), draft, "fr", "profiles/citizen/apply", preview=True)
    assert 'id="feedback"' not in task.text


def test_pages_set_no_cookie(client, live_wizard):
    for path in ["/", "/fr/", "/fr/demo/", TASK, "/fr/demo/nowhere/", "/sitemap.xml"]:
        assert not client.get(path).cookies, path


def back_link(html: str) -> str:
    return re.search(r'<a class="back" href="([^"]*)"', html).group(1)


def test_back_after_a_cross_link_leads_to_the_page_the_visitor_came_from(client, live_wizard):
    html = client.get("/fr/demo/profiles/citizen/apply/?from=profiles/citizen/renew").text
    assert back_link(html) == "/fr/demo/profiles/citizen/renew/"
    assert back_link(client.get(TASK).text) == "/fr/demo/profiles/citizen/"  # arrived directly: the parent
    # The form keeps it, so that Back still leads there after an answer.
    assert 'action="http://testserver/fr/demo/profiles/citizen/apply/?from=profiles/citizen/renew#feedback"' in html


@pytest.mark.parametrize(
    "value",
    [
        "https://evil.example/",
        "//evil.example",
        "profiles/nowhere",
        "profiles/citizen/apply",  # the page itself
        '"><script>alert(1)</script>',
        "",
    ],
)
def test_a_from_that_is_not_another_step_of_the_release_is_ignored_and_never_shown(client, live_wizard, value):
    response = client.get(TASK, {"from": value})
    assert response.status_code == 200
    assert back_link(response.text) == "/fr/demo/profiles/citizen/"
    # The same cached page (but for the form's token, signed each second): nothing of the value shows.
    token = re.compile(r'name="token" value="[^"]*"')
    assert token.sub("", response.text) == token.sub("", client.get(TASK).text)
    assert "evil" not in response.text
    assert "<script>alert" not in response.text


def test_pages_reached_from_each_step_are_cached_separately_and_boundedly(client, live_wizard):
    client.get(TASK)  # loads the release
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            client.get(TASK, {"from": "profiles/citizen/renew"})
            client.get(TASK, {"from": "junk"})
    assert len(queries) <= 1  # the pointer at most: every page after the first comes from the page cache
    cache = live.wizard("demo").memo["pages"].pages
    assert {key[-1] for key in cache if key[1] == "profiles/citizen/apply"} == {"profiles/citizen/renew", None}


def test_a_page_showing_french_for_want_of_a_translation_says_so_once_in_the_readers_language(client, live_wizard):
    de = client.get("/de/demo/contact/").text  # no German at all: French title and body
    assert de.count("Dieser Text ist noch nicht übersetzt; hier ist die französische Fassung.") == 1
    assert de.index('class="untranslated"') < de.index("<h1")
    assert 'class="untranslated"' not in client.get("/fr/demo/contact/").text
