"""The step tree in headless Chromium: branches stay open over a save and a move, "add a step here" puts the step
where it was asked, and the slug is proposed from the French title; no script or style blocked by the CSP."""

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import factories
from wizard.models import Node, wizard_step_paths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tree_page(browser: Browser, live_server) -> Page:
    factories.make_wizard()
    factories.make_user("editor", superuser=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    blocked: list[str] = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "a-long-test-password")
    page.click("input[type=submit]")
    page.goto(f"{live_server.url}/admin/wizard/node/")
    yield page
    context.close()
    assert blocked == []


def row(page: Page, path: str):
    return page.locator("#result_list tbody tr", has=page.locator(f'[data-path="{path}"]'))


def open_branch(page: Page, path: str) -> None:
    row(page, path).locator("a.treebeard-collapse").click()
    expect(row(page, path).locator("a.treebeard-expanded")).to_be_attached()


def test_open_branches_stay_open_over_a_save_and_a_move(tree_page: Page):
    for path in ("demo", "profiles", "profiles/citizen"):
        open_branch(tree_page, path)
    row(tree_page, "profiles/citizen/renew").locator("th a").first.click()
    tree_page.click("input[name=_save]")
    expect(row(tree_page, "profiles/citizen/renew")).to_have_class("is-revealed")
    expect(row(tree_page, "profiles/citizen/apply")).to_be_visible()  # its branch open again
    expect(row(tree_page, "profiles/company")).to_be_visible()

    # A drag and drop reloads the page: "contact" into "profiles/company"; the branches stay open.
    row(tree_page, "contact").locator(".drag-handler").drag_to(row(tree_page, "profiles/company"))
    expect(row(tree_page, "profiles/company/contact")).to_be_visible()
    expect(row(tree_page, "profiles/company/contact")).to_have_class("is-revealed")
    expect(row(tree_page, "profiles/citizen/renew")).to_be_visible()
    assert "profiles/company/contact" in wizard_step_paths(Node.objects.wizards().get())

    # Closed, a branch stays closed.
    row(tree_page, "profiles/citizen").locator("a.treebeard-collapse").click()
    tree_page.reload()
    expect(row(tree_page, "profiles/company/apply")).to_be_visible()
    expect(row(tree_page, "profiles/citizen/apply")).to_have_count(0)


def test_add_here_puts_the_step_after_the_row_with_the_slug_proposed(tree_page: Page):
    open_branch(tree_page, "demo")
    open_branch(tree_page, "profiles")
    row(tree_page, "profiles/citizen").get_by_role("link", name="Add a step after").click()
    tree_page.get_by_role("link", name="fr", exact=True).first.click()  # the French tab of the texts
    tree_page.fill("#id_title_fr", "Bénéficiaire effectif")
    expect(tree_page.locator("#id_slug")).to_have_value("beneficiaire-effectif")
    tree_page.fill("#id_slug", "mon-slug")
    tree_page.fill("#id_title_fr", "Bénéficiaire effectif (UBO)")
    expect(tree_page.locator("#id_slug")).to_have_value("mon-slug")  # typed by the editor: kept
    tree_page.fill("#id_slug", "")
    tree_page.fill("#id_title_fr", "Bénéficiaire effectif")
    expect(tree_page.locator("#id_slug")).to_have_value("beneficiaire-effectif")
    tree_page.click("input[name=_save]")
    expect(row(tree_page, "profiles/beneficiaire-effectif")).to_have_class("is-revealed")
    paths = list(wizard_step_paths(Node.objects.wizards().get()))
    assert paths.index("profiles/citizen") < paths.index("profiles/beneficiaire-effectif")
    assert paths.index("profiles/beneficiaire-effectif") < paths.index("profiles/company")
