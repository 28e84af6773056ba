"""Clicks for common tasks, counted as an editor and a reviewer do them on the seed wizard (docs/editors.md).

A click is a mouse click: a link, a tab, a toggle, a button, a field to type into; picking from a drop-down list
counts two (open it, pick). Typing is not counted. When a later change saves clicks, lower the figure here and in
docs/editors.md's table.
"""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests import factories
from tests.cms.admin.test_workflow_browser import log_in
from wizard import exchange, translations
from wizard.models import Node, wizard_step_paths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED = Path(__file__).resolve().parents[3] / "fixtures" / "egov-roles.yaml"
BODY = "Voir [le portail]({site}) et [la définition](node:definitions)."


class Clicks:
    """A page whose clicks are counted."""

    def __init__(self, page: Page) -> None:
        self.page, self.count = page, 0

    def click(self, locator: Locator) -> None:
        locator.click()
        self.count += 1

    def type(self, locator: Locator, text: str) -> None:
        self.click(locator)
        locator.fill(text)

    def choose(self, selector: str, label: str) -> None:
        self.page.select_option(selector, label=label)
        self.count += 2


@pytest.fixture
def seed(roles) -> Node:
    wizard = exchange.load(exchange.read(SEED.read_bytes()))
    translations.record_changed(wizard)
    factories.make_user("editor", "Editors")
    factories.make_user("reviewer", "Reviewers")
    return wizard


def logged_in(browser: Browser, base: str, username: str) -> Clicks:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    return Clicks(log_in(page, base, username))  # the login's clicks are not counted


def row(page: Page, path: str) -> Locator:
    return page.locator("#result_list tbody tr", has=page.locator(f'[data-path="{path}"]'))


def tab(page: Page, lang: str, field: str) -> Locator:
    return page.locator(f'li[aria-controls="tab_id_{field}_{lang}"] a')


def change_dutch_title(editor: Clicks, path: str, title: str) -> None:
    editor.click(row(editor.page, path).locator("th a").last)
    editor.click(tab(editor.page, "nl", "title"))
    editor.type(editor.page.locator("#id_title_nl"), title)
    editor.click(editor.page.locator("input[name=_save]"))
    expect(editor.page.locator("tr.is-revealed")).to_be_visible()


def test_clicks_for_common_tasks(browser: Browser, live_server, seed):
    base = live_server.url
    editor = logged_in(browser, base, "editor")
    counts = {}

    # Change a Dutch text: from the admin index to the saved title; then a second one in the same branch.
    editor.click(editor.page.get_by_role("link", name="Steps", exact=True))
    for path in ("egov-roles", "profiles", "profiles/user"):
        editor.click(row(editor.page, path).locator("a.treebeard-collapse"))
        expect(row(editor.page, path).locator("a.treebeard-expanded")).to_be_attached()
    change_dutch_title(editor, "profiles/user/change-email", "E-mailadres wijzigen")
    counts["change a Dutch text"], editor.count = editor.count, 0
    change_dutch_title(editor, "profiles/user/deactivate-role", "Een rol deactiveren")
    counts["change a Dutch text, the next one in the same branch"], editor.count = editor.count, 0

    # Add a task after "change-email" in four languages, with a link to a site and one to a step. The editor
    # knows the link target's key and the step's path (docs/editors.md counts finding them apart).
    editor.page.goto(f"{base}/admin/")
    editor.click(editor.page.get_by_role("link", name="Steps", exact=True))
    editor.click(row(editor.page, "profiles/user/change-email").get_by_role("link", name="Add a step after"))
    for lang in ("en", "fr", "nl", "de"):
        if lang != "en":  # the interface's language: its tabs are open first
            editor.click(tab(editor.page, lang, "title"))
        editor.type(editor.page.locator(f"#id_title_{lang}"), f"Nouvelle tâche ({lang})")
    for lang in ("en", "fr", "nl", "de"):
        if lang != "en":
            editor.click(tab(editor.page, lang, "body"))
        editor.type(editor.page.locator(f"#id_body_{lang}"), BODY.format(site="link:contact-center"))
    editor.click(editor.page.locator("input[name=_save]"))
    expect(row(editor.page, "profiles/user/nouvelle-tache-fr")).to_have_class("is-revealed")
    counts["add a task in four languages with two links"], editor.count = editor.count, 0

    # Submit it, then review and approve it.
    editor.click(row(editor.page, "egov-roles").locator("input.action-select"))
    editor.choose("select[name=action]", "Submit the selected wizards for review")
    editor.click(editor.page.get_by_role("button", name="Go", exact=True))
    expect(editor.page.locator(".messagelist")).to_contain_text("waits for review")
    reviewer = logged_in(browser, base, "reviewer")
    reviewer.click(reviewer.page.get_by_text("Review the changes to egov-roles by editor"))
    reviewer.type(reviewer.page.locator("#id_comment"), "Parfait")
    reviewer.click(reviewer.page.locator("input[name=_approve]"))
    expect(reviewer.page.locator(".messagelist")).to_contain_text("Approved and published")
    counts["submit it"], counts["review and approve it"] = editor.count, reviewer.count

    for person in (editor, reviewer):
        person.page.context.close()
    assert "profiles/user/nouvelle-tache-fr" in wizard_step_paths(seed)
    print(counts)  # noqa: T201 (the figures of docs/editors.md, with -s)
    assert counts == {
        "change a Dutch text": 8,
        "change a Dutch text, the next one in the same branch": 4,
        "add a task in four languages with two links": 17,
        "submit it": 4,
        "review and approve it": 3,
    }
