"""The public site in a real browser (Debian's Chromium through Playwright), as a visitor walks it, and axe-core.

axe-core comes from npm into node_modules/ (bin/test installs it).
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from cms import live, staticsite
from tests import factories
from wizard import exchange
from wizard.models import Feedback

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[3]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SEED = ROOT / "fixtures" / "egov-roles.yaml"
LANGUAGES = ["fr", "nl", "de", "en"]
TASK = "profiles/legal-representative/activate-capacity"
# WCAG 2.2 level AA (target size included), and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_RUN = f"axe.run(document, {{runOnly: {{type: 'tag', values: {AXE_TAGS}}}, resultTypes: ['violations']}})"


@pytest.fixture
def site(transactional_db, live_server) -> str:
    """The seed wizard, published, served by a live server; its address."""
    factories.publish(exchange.load(exchange.read(SEED.read_bytes())))
    live.forget()
    return live_server.url


@pytest.fixture
def no_js_page(browser) -> Page:
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def test_a_visitor_walks_from_profile_to_task_and_switches_language(site, no_js_page):
    page = no_js_page  # the whole wizard works with JavaScript off
    page.goto(f"{site}/fr/")
    expect(page).to_have_url(f"{site}/fr/egov-roles/")
    page.get_by_role("link", name="Démarrer le wizard").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Je suis un …")
    page.get_by_role("link", name="Représentant Légal").click()
    page.get_by_role("link", name="activer une ‘Qualité’").click()
    expect(page).to_have_url(f"{site}/fr/egov-roles/{TASK}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("… et je voudrais activer une ‘Qualité’")

    external = page.get_by_role("link", name="Connectez-vous sur le portail de la Sécurité sociale (site externe)")
    expect(external).to_have_attribute("rel", "noopener")
    expect(external).to_have_attribute("href", re.compile(r"^https://www\.socialsecurity\.be/site_fr/"))
    breadcrumb = page.get_by_role("navigation", name="Vous êtes ici")
    expect(breadcrumb.get_by_role("link")).to_have_text(["Accueil", "Je suis un …", "Je suis un Représentant Légal …"])

    page.get_by_role("navigation", name="Langue").get_by_role("link", name="Nederlands").click()
    expect(page).to_have_url(f"{site}/nl/egov-roles/{TASK}/")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("… en ik wil een ‘hoedanigheid’ activeren")
    expect(page.get_by_role("link", name=re.compile(r"\(externe site\)$")).first).to_have_attribute(
        "href", re.compile(r"/site_nl/")
    )

    page.get_by_role("link", name="Terug", exact=True).click()
    expect(page).to_have_url(f"{site}/nl/egov-roles/profiles/legal-representative/")
    page.get_by_role("link", name="Definities van de profielen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Wat zijn de taken van een …?")
    page.get_by_role("banner").get_by_role("link", name="Home").click()
    expect(page).to_have_url(f"{site}/nl/egov-roles/")


def test_a_visitor_says_whether_a_page_helped(site, no_js_page):
    page = no_js_page
    page.goto(f"{site}/de/egov-roles/{TASK}/")
    page.get_by_label("Nein").check()
    page.get_by_label("Kommentar (optional)").fill("Zu kompliziert")
    page.get_by_role("button", name="Senden").click()
    expect(page.get_by_role("status")).to_have_text(re.compile("Vielen Dank!"))
    assert page.context.cookies() == []


def test_the_skip_link_comes_first_and_focus_is_visible(site, page):
    page.goto(f"{site}/en/egov-roles/{TASK}/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")


def test_print_shows_the_urls_of_external_links(site, page):
    page.goto(f"{site}/fr/egov-roles/{TASK}/")
    page.emulate_media(media="print")
    after = page.evaluate("getComputedStyle(document.querySelector('a.external'), '::after').content")
    assert "https://www.socialsecurity.be/site_fr/" in after
    expect(page.get_by_role("navigation", name="Langue")).to_be_hidden()


def every_page(lang: str) -> list[str]:
    found = live.wizard("egov-roles")
    pages = [f"/{lang}/egov-roles/{path}/" if path else f"/{lang}/egov-roles/" for path in found.steps]
    return [*pages, f"/{lang}/egov-roles/no-such-step/"]


@pytest.fixture
def axe_page(browser) -> Page:
    """A page that lets axe-core in despite the site's strict Content-Security-Policy."""
    context = browser.new_context(bypass_csp=True)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_axe_finds_no_violation_on_any_page_at_1280_and_320_px(site, axe_page, lang):
    assert AXE.exists(), "axe-core is missing: run `npm install --no-save axe-core` (bin/test does)"
    page = axe_page
    problems = []
    for width in (1280, 320):
        page.set_viewport_size({"width": width, "height": 800})
        for path in every_page(lang):
            page.goto(site + path)
            page.add_script_tag(path=str(AXE))
            result = page.evaluate(AXE_RUN)
            assert len(result["passes"]) > 20, "axe did not run its rules"
            problems += [
                f"{width}px {path}: {violation['id']} ({violation['impact']}) on "
                + ", ".join(node["target"][0] for node in violation["nodes"][:3])
                for violation in result["violations"]
            ]
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            if overflow > 0:
                problems.append(f"{width}px {path}: scrolls horizontally by {overflow}px")
    assert not problems, "\n".join(problems)


def test_axe_would_see_a_violation(site, axe_page):
    """The check above can fail: the same call reports an image without a text alternative."""
    axe_page.goto(f"{site}/fr/egov-roles/")
    axe_page.evaluate("document.querySelector('main').append(document.createElement('img'))")
    axe_page.add_script_tag(path=str(AXE))
    result = axe_page.evaluate(AXE_RUN)
    assert "image-alt" in [violation["id"] for violation in result["violations"]]


def test_axe_would_see_a_target_smaller_than_24_px(site, axe_page):
    """The WCAG 2.2 rules run: a tiny link next to another is reported (target-size, 2.5.8)."""
    axe_page.goto(f"{site}/fr/egov-roles/")
    axe_page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', "
        '\'<p><a href="#a" class="tiny">a</a><a href="#b" class="tiny">b</a></p>\');'
        "for (const a of document.querySelectorAll('.tiny')) {a.style.cssText = "
        "'display:inline-block;width:8px;height:8px;font-size:6px;line-height:8px;overflow:hidden'}"
    )
    axe_page.add_script_tag(path=str(AXE))
    result = axe_page.evaluate(AXE_RUN)
    assert "target-size" in [violation["id"] for violation in result["violations"]]


def test_the_static_export_works_from_file_urls(site, no_js_page, tmp_path):
    staticsite.export(tmp_path)
    page = no_js_page
    page.goto((tmp_path / "index.html").as_uri())
    page.get_by_role("link", name="Nederlands").click()
    page.get_by_role("link", name="Welkom in de wizard van Mijn eGov-rolbeheer").click()
    page.get_by_role("link", name="De wizard starten").click()
    page.get_by_role("link", name="Gebruiker").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ik ben Gebruiker …")
    page.get_by_role("navigation", name="Taal").get_by_role("link", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("I am a User …")
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).borderBottomStyle") == "solid"


def test_an_english_page_links_the_french_page_and_says_so(site, no_js_page):
    page = no_js_page
    page.goto(f"{site}/en/egov-roles/{TASK}/")
    link = page.get_by_role("link", name="Log in to the Social Security portal (in French) (external site)")
    expect(link).to_have_attribute("href", re.compile(r"^https://www\.socialsecurity\.be/site_fr/"))
    expect(link).to_have_attribute("hreflang", "fr")
    expect(link.locator(".link-language")).to_be_visible()
    # Pages that do exist in English need no note.
    page.goto(f"{site}/en/egov-roles/profiles/user/view-role-assignments/")
    expect(page.locator(".link-language")).to_have_count(0)


@pytest.fixture
def demo_site(transactional_db, live_server) -> str:
    """A small wizard written in French only (and a few Dutch titles): German pages show French text."""
    factories.publish(factories.make_wizard())
    live.forget()
    return live_server.url


def test_a_page_in_french_for_want_of_a_translation_says_so_above_the_french_text(demo_site, no_js_page):
    page = no_js_page
    page.goto(f"{demo_site}/de/demo/contact/")
    note = page.get_by_role("note")
    expect(note).to_have_text("Dieser Text ist noch nicht übersetzt; hier ist die französische Fassung.")
    expect(note).to_be_visible()
    heading = page.get_by_role("heading", level=1)
    expect(heading.locator("[lang=fr]")).to_have_count(1)
    assert note.bounding_box()["y"] < heading.bounding_box()["y"]
    page.goto(f"{demo_site}/fr/demo/contact/")
    expect(page.locator(".untranslated")).to_have_count(0)


def test_back_after_a_cross_link_returns_to_the_page_the_visitor_was_on(site, no_js_page):
    page = no_js_page  # without JavaScript: the link itself says where it comes from
    start = f"{site}/fr/egov-roles/profiles/legal-representative/manage-role-assignments/"
    page.goto(start)
    page.get_by_role("link", name="Je suis également Gestionnaire Local").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "… et je voudrais gérer les attributions de rôle des utilisateurs"
    )
    expect(page.get_by_role("navigation", name="Vous êtes ici")).to_contain_text("Je suis un Gestionnaire Local …")
    page.get_by_role("link", name="Retour", exact=True).click()
    expect(page).to_have_url(start)
    # Arrived directly, Back leads to the parent step.
    page.goto(f"{site}/fr/egov-roles/profiles/local-manager/manage-role-assignments/")
    page.get_by_role("link", name="Retour", exact=True).click()
    expect(page).to_have_url(f"{site}/fr/egov-roles/profiles/local-manager/")


def test_a_quick_yes_is_recorded(site, no_js_page):
    page = no_js_page
    page.goto(f"{site}/fr/egov-roles/{TASK}/")
    page.get_by_label("Oui").check()  # at once: no waiting
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_role("status")).to_have_text(re.compile("Merci"))
    assert Feedback.objects.get().is_helpful


# Links that stand alone (not inside a sentence): WCAG 2.2's 2.5.8 wants them at least 24 × 24 CSS px.
TARGETS = ".site-header a, .breadcrumb a, .step-nav a, .site-footer a, .choices a"


@pytest.mark.parametrize("width", [320, 360, 1280])
def test_every_navigation_target_is_at_least_24_px(site, page, width):
    page.set_viewport_size({"width": width, "height": 800})
    small = []
    for lang in LANGUAGES:
        page.goto(f"{site}/{lang}/egov-roles/{TASK}/")
        boxes = page.eval_on_selector_all(
            TARGETS, "links => links.map(a => [a.textContent.trim(), a.getBoundingClientRect().toJSON()])"
        )
        assert len(boxes) > 10
        small += [
            f"{lang} {text}: {box['width']:.0f}×{box['height']:.0f}"
            for text, box in boxes
            if box["width"] < 24 or box["height"] < 24
        ]
    assert not small, "\n".join(small)
