"""The admin as an editor uses it, in headless Chromium: the tree, the language tabs, no blocked script or style."""

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from wizard.models import Node, wizard_step_paths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def editor_page(page: Page, live_server) -> Page:
    factories.make_wizard()
    factories.make_user("editor", superuser=True)
    blocked: list[str] = []
    page.on(
        "console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "a-long-test-password")
    page.click("input[type=submit]")
    expect(page.locator("#site-name")).to_be_visible()
    yield page
    assert blocked == []


def test_the_step_tree_lists_the_wizard(editor_page: Page, live_server):
    editor_page.goto(f"{live_server.url}/admin/wizard/node/")
    expect(editor_page.get_by_text("Titre demo")).to_be_visible()


def test_texts_are_edited_in_one_tab_per_language(editor_page: Page, live_server):
    contact = wizard_step_paths(Node.objects.wizards().get())["contact"]
    editor_page.goto(f"{live_server.url}/admin/wizard/node/{contact.pk}/change/")
    editor_page.get_by_role("link", name="fr", exact=True).first.click()
    expect(editor_page.locator("#id_title_fr")).to_be_visible()
    expect(editor_page.locator("#id_title_nl")).to_be_hidden()
    editor_page.get_by_role("link", name="nl", exact=True).first.click()
    expect(editor_page.locator("#id_title_nl")).to_be_visible()
    editor_page.screenshot(path="/tmp/admin-form.png", full_page=True)
    editor_page.fill("#id_title_nl", "Contact opnemen")
    editor_page.click("input[name=_save]")
    expect(editor_page.locator(".messagelist")).to_contain_text("was changed successfully")
    contact.refresh_from_db()
    assert contact.title_nl == "Contact opnemen"
