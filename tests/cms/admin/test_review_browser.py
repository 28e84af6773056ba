"""The review page in a real browser: where an added step stands, a reorder, a text rendered beside its diff, the
fallback warning, and a comment on a field, from the reviewer to the author and back."""

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from cms import actions, workflow
from tests import factories
from tests.cms.admin.test_workflow_browser import check_accessibility, closing_connections, log_in  # noqa: F401
from wizard.models import Node, wizard_step_paths


def prepare_change():
    """A live wizard, then a draft with a step added among citizen's tasks, contact moved first, a Dutch body."""
    wizard = factories.make_wizard()
    factories.publish(wizard)
    editor = factories.make_user("editor", "Editors")
    factories.make_user("reviewer", "Reviewers")
    steps = wizard_step_paths(wizard)
    check = Node(
        slug="check", kind=Node.Kind.TASK, title_fr="Vérifier ses mandats", body_fr="Voir [le portail](link:portal)."
    )
    actions.create_step(check, user=editor, reference=steps["profiles/citizen/renew"], position="left")
    actions.move_step(steps["contact"], user=editor, target=steps["profiles"], position="left")
    apply = Node.objects.get(pk=steps["profiles/citizen/apply"].pk)
    apply.body_nl = "Bel [het centrum](link:contact-center)."
    actions.edit_step(apply, user=editor)
    return workflow.submit(wizard, author=editor, note="Een nieuwe stap")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_review_shows_places_renders_texts_and_takes_comments(
    closing_connections,  # noqa: F811
    roles,
    live_server,
    browser: Browser,
):
    change = prepare_change()
    url = f"{live_server.url}/admin/cms/changerequest/{change.pk}/change/"
    contexts = [browser.new_context(bypass_csp=True) for _person in ("reviewer", "editor")]
    try:
        reviewer, editor = (context.new_page() for context in contexts)
        review(live_server.url, url, reviewer, editor)
    finally:
        for context in contexts:
            context.close()


def review(base: str, url: str, reviewer: Page, editor: Page) -> None:
    log_in(reviewer, base, "reviewer")
    reviewer.goto(url)
    added = reviewer.locator(".summary-step.diff-added")
    expect(added.locator(".position")).to_have_text(
        "Place: 2nd of 3 under Titre profiles › Titre citizen, after “Titre apply”"
    )
    # The reorder: contact went before profiles; the siblings' order before and after.
    moved = reviewer.locator(".summary-step", has=reviewer.locator(".reorder"))
    expect(moved.locator(".reorder div").first.locator("li")).to_have_text(["Titre profiles", "Titre contact"])
    expect(moved.locator(".reorder div").last.locator("li")).to_have_text(["Titre contact", "Titre profiles"])
    # The Dutch body: its Markdown diff, and beside it the text as Dutch readers get it, the link target resolved.
    row = reviewer.locator("tr.diff-row[data-field=body][data-lang=nl]")
    expect(row.locator("td.diff-new ins").first).to_be_visible()
    expect(row.locator("td.rendered a")).to_have_attribute("href", "https://www.example.org/nl/contact")
    expect(row.locator("td.rendered .references")).to_contain_text("link:contact-center → Contactcenter")
    # The new step has French texts only: the checks say who will read French.
    expect(reviewer.locator(".checks")).to_contain_text(
        "Step “profiles/citizen/check” will show French to readers of nl (title, body)"
    )
    check_accessibility(reviewer)

    # The reviewer comments on the Dutch body; its author hears of it.
    step = reviewer.locator(".summary-step", has=row)
    step.locator("summary", has_text="Comment on a field of this step").click()
    step.get_by_label("Field").select_option(label="body (NL)")
    step.get_by_label("Comment").fill("Zeg ook wanneer het centrum open is.")
    step.get_by_role("button", name="Add the comment").click()
    expect(reviewer.locator(".messagelist")).to_contain_text("Comment added")
    comment_row = reviewer.locator("tr.comment-row[data-field=body][data-lang=nl]")
    expect(comment_row).to_contain_text("Zeg ook wanneer het centrum open is.")
    assert [message.to for message in mail.outbox if "A comment" in message.subject] == [["editor@example.org"]]

    # The author reads it beside the field and resolves it; the reviewer hears of that.
    log_in(editor, base, "editor")
    editor.goto(url)
    row = editor.locator("tr.comment-row[data-field=body][data-lang=nl]")
    row.get_by_role("button", name="Resolve").click()
    expect(editor.locator(".messagelist")).to_contain_text("Comment resolved.")
    expect(editor.locator("tr.comment-row[data-field=body][data-lang=nl]")).to_contain_text("resolved by editor")
    assert [message.to for message in mail.outbox if "was resolved" in message.subject] == [["reviewer@example.org"]]
    check_accessibility(editor)
