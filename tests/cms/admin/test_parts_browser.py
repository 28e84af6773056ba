"""Change requests in parts, in a real browser: an urgent fix goes live alone, a translator's request is approved."""

import pytest
from playwright.sync_api import Browser, Page, expect

from cms import live
from cms.actions import steps
from tests import factories
from tests.cms.admin.test_workflow_browser import closing_connections, log_in  # noqa: F401 - a fixture, used by name
from wizard.models import Node, wizard_step_paths


def live_titles(slug: str) -> dict[str, str]:
    live.forget()
    found = live.wizard(slug)
    return {path: found.steps[path].text("title", "fr")[0] for path in ("contact", "profiles")}


def start_a_section(wizard: Node, user) -> None:
    """Another editor's unfinished new section: a choice with one task, both saved through the actions."""
    section = steps.create_step(
        Node(slug="nouveau", kind="choice", title_fr="Nouvelle section (en cours)"), user=user, reference=wizard
    )
    steps.create_step(Node(slug="brouillon", kind="task", title_fr="Brouillon"), user=user, reference=section)


@pytest.fixture
def contexts(browser: Browser):
    opened = []

    def new_page() -> Page:
        context = browser.new_context()
        opened.append(context)
        return context.new_page()

    yield new_page
    for context in opened:
        context.close()


@pytest.mark.browser
@pytest.mark.usefixtures("closing_connections")
@pytest.mark.django_db(transaction=True)
def test_an_urgent_fix_goes_live_while_another_editors_section_stays_in_the_draft(roles, live_server, contexts):
    base = live_server.url
    wizard = factories.make_wizard()
    factories.publish(wizard)
    factories.make_user("editor", "Editors")
    colleague = factories.make_user("colleague", "Editors")
    factories.make_user("reviewer", "Reviewers")
    start_a_section(wizard, colleague)
    editor, reviewer, other = contexts(), contexts(), contexts()

    # The editor fixes the contact page's title, then submits that fix alone.
    log_in(editor, base, "editor")
    contact = wizard_step_paths(wizard)["contact"]
    editor.goto(f"{base}/admin/wizard/node/{contact.pk}/change/")
    editor.get_by_role("link", name="fr", exact=True).first.click()
    editor.fill("#id_title_fr", "Contact (horaires corrigés)")
    editor.click("input[name=_save]")
    expect(editor.locator(".messagelist")).to_contain_text("was changed successfully")
    editor.goto(f"{base}/admin/cms/changerequest/submit/?wizard={wizard.pk}")
    rows = editor.locator("#submit-items tbody tr")
    expect(rows).to_have_count(3)
    expect(editor.locator("#submit-items tr", has_text="nouveau/brouillon")).to_contain_text("colleague")
    expect(editor.locator("#submit-items tr", has_text="contact")).to_contain_text("title (fr)")
    for box in editor.locator("#submit-items input[name=items]").all():
        box.uncheck()
    editor.get_by_label("contact", exact=True).check()
    editor.fill("#id_note", "Urgent : horaires")
    editor.click("text=Submit for review")
    expect(editor.locator(".messagelist")).to_contain_text("Submitted for review")
    expect(editor.locator("#request-items")).to_contain_text("contact")
    expect(editor.locator("#request-items")).not_to_contain_text("nouveau")

    # The reviewer approves it: it goes live; the section does not.
    log_in(reviewer, base, "reviewer")
    reviewer.click("text=Review the changes to demo by editor")
    reviewer.click("input[name=_approve]")
    expect(reviewer.locator(".messagelist")).to_contain_text("Approved and published: release #2 is live.")
    assert live_titles("demo")["contact"] == "Contact (horaires corrigés)"
    other.goto(f"{base}/fr/demo/nouveau/")
    assert "Nouvelle section" not in other.content()
    assert wizard_step_paths(wizard)["nouveau/brouillon"]  # still in the draft

    # The colleague's admin home says their section waits to be submitted.
    log_in(other, base, "colleague")
    expect(other.locator("#waiting-for-you")).to_contain_text("Unsubmitted changes to demo: 2 of yours")


@pytest.mark.browser
@pytest.mark.usefixtures("closing_connections")
@pytest.mark.django_db(transaction=True)
def test_a_translators_request_is_approved_by_a_reviewer(roles, live_server, contexts):
    base = live_server.url
    wizard = factories.make_wizard()
    factories.publish(wizard)
    factories.make_user("editor", "Editors")
    factories.make_user("translator", "Translators")
    factories.make_user("reviewer", "Reviewers")
    factories.edit(wizard, "profiles", None, title_fr="Profils (à relire)")  # an editor's change, not theirs
    translator, reviewer = contexts(), contexts()

    log_in(translator, base, "translator")
    contact = wizard_step_paths(wizard)["contact"]
    translator.goto(f"{base}/admin/wizard/node/{contact.pk}/change/")
    translator.get_by_role("link", name="nl", exact=True).first.click()
    translator.fill("#id_title_nl", "Contact opnemen")
    translator.click("input[name=_save]")
    expect(translator.locator(".messagelist")).to_contain_text("was changed successfully")
    translator.goto(f"{base}/admin/")
    translator.click("text=Unsubmitted changes to demo")
    expect(translator.locator("#submit-items tr", has_text="profiles")).to_contain_text("an editor submits it")
    expect(translator.get_by_label("profiles", exact=True)).to_be_disabled()
    expect(translator.get_by_label("contact", exact=True)).to_be_checked()
    translator.click("text=Submit for review")
    expect(translator.locator(".messagelist")).to_contain_text("Submitted for review")

    log_in(reviewer, base, "reviewer")
    reviewer.click("text=Review the changes to demo by translator")
    expect(reviewer.locator("#request-items")).to_contain_text("title (nl)")
    reviewer.click("input[name=_approve]")
    expect(reviewer.locator(".messagelist")).to_contain_text("release #2 is live")
    live.forget()
    assert live.wizard("demo").steps["contact"].text("title", "nl")[0] == "Contact opnemen"
    assert live_titles("demo")["profiles"] == "Titre profiles"
