"""The whole workflow as people use it, in a real browser: edit, submit, review, approve, see it live, roll back."""

import re

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from playwright.sync_api import Browser, Page, expect

from cms import live
from tests import factories
from wizard.models import wizard_step_paths

PASSWORD = "a-long-test-password"  # what factories.make_user gives everyone


def log_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username)


@pytest.fixture
def closing_connections():
    """Database connections that close after each request of the live server.

    The browser keeps its HTTP connections alive, and with them the server's request threads; with persistent
    database connections (CONN_MAX_AGE), those threads would keep PostgreSQL sessions open past the test.
    """
    settings_dict = connections.settings[DEFAULT_DB_ALIAS]
    kept = settings_dict["CONN_MAX_AGE"]
    settings_dict["CONN_MAX_AGE"] = 0
    yield
    settings_dict["CONN_MAX_AGE"] = kept


def live_title(slug: str, path: str) -> str:
    live.forget()
    return live.wizard(slug).steps[path].text("title", "fr")[0]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_edit_goes_through_review_to_the_public_and_back(roles, closing_connections, live_server, browser: Browser):
    base = live_server.url
    contexts = [browser.new_context() for _person in ("editor", "reviewer", "public")]
    try:
        walk_through(base, *(context.new_page() for context in contexts))
    finally:
        for context in contexts:
            context.close()


def walk_through(base: str, editor: Page, reviewer: Page, public: Page) -> None:
    wizard = factories.make_wizard()
    first = factories.publish(wizard)
    factories.make_user("editor", "Editors")
    factories.make_user("reviewer", "Reviewers")
    contact = wizard_step_paths(wizard)["contact"]

    # The editor changes a step and submits the wizard.
    log_in(editor, base, "editor")
    editor.goto(f"{base}/admin/wizard/node/{contact.pk}/change/")
    editor.get_by_role("link", name="fr", exact=True).first.click()  # the French tab of the texts
    editor.fill("#id_title_fr", "Contactez le service clientèle")
    editor.click("input[name=_save]")
    expect(editor.locator(".messagelist")).to_contain_text("was changed successfully")
    assert live_title("demo", "contact") == "Titre contact"  # nothing public yet
    editor.goto(f"{base}/admin/cms/changerequest/submit/")
    editor.select_option("#id_wizard", label="Titre demo")
    editor.fill("#id_note", "Un titre plus clair")
    editor.click("text=Submit for review")
    expect(editor.locator(".messagelist")).to_contain_text("Submitted for review")

    # The reviewer finds it on the admin index, sees the change highlighted and approves it.
    log_in(reviewer, base, "reviewer")
    reviewer.click("text=Review the changes to demo by editor")
    row = reviewer.locator(".diff-step[data-uid] tr.diff-row[data-field=title][data-lang=fr]")
    expect(row.locator("td.diff-old")).to_have_text("Titre contact")
    expect(row.locator("td.diff-old del").first).to_have_text("Titre")
    expect(row.locator("td.diff-new")).to_have_text("Contactez le service clientèle")
    expect(row.locator("td.diff-new ins").first).to_be_visible()
    expect(reviewer.locator(".checks")).to_contain_text("no longer follows the French text")  # a warning only
    reviewer.fill("#id_comment", "Parfait")
    reviewer.click("input[name=_approve]")
    expect(reviewer.locator(".messagelist")).to_contain_text("Approved and published: release #2 is live.")

    assert live_title("demo", "contact") == "Contactez le service clientèle"
    public.goto(f"{base}/fr/demo/contact/")
    expect(public.locator("h1")).to_contain_text("Contactez le service clientèle")

    # Rollback: the reviewer makes release #1 live again from the list of releases.
    reviewer.goto(f"{base}/admin/cms/release/?wizard__id__exact={wizard.pk}")
    reviewer.check(f"input[name=_selected_action][value='{first.pk}']")
    reviewer.select_option("select[name=action]", "make_live_again")
    reviewer.click("button[name=index]")
    expect(reviewer.locator(".messagelist")).to_contain_text("Release #1 is live again.")
    assert live_title("demo", "contact") == "Titre contact"
    expect(reviewer.locator("#result_list")).to_contain_text(re.compile("demo #1"))
    # The browser may keep the page for its max-age; a reload revalidates it with its ETag.
    public.reload()
    expect(public.locator("h1")).to_contain_text("Titre contact")
