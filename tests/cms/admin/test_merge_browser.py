"""Two editors on one step, in two browsers: both changes saved, a clash chosen on screen, presence shown."""

import os

import pytest
from playwright.sync_api import Browser, Page, expect

from tests import factories
from tests.cms.admin.test_workflow_browser import closing_connections, log_in  # noqa: F401 (a fixture)
from wizard.models import Node, wizard_step_paths

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def type_in(page: Page, selector: str, text: str) -> None:
    """Type into a field, whichever language tab shows now (each translated field has its own tabs)."""
    page.locator(selector).evaluate("(field, text) => { field.value = text; }", text)


def open_step(page: Page, base: str, node: Node, lang: str) -> None:
    page.goto(f"{base}/admin/wizard/node/{node.pk}/change/")
    page.get_by_role("link", name=lang, exact=True).first.click(timeout=5000)


@pytest.mark.usefixtures("roles", "closing_connections")
def test_two_editors_merge_and_choose_on_a_clash(live_server, browser: Browser):
    base = live_server.url
    wizard = factories.make_wizard()
    factories.make_user("editor", "Editors")
    factories.make_user("editor2", "Editors")
    contact = wizard_step_paths(wizard)["contact"]
    contexts = [browser.new_context() for _person in range(2)]
    try:
        a, b = (context.new_page() for context in contexts)
        log_in(a, base, "editor")
        log_in(b, base, "editor2")
        open_step(a, base, contact, "fr")
        open_step(b, base, contact, "nl")
        # B opened it second: told at once, without waiting for the script.
        expect(b.locator("#presence")).to_contain_text("opened by editor at")
        if shots := os.environ.get("MERGE_SCREENSHOTS"):
            b.locator("#presence").screenshot(path=f"{shots}/merge-presence.png")

        type_in(a, "#id_note_fr", "Note de A")
        a.click("input[name=_save]")
        expect(a.locator(".messagelist")).to_contain_text("was changed successfully")
        type_in(b, "#id_body_nl", "Tekst van B")
        b.click("input[name=_save]")
        expect(b.locator(".messagelist")).to_contain_text("was changed successfully")
        contact.refresh_from_db()
        assert (contact.note_fr, contact.body_nl) == ("Note de A", "Tekst van B")

        # A real clash: both change the Dutch title.
        open_step(a, base, contact, "nl")
        open_step(b, base, contact, "nl")
        type_in(a, "#id_title_nl", "Titel van A")
        a.click("input[name=_save]")
        type_in(b, "#id_title_nl", "Titel van B")
        b.click("input[name=_save]")
        expect(b.locator("#merge-clashes")).to_contain_text("Titel van A")
        expect(b.locator("#merge-clashes")).to_contain_text("Titel van B")
        if shots := os.environ.get("MERGE_SCREENSHOTS"):  # docs/screenshots/merge.sh
            b.screenshot(path=f"{shots}/merge-conflict.png", full_page=True)
        b.click("input[name=_save]")  # no choice yet: nothing saved
        expect(b.locator(".errornote")).to_be_visible()
        contact.refresh_from_db()
        assert contact.title_nl == "Titel van A"
        b.get_by_label("keep mine").check()
        b.click("input[name=_save]")
        expect(b.locator(".messagelist")).to_contain_text("was changed successfully")
        contact.refresh_from_db()
        assert (contact.title_nl, contact.note_fr, contact.body_nl) == ("Titel van B", "Note de A", "Tekst van B")
    finally:
        for context in contexts:
            context.close()


@pytest.mark.usefixtures("roles", "closing_connections")
def test_discard_and_reset_are_confirmed_and_undone_from_history(live_server, browser: Browser):
    base = live_server.url
    wizard = factories.make_wizard()
    factories.publish(wizard)
    factories.make_user("editor", "Editors")
    contact = wizard_step_paths(wizard)["contact"]
    context = browser.new_context()
    try:
        page = context.new_page()
        log_in(page, base, "editor")
        shots = os.environ.get("MERGE_SCREENSHOTS")

        # Discard one step's changes, then bring them back from the step's history.
        open_step(page, base, contact, "fr")
        type_in(page, "#id_note_fr", "Brouillon de note")
        page.click("input[name=_continue]")
        page.get_by_role("link", name="Discard my changes to this step").click()
        expect(page.locator("#content-main")).to_contain_text("Brouillon de note")
        page.get_by_role("button", name="Discard these changes").click()
        expect(page.locator(".messagelist")).to_contain_text("are discarded")
        contact.refresh_from_db()
        assert contact.note_fr == ""
        page.goto(f"{base}/admin/wizard/node/{contact.pk}/history/")
        page.locator("#change-history tbody tr").nth(1).locator("a").click()  # the version before the discard
        page.get_by_role("button", name="Revert to this version").click()
        contact.refresh_from_db()
        assert contact.note_fr == "Brouillon de note"

        # Reset the whole draft: the page lists what goes; the wizard's history undoes it.
        open_step(page, base, wizard, "fr")
        page.get_by_role("link", name="Reset the draft to the live release").click()
        expect(page.locator("#content-main")).to_contain_text("Brouillon de note")
        if shots:
            page.screenshot(path=f"{shots}/merge-reset.png", full_page=True)
        page.get_by_role("button", name="Reset the draft to release #1").click()
        expect(page.locator(".messagelist")).to_contain_text("is the live release again")
        contact.refresh_from_db()
        assert contact.note_fr == ""
        page.get_by_role("button", name="Undo this reset").click()
        expect(page.locator(".messagelist")).to_contain_text("back as it was before the reset")
        contact.refresh_from_db()
        assert contact.note_fr == "Brouillon de note"
    finally:
        context.close()
