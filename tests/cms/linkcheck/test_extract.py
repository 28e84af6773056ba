from cms import releases
from cms.linkcheck import extract
from tests import factories
from tests.cms.linkcheck.conftest import make_content
from wizard.models import LinkTarget, Node

LINKS = {
    "portal": {"fr": "https://portal.test/fr", "nl": "https://portal.test/nl"},
    "only-fr": {"fr": "https://only-fr.test/"},
    "unused": {"fr": "https://unused.test/"},
}
BODIES = {
    "apply": {
        "fr": "Voir [le portail](link:portal) et [la loi](https://law.test/fr#art-3).",
        "nl": "Zie [het portaal](link:portal).",
    },
    "mail": {"fr": "[Écrire](mailto:a@b.test), [appeler](tel:+32), [suite](node:apply), [aussi](link:only-fr)"},
}


def places(usages, url):
    return sorted((u.source, u.step_path or "-", u.lang, u.link_key) for u in usages if u.url == url)


def test_every_link_target_url_is_used_in_each_language_that_shows_it(db):
    make_content(LINKS, BODIES)
    usages = extract.draft_usages()
    assert places(usages, "https://portal.test/nl") == [
        ("draft", "-", "nl", "portal"),
        ("draft", "apply", "nl", "portal"),
    ]
    # A language without its own URL shows the French one: it uses it too.
    assert {u.lang for u in usages if u.url == "https://portal.test/fr" and not u.is_step} == {"fr", "de", "en"}
    assert "https://unused.test/" in extract.urls(usages)


def test_urls_written_in_bodies_are_found_and_other_schemes_ignored(db):
    make_content(LINKS, BODIES)
    urls = extract.urls(extract.draft_usages())
    assert "https://law.test/fr#art-3" in urls
    assert not [url for url in urls if not url.startswith("https://")]


def test_a_step_uses_a_link_target_through_its_language_fallback(db):
    make_content(LINKS, BODIES)
    usages = extract.draft_usages()
    # "mail" has only a French body, shown in every language; "only-fr" has only a French URL.
    assert {u.lang for u in usages if u.url == "https://only-fr.test/" and u.step_path == "mail"} == {
        "fr",
        "nl",
        "de",
        "en",
    }


def test_live_release_urls_are_checked_after_the_draft_changed(db):
    wizard = make_content(LINKS, BODIES)
    factories.publish(wizard)
    step = Node.objects.get(slug="apply")
    step.body_fr = "Plus de lien."
    step.save()
    LinkTarget.objects.filter(key="portal").update(url_fr="https://portal.test/nouveau")
    usages = extract.usages()
    assert ("live", "apply", "fr", "") in places(usages, "https://law.test/fr#art-3")
    assert not [u for u in usages if u.url == "https://law.test/fr#art-3" and u.source == "draft"]
    assert {u.source for u in usages if u.url == "https://portal.test/fr"} == {"live"}
    assert {u.source for u in usages if u.url == "https://portal.test/nouveau"} == {"draft"}


def test_where_says_the_place_in_words(db):
    wizard = make_content(LINKS, BODIES)
    snapshot = releases.freeze(wizard)
    texts = {u.where for u in extract.snapshot_usages(snapshot, source="live")}
    assert "step “apply” of “demo” (body, nl, live) via link target “portal”" in texts
    assert "link target “portal” (nl), in the live release of “demo”" in texts


def test_node_urls_are_the_urls_a_step_sends_readers_to(db):
    make_content(LINKS, BODIES)
    step = Node.objects.get(slug="apply")
    assert set(extract.node_urls(step)) == {
        "https://portal.test/fr", "https://portal.test/nl", "https://law.test/fr#art-3"
    }  # fmt: skip


def test_a_language_without_a_page_uses_the_url_of_the_page_it_links_to(db):
    make_content(LINKS, BODIES)
    portal = LinkTarget.objects.get(key="portal")
    portal.no_page = {"en": "nl"}
    portal.save()
    usages = extract.draft_usages()
    assert ("draft", "-", "en", "portal") in places(usages, "https://portal.test/nl")
    assert ("draft", "-", "en", "portal") not in places(usages, "https://portal.test/fr")
    assert extract.link_urls([portal])["portal"]["en"] == "https://portal.test/nl"
