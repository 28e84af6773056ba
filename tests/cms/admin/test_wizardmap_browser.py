"""The wizard map in headless Chromium: the seed wizard's every step, its cross-links, a missing translation, the
outline, no script or style blocked by the CSP, and no axe violation (WCAG 2.2 AA)."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import factories
from tests.cms.admin.test_workflow_browser import log_in
from wizard import exchange, translations
from wizard.models import Node, wizard_step_paths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
SEED = ROOT / "fixtures" / "egov-roles.yaml"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_RUN = f"axe.run(document, {{runOnly: {{type: 'tag', values: {AXE_TAGS}}}}})"
UNTRANSLATED = "definitions"  # the step whose German title the test removes


@pytest.fixture
def seed(transactional_db) -> Node:
    wizard = exchange.load(exchange.read(SEED.read_bytes()))
    translations.record_changed(wizard)
    factories.edit(wizard, UNTRANSLATED, title_de="")
    factories.make_user("editor", superuser=True)
    return wizard


@pytest.fixture
def map_page(browser: Browser, live_server, seed) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/wizard/node/{seed.pk}/map/")
    yield page
    context.close()
    assert blocked == []


def test_the_map_of_the_seed_shows_every_step_cross_links_and_a_missing_translation(map_page: Page, seed):
    paths = ["", *wizard_step_paths(seed)]
    assert len(paths) >= 30
    drawn = map_page.locator("svg.wizard-map g.step").evaluate_all("(gs) => gs.map((g) => g.dataset.path)")
    assert sorted(drawn) == sorted(paths)
    expect(map_page.locator("svg.wizard-map path.edge-cross").first).to_be_attached()
    assert map_page.locator("svg.wizard-map path.edge-cross").count() >= 2
    untranslated = map_page.locator(f'svg.wizard-map g.step[data-path="{UNTRANSLATED}"]')
    expect(untranslated).to_have_class("step kind-info has-problem")
    expect(untranslated.locator("text.badges")).to_contain_text("de")
    outline = map_page.locator("ul.map-outline")
    expect(outline.locator("li")).to_have_count(len(paths))
    expect(outline.locator(f'li[data-path="{UNTRANSLATED}"] > .words')).to_contain_text("missing translation: Deutsch")
    map_page.screenshot(path="/tmp/wizard-map.png", full_page=False)


def test_selecting_a_step_highlights_its_paths_and_offers_to_edit_it(map_page: Page, seed):
    map_page.locator('ul.map-outline li[data-path="definitions"] > a').first.click()
    expect(map_page.locator("section.map-selected")).to_contain_text("definitions")
    expect(map_page.locator('svg.wizard-map g.step.is-selected[data-path="definitions"]')).to_be_attached()
    assert map_page.locator("svg.wizard-map g.step.is-lit").count() >= 2  # the start page, which links to it
    assert map_page.locator("svg.wizard-map path.edge-cross.is-lit").count() >= 1
    map_page.get_by_role("link", name="Edit this step").click()
    expect(map_page.locator("#id_slug")).to_have_value("definitions")


def test_search_finds_a_step_and_folding_hides_a_branch(map_page: Page, seed):
    map_page.fill("#map-q", "activate-capacity")
    map_page.get_by_role("button", name="Search").click()
    expect(map_page.locator("section.map-matches li")).to_have_count(2)  # under two profiles
    expect(map_page.locator("svg.wizard-map g.step.is-match")).to_have_count(2)
    # A branch with a match stays open; without the search, it folds.
    map_page.fill("#map-q", "")
    map_page.get_by_role("button", name="Search").click()
    before = map_page.locator("svg.wizard-map g.step").count()
    map_page.locator('ul.map-outline li[data-path="profiles"] > a.outline-toggle').click()
    assert map_page.locator("svg.wizard-map g.step").count() < before


def test_axe_finds_no_violation_on_the_map(browser: Browser, live_server, seed):
    assert AXE.exists(), "axe-core is missing: run `npm install --no-save axe-core` (bin/test does)"
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = log_in(context.new_page(), live_server.url)
    problems = []
    step = wizard_step_paths(seed)["profiles"]
    for query in ("", f"?step={step.uid}", "?q=profil"):
        page.goto(f"{live_server.url}/admin/wizard/node/{seed.pk}/map/{query}")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(AXE_RUN)
        assert len(result["passes"]) > 10, "axe did not run its rules"
        problems += [
            f"{query}: {v['id']} ({v['impact']}) on " + ", ".join(n["target"][0] for n in v["nodes"][:3])
            for v in result["violations"]
        ]
    context.close()
    assert not problems, "\n".join(problems)
