"""The whole workflow as people use it, in a real browser: edit, submit, review, approve, see it live, roll back."""

from pathlib import Path

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from playwright.sync_api import Browser, Page, expect

from cms import live
from tests import factories
from wizard.models import wizard_step_paths

PASSWORD = "a-long-test-password"  # what factories.make_user gives everyone
AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]  # WCAG 2.2 level AA
AXE_RUN = f"axe.run(document, {{runOnly: {{type: 'tag', values: {AXE_TAGS}}}, resultTypes: ['violations']}})"


def check_accessibility(page: Page) -> None:
    """axe-core finds no WCAG 2.2 AA violation on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(AXE_RUN)
    problems = [
        f"{found['id']} ({found['impact']}) on " + ", ".join(node["target"][0] for node in found["nodes"][:3])
        for found in result["violations"]
    ]
    assert not problems, page.url + "\n" + "\n".join(problems)


def log_in(page: Page, base: str, username: str = "editor") -> Page:
    """`page` logged in to the admin as `username` (every browser test's users share one password)."""
    page.goto(f"{base}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username)
    return page


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
    # bypass_csp lets axe-core into the reviewer's pages despite the strict Content-Security-Policy.
    contexts = [browser.new_context(bypass_csp=person == "reviewer") for person in ("editor", "reviewer", "public")]
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

    # Rollback: from release #1's page, a confirmation that shows what will change and asks why.
    reviewer.goto(f"{base}/admin/cms/release/{first.pk}/change/")
    check_accessibility(reviewer)
    reviewer.get_by_role("link", name="Make release #1 live again…").click()
    expect(reviewer.locator(".diff-row[data-field=title][data-lang=fr] td.diff-new")).to_have_text("Titre contact")
    check_accessibility(reviewer)
    reviewer.get_by_role("button", name="Roll back to release #1").click()
    assert live_title("demo", "contact") == "Contactez le service clientèle"  # the browser asks for the reason first
    reviewer.get_by_label("Why roll back?").fill("Le nouveau titre prête à confusion")
    reviewer.get_by_role("button", name="Roll back to release #1").click()
    expect(reviewer.locator(".messagelist")).to_contain_text("Release #1 is live again.")
    assert live_title("demo", "contact") == "Titre contact"
    expect(reviewer.locator(".went-live")).to_contain_text("Le nouveau titre prête à confusion")
    reviewer.get_by_role("link", name="Compare the draft with it").click()
    expect(reviewer.locator("h1")).to_contain_text("release #1 compared with the current draft")
    # The browser may keep the page for its max-age; a reload revalidates it with its ETag.
    public.reload()
    expect(public.locator("h1")).to_contain_text("Titre contact")
