import uuid

import pytest

from wizard import markdown

LINKS = {"contact-center": "https://www.example.org/fr/contact"}


def node_url(path: str) -> str | None:
    return f"/fr/demo/{path}/" if path in {"profiles", "profiles/citizen"} else None


def render(text: str, lang: str = "fr") -> str:
    return markdown.render(text, lang=lang, links=LINKS, node_url=node_url)


def test_link_reference_resolves_to_the_target_url_and_is_marked_external():
    html = render("Contactez [le Centre de contact](link:contact-center).")
    assert 'href="https://www.example.org/fr/contact"' in html
    assert 'class="external"' in html
    assert 'rel="noopener"' in html
    assert '<span class="visually-hidden">' in html


@pytest.mark.parametrize(("lang", "marker"), [("fr", "site externe"), ("nl", "externe"), ("en", "external site")])
def test_external_marker_is_in_the_page_language(lang, marker):
    assert marker in render("[x](https://example.org)", lang=lang)


def test_node_reference_resolves_to_the_step_url_and_is_not_external():
    html = render("[Commencer](node:profiles)")
    assert '<a href="/fr/demo/profiles/">Commencer</a>' in html


def test_unresolved_reference_degrades_to_text_never_a_broken_link():
    html = render("[perdu](node:nowhere) et [aussi](link:unknown)")
    assert "<a" not in html
    assert "perdu" in html
    assert "aussi" in html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](vbscript:msgbox)",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<img src=x onerror="alert(1)">',
        "<a href='javascript:alert(1)'>x</a>",
    ],
)
def test_rendering_never_lets_script_through(text):
    html = render(text).lower()
    # Raw HTML shows as escaped text; what matters is that no tag or URL of it survives.
    assert "<script" not in html
    assert "<img" not in html
    assert "<a href='javascript" not in html
    assert 'href="javascript' not in html
    assert 'href="vbscript' not in html
    assert 'href="data:' not in html


def test_problems_name_unknown_link_unknown_step_and_unsafe_url():
    text = (
        "[a](link:nope) [b](node:gone/away) [c](javascript:alert(1)) [d](link:contact-center) [e](https://ok.example)"
    )
    problems = markdown.problems(text, link_keys={"contact-center"}, node_paths={"profiles"})
    assert len(problems) == 3
    assert "“nope”" in problems[0]
    assert "“gone/away”" in problems[1]
    assert "javascript:alert(1)" in problems[2]


def test_images_are_refused():
    assert markdown.problems("![logo](https://example.org/logo.png)", link_keys=set(), node_paths=set())


def test_references_lists_every_link_with_its_text():
    refs = markdown.references("[un](link:a) puis [deux](node:b/c) et <https://example.org>")
    assert [(ref.kind, ref.target, ref.text) for ref in refs] == [
        ("link", "a", "un"),
        ("node", "b/c", "deux"),
        ("url", "https://example.org", "https://example.org"),
    ]


def test_a_link_to_a_page_in_another_language_says_so_in_the_texts_language_with_hreflang():
    from wizard.destinations import Destination

    links = {"portal": Destination("https://portal.test/fr", "fr")}
    html = markdown.render("[The portal](link:portal)", lang="en", links=links, node_url=lambda path: None)
    assert 'hreflang="fr"' in html
    assert '<span class="link-language">(in French)</span>' in html
    assert html.index("(in French)") < html.index("(external site)") < html.index("</a>")  # read with the link
    html = markdown.render("[Le portail](link:portal)", lang="nl", links=links, node_url=lambda path: None)
    assert "(in het Frans)" in html


def test_a_link_to_a_page_in_the_texts_language_has_no_note():
    from wizard.destinations import Destination

    links = {"portal": Destination("https://portal.test/fr", "fr")}
    html = markdown.render("[Le portail](link:portal)", lang="fr", links=links, node_url=lambda path: None)
    assert "hreflang" not in html
    assert "link-language" not in html


def test_each_distinct_text_is_parsed_once(monkeypatch):
    calls = []
    parse = markdown.parser().parse
    monkeypatch.setattr(markdown.parser(), "parse", lambda text: calls.append(text) or parse(text))
    text = f"[Portail](link:portal) {uuid.uuid4()}"
    assert markdown.references(text) == markdown.references(text)
    assert markdown.problems(text, link_keys={"portal"}, node_paths=set()) == []
    assert markdown.references("A title without any link") == []
    assert calls == [text]
