import pytest

from wizard import destinations
from wizard.destinations import Destination

URLS = {"fr": "https://x.test/fr", "nl": "https://x.test/nl", "de": "https://x.test/de"}


def test_a_language_with_its_own_page_links_to_it():
    assert destinations.destination(URLS, "nl", no_page={"en": "nl"}) == Destination("https://x.test/nl", "nl")


def test_a_language_without_a_page_links_to_the_page_editors_named():
    assert destinations.destination(URLS, "en", no_page={"en": "nl"}) == Destination("https://x.test/nl", "nl")


def test_an_untranslated_url_falls_back_to_the_french_page():
    assert destinations.destination(URLS, "en") == Destination("https://x.test/fr", "fr")
    assert destinations.destination({}, "en") is None


def test_every_language_has_its_destination():
    found = destinations.destinations(URLS, no_page={"en": "de"})
    assert {lang: dest.lang for lang, dest in found.items()} == {"fr": "fr", "nl": "nl", "de": "de", "en": "de"}


@pytest.mark.parametrize(
    ("no_page", "message"),
    [
        ({"nl": "fr"}, "There is a URL for “nl”"),
        ({"fr": "nl"}, "French always has one"),
        ({"en": "en"}, "need the page of another language"),
        ({"en": "xx"}, "need the page of another language"),
        ({"en": "de"}, "no URL for “de”"),
        (["en"], "maps a language"),
    ],
)
def test_a_wrong_no_page_is_explained(no_page, message):
    urls = {"fr": "https://x.test/fr", "nl": "https://x.test/nl"}
    assert any(message in problem for problem in destinations.problems(urls, no_page))


def test_a_right_no_page_has_no_problem():
    assert destinations.problems(URLS, {"en": "fr"}) == []
