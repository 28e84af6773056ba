"""The step form's preview panel and reference chooser in headless Chromium: the preview follows what is typed and
the chosen language, the chooser inserts a step reference where the cursor was, a near miss gets its "did you
mean", no script or style is blocked by the CSP, and axe finds no violation (WCAG 2.2 AA) with both open."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import factories
from tests.cms.admin.test_workflow_browser import log_in
from wizard.models import Node, wizard_step_paths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[3]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# What this page adds: the panel, the chooser, the buttons and problems under each text. The rest of the step form
# (Django's breadcrumbs, modeltranslation's tabs) is the admin's, checked with the admin's pages.
OURS = [".step-tools", "dialog.reference-chooser", ".markdown-tools", ".reference-problems"]
AXE_CONTEXT = "{include: [" + ", ".join(f"['{selector}']" for selector in OURS) + "]}"
AXE_RUN = f"axe.run({AXE_CONTEXT}, {{runOnly: {{type: 'tag', values: {AXE_TAGS}}}}})"


@pytest.fixture
def step_form(browser: Browser, live_server) -> Page:
    wizard = factories.make_wizard()
    factories.make_user("editor", superuser=True)
    apply = wizard_step_paths(wizard)["profiles/citizen/apply"]
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/wizard/node/{apply.pk}/change/")
    show_french(page)
    yield page
    context.close()
    assert blocked == []


def show_french(page: Page) -> None:
    """Each field's tabs open on the admin's language: show the French ones."""
    for tab in page.get_by_role("link", name="fr", exact=True).all():
        tab.click()


def preview(page: Page):
    return page.frame_locator(".step-preview-viewport iframe").last


def test_the_preview_follows_the_text_as_it_is_typed_and_the_chosen_language(step_form: Page):
    expect(preview(step_form).locator("h1")).to_have_text("Titre apply")
    expect(preview(step_form).locator(".breadcrumb")).to_contain_text("Titre citizen")
    step_form.fill("#id_title_fr", "Demander une carte")
    step_form.locator("#id_body_fr").fill("Passez [au guichet](link:portal).")
    expect(preview(step_form).locator("h1")).to_have_text("Demander une carte")
    expect(preview(step_form).locator(".body a")).to_have_attribute("href", "https://portal.example.org/?lang=fr")
    step_form.select_option("#step-preview-lang", "nl")
    expect(preview(step_form).locator("html")).to_have_attribute("lang", "nl")
    expect(preview(step_form).locator("h1")).to_have_text("Titel apply")
    step_form.get_by_label("Phone").check()
    assert step_form.locator(".step-preview-viewport").bounding_box()["width"] <= 380
    expect(step_form.locator(".step-preview-viewport iframe")).to_have_count(1)  # the old frame is gone
    assert not Node.objects.filter(title_fr="Demander une carte").exists()  # nothing saved


def test_the_chooser_inserts_a_step_reference_at_the_cursor(step_form: Page):
    body = step_form.locator("#id_body_fr")
    body.fill("Voir aussi ")
    body.press("End")
    step_form.locator("#id_body_fr-tools").get_by_role("button", name="Link to a step").click()
    dialog = step_form.locator("dialog.reference-chooser")
    expect(dialog).to_be_visible()
    search = dialog.get_by_role("combobox", name="Search")
    expect(search).to_be_focused()
    search.fill("entreprise")
    expect(dialog.get_by_role("option")).to_have_count(2)  # the company profile and its task, by the profile's label
    search.press("ArrowDown")
    expect(dialog.get_by_role("option").nth(1)).to_have_attribute("aria-selected", "true")
    search.press("Enter")
    expect(dialog).to_be_hidden()
    expect(body).to_have_value("Voir aussi [Titre apply](node:profiles/company/apply)")
    expect(body).to_be_focused()
    expect(preview(step_form).locator(".body a")).to_have_attribute(
        "href", "/preview/fr/demo/profiles/company/apply/?from=profiles/citizen/apply"
    )


def test_a_near_miss_is_reported_as_one_types_with_what_was_meant(step_form: Page):
    body = step_form.locator("#id_body_fr")
    body.fill("[le portail](link:portail)")
    problems = step_form.locator("#id_body_fr-reference-problems")
    expect(problems).to_contain_text("Did you mean “link:portal”?")
    problems.get_by_role("button", name="Use link:portal").click()
    expect(body).to_have_value("[le portail](link:portal)")
    expect(problems).to_be_empty()


def test_axe_finds_no_violation_with_the_panel_and_the_chooser_open(browser: Browser, live_server):
    assert AXE.exists(), "axe-core is missing: run `npm install --no-save axe-core` (bin/test does)"
    wizard = factories.make_wizard()
    factories.make_user("editor", superuser=True)
    apply = wizard_step_paths(wizard)["profiles/citizen/apply"]
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 1000})
    page = log_in(context.new_page(), live_server.url)
    page.goto(f"{live_server.url}/admin/wizard/node/{apply.pk}/change/")
    show_french(page)
    expect(preview(page).locator("h1")).to_have_text("Titre apply")
    page.add_script_tag(path=str(AXE))
    problems = []
    for state in ("panel", "chooser"):
        if state == "chooser":
            page.locator("#id_body_fr-tools").get_by_role("button", name="Link to a site").click()
            page.get_by_role("combobox", name="Search").fill("port")
            expect(page.locator("dialog.reference-chooser").get_by_role("option")).to_have_count(1)
        result = page.evaluate(AXE_RUN)
        assert len(result["passes"]) > 5, "axe did not run its rules"
        problems += [
            f"{state}: {v['id']} ({v['impact']}) on " + ", ".join(n["target"][0] for n in v["nodes"][:3])
            for v in result["violations"]
        ]
    context.close()
    assert problems == [], "\n".join(problems)
