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

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[3]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SEED = ROOT / "fixtures" / "egov-roles.yaml"
LANGUAGES = ["fr", "nl", "de", "en"]
TASK = "profiles/legal-representative/activate-capacity"


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


def test_a_visitor_says_whether_a_page_helped(site, no_js_page, settings):
    settings.WIZARD_FEEDBACK_MIN_SECONDS = 0
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
            result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
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
    result = axe_page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    assert "image-alt" in [violation["id"] for violation in result["violations"]]


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
