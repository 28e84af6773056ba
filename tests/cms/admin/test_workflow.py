from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cms import actions, checks, releases, workflow
from cms.models import AuditEntry, ChangeRequest, FieldComment, LinkCheck
from tests import factories
from wizard.models import LinkTarget, Node, wizard_step_paths

Status = ChangeRequest.Status


@pytest.fixture
def change(live_wizard, editor):
    factories.edit(live_wizard, "contact", editor, body_fr="Appelez le centre de contact du lundi au vendredi.")
    return workflow.submit(live_wizard, author=editor, note="Horaires")


def review_url(change) -> str:
    return reverse("admin:cms_changerequest_change", args=[change.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_an_editor_submits_a_wizard_from_the_submit_page(client, editor, live_wizard):
    factories.edit(live_wizard, "contact", editor, title_fr="Nous contacter")
    client.force_login(editor)
    page = client.get(reverse("admin:cms_changerequest_submit"))
    assert page.status_code == 200
    assert "edited since the live release" in page.content.decode()
    response = client.post(
        reverse("admin:cms_changerequest_submit"), {"wizard": live_wizard.pk, "note": "Titre"}, follow=True
    )
    change = ChangeRequest.objects.get()
    assert response.redirect_chain[-1][0] == review_url(change)
    assert (change.author, change.note) == (editor, "Titre")


def test_the_submit_page_shows_a_refusal(client, editor, live_wizard):
    client.force_login(editor)
    response = client.post(reverse("admin:cms_changerequest_submit"), {"wizard": live_wizard.pk}, follow=True)
    assert any("Nothing to review" in message for message in messages_of(response))
    assert not ChangeRequest.objects.exists()


def test_an_editor_submits_from_the_step_list(client, editor, live_wizard):
    factories.edit(live_wizard, "contact", editor, title_fr="Nous contacter")
    client.force_login(editor)
    response = client.post(
        reverse("admin:wizard_node_changelist"),
        {"action": "submit_for_review", "_selected_action": [live_wizard.pk]},
        follow=True,
    )
    assert any("waits for review as request" in message for message in messages_of(response))
    assert ChangeRequest.objects.get().author == editor


@pytest.mark.parametrize("group", ["Reviewers", None])
def test_only_editors_and_translators_may_submit(client, live_wizard, group):
    user = factories.make_user("someone", *([group] if group else []))
    factories.edit(live_wizard, "contact", user, title_fr="Nous contacter")
    client.force_login(user)
    assert client.get(reverse("admin:cms_changerequest_submit")).status_code == 403
    assert client.post(reverse("admin:cms_changerequest_submit"), {"wizard": live_wizard.pk}).status_code == 403
    response = client.post(
        reverse("admin:wizard_node_changelist"), {"action": "submit_for_review", "_selected_action": [live_wizard.pk]}
    )
    # Refused whichever way the admin says it (no such action for this user, or forbidden): nothing submitted.
    assert response.status_code in {200, 302, 403}
    assert not ChangeRequest.objects.exists()


def test_a_translator_may_not_submit_a_french_change(client, live_wizard):
    user = factories.make_user("someone", "Translators")
    factories.edit(live_wizard, "contact", user, title_fr="Nous contacter")
    client.force_login(user)
    page = client.get(reverse("admin:cms_changerequest_submit"), {"wizard": live_wizard.pk}).content.decode()
    assert "French text or structure: an editor submits it" in page
    response = client.post(reverse("admin:cms_changerequest_submit"), {"wizard": live_wizard.pk}, follow=True)
    assert any("Choose at least one change" in message for message in messages_of(response))
    assert not ChangeRequest.objects.exists()


def test_the_review_page_shows_the_change_highlighted_with_the_checks(client, reviewer, change):
    client.force_login(reviewer)
    response = client.get(review_url(change))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Horaires" in html
    [step] = response.context["summary"]["steps"]
    assert step["path"] == "contact"
    [(lang, [row])] = step["languages"]
    assert (lang, row["field"]) == ("fr", "body")
    assert row["old_html"].startswith("Appelez <del>")
    assert "link:" in row["old_html"]
    assert "<ins> du lundi au vendredi</ins>" in row["new_html"]
    # Beside the Markdown, the text as the public reads it (the old one's link target named, its URL resolved).
    assert row["new_rendered"]["html"] == "<p>Appelez le centre de contact du lundi au vendredi.</p>\n"
    assert 'href="https://www.example.org/fr/contact"' in row["old_rendered"]["html"]
    assert row["old_rendered"]["references"][0]["name"] == "Centre de contact"
    # Its body is French only: Dutch, German and English readers will see French, which the checks say.
    assert "No problems found." not in html
    assert "Step “contact” will show French to readers of nl (body)" in html
    assert 'name="_approve"' in html
    assert "token=" in response.context["preview_link"]


def test_the_review_page_says_later_changes_of_the_draft_stay_in_it(client, reviewer, change, live_wizard, editor):
    factories.edit(live_wizard, "contact", editor, title_nl="Contact")
    client.force_login(reviewer)
    html = client.get(review_url(change)).content.decode()
    assert "those changes are not part of it and stay in the draft" in html
    client.post(review_url(change), {"_approve": "1"})
    change.refresh_from_db()
    assert change.status == Status.PUBLISHED


def test_a_reviewer_approves_on_the_review_page(client, reviewer, change, live_wizard):
    client.force_login(reviewer)
    response = client.post(review_url(change), {"_approve": "1", "comment": "Merci"}, follow=True)
    assert any("Approved and published: release #2 is live." in message for message in messages_of(response))
    change.refresh_from_db()
    assert (change.status, change.review_comment) == (Status.PUBLISHED, "Merci")
    assert releases.live_release(live_wizard).number == 2


def test_a_reviewer_schedules_on_the_review_page(client, reviewer, change, live_wizard):
    client.force_login(reviewer)
    at = timezone.localtime() + timedelta(days=1)
    client.post(review_url(change), {"_approve": "1", "publish_at": at.strftime("%Y-%m-%dT%H:%M")})
    change.refresh_from_db()
    assert change.status == Status.SCHEDULED
    assert change.publish_at == at.replace(second=0, microsecond=0)
    assert releases.live_release(live_wizard).number == 1
    page = client.get(review_url(change))
    assert 'name="_publish"' in page.content.decode()
    client.post(review_url(change), {"_publish": "1"})
    assert releases.live_release(live_wizard).number == 2


def test_rejecting_without_a_comment_is_refused_on_the_page(client, reviewer, change):
    client.force_login(reviewer)
    response = client.post(review_url(change), {"_reject": "1", "comment": ""}, follow=True)
    assert any("Say why" in message for message in messages_of(response))
    change.refresh_from_db()
    assert change.status == Status.SUBMITTED
    client.post(review_url(change), {"_reject": "1", "comment": "Trop long"})
    change.refresh_from_db()
    assert change.status == Status.REJECTED


@pytest.mark.parametrize("group", ["Editors", "Translators"])
def test_only_reviewers_decide(client, change, group):
    client.force_login(factories.make_user("someone", group))
    page = client.get(review_url(change))
    assert page.status_code == 200
    assert 'name="_approve"' not in page.content.decode()
    response = client.post(review_url(change), {"_approve": "1"}, follow=True)
    assert any("is for the Reviewers" in message for message in messages_of(response))
    change.refresh_from_db()
    assert change.status == Status.SUBMITTED


def test_a_user_without_a_role_sees_no_request(client, change):
    client.force_login(factories.make_user("nobody"))
    assert client.get(review_url(change)).status_code == 403
    assert client.post(review_url(change), {"_approve": "1"}).status_code == 403
    assert client.get(reverse("admin:cms_changerequest_changelist")).status_code == 403
    change.refresh_from_db()
    assert change.status == Status.SUBMITTED


def test_the_author_cannot_approve_their_own_request_even_as_reviewer(client, change, editor):
    editor.groups.add(factories.make_user("x", "Reviewers").groups.get())
    client.force_login(editor)
    response = client.post(review_url(change), {"_approve": "1"}, follow=True)
    assert any("another reviewer must approve it" in message for message in messages_of(response))


def test_the_list_of_requests_filters_by_state(client, reviewer, change, live_wizard, editor):
    client.force_login(reviewer)
    workflow.reject(change, reviewer=reviewer, comment="Non")
    factories.edit(live_wizard, "contact", editor, title_fr="Autre")
    waiting = workflow.submit(live_wizard, author=editor)
    response = client.get(reverse("admin:cms_changerequest_changelist"), {"status__exact": "submitted"})
    assert list(response.context["cl"].result_list) == [waiting]
    response = client.get(reverse("admin:cms_changerequest_changelist"), {"status__exact": "rejected"})
    assert list(response.context["cl"].result_list) == [change]


def test_the_list_of_requests_reads_no_snapshot(client, reviewer, change, live_wizard, editor):
    approved = workflow.approve(change, reviewer=reviewer)
    factories.edit(live_wizard, "contact", editor, title_fr="Autre")
    waiting = workflow.submit(live_wizard, author=editor)
    client.force_login(reviewer)
    response = client.get(reverse("admin:cms_changerequest_changelist"))
    html = response.content.decode()
    assert f"demo: request {waiting.pk} ({waiting.get_status_display()})" in html
    assert f"#{approved.number}" in html
    rows = response.context["cl"].result_list
    assert len(rows) == 2
    for row in rows:  # its snapshot, items and checks, and its release's snapshot: never read, not even by str()
        assert {"snapshot", "items", "checks"} <= row.get_deferred_fields()
        assert row.release is None or "snapshot" in row.release.get_deferred_fields()


def test_the_admin_index_shows_what_waits_for_each_user(client, reviewer, change, editor, live_wizard):
    client.force_login(reviewer)
    html = client.get(reverse("admin:index")).content.decode()
    assert "Waiting for you" in html
    assert "Review the changes to demo by editor" in html
    client.force_login(editor)
    html = client.get(reverse("admin:index")).content.decode()
    assert f"Your request {change.pk} (demo)" in html
    assert "Review the changes" not in html
    workflow.reject(change, reviewer=reviewer, comment="Le ton ne va pas")
    html = client.get(reverse("admin:index")).content.decode()
    assert "Le ton ne va pas" in html
    assert "Unsubmitted changes to demo" in html


def test_reviewers_read_the_audit_log_and_nobody_changes_it(client, reviewer, change, admin_client):
    client.force_login(reviewer)
    listing = client.get(reverse("admin:cms_auditentry_changelist"))
    assert listing.status_code == 200
    entry = AuditEntry.objects.get(action="submit")
    assert entry in list(listing.context["cl"].result_list)
    for admin_user_client in (client, admin_client):
        assert admin_user_client.get(reverse("admin:cms_auditentry_add")).status_code == 403
        assert (
            admin_user_client.post(reverse("admin:cms_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
            == 403
        )
        response = admin_user_client.post(
            reverse("admin:cms_auditentry_change", args=[entry.pk]), {"comment": "rewritten"}
        )
        assert response.status_code == 403
    entry.refresh_from_db()
    assert entry.comment == "Horaires"


def test_editors_do_not_read_the_audit_log(client, editor):
    client.force_login(editor)
    assert client.get(reverse("admin:cms_auditentry_changelist")).status_code == 403


def test_the_review_page_shows_structure_changes(client, reviewer, live_wizard, editor):
    steps = wizard_step_paths(live_wizard)
    Node.objects.move(steps["profiles/citizen/renew"], steps["profiles/company"], "last-child")
    Node.objects.filter(pk=steps["contact"].pk).delete()
    change = workflow.submit(live_wizard, author=editor)
    client.force_login(reviewer)
    html = client.get(review_url(change)).content.decode()
    assert "Was: 2nd of 2 under Titre profiles › Titre citizen, after “Titre apply”" in html
    assert "Now: 2nd of 2 under Titre profiles › Titre company, after “Titre apply”" in html
    assert '<span class="badge badge-removed">removed</span>' in html
    assert "Was: 2nd of 2 under the start page, after “Titre profiles”" in html


# Scale: what a page costs follows the change, not the wizard's size ----------------------------------------------


def one_title_changed(wizard, editor, title: str):
    """Publish the wizard as it is, change one Dutch title, submit."""
    factories.publish(wizard)
    factories.edit(wizard, "contact", editor, title_nl=title)
    return workflow.submit(wizard, author=editor, note="Een titel")


def cost(client, url: str) -> tuple[int, int]:
    """Queries and bytes of one GET."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), len(response.content)


def test_the_review_page_of_a_one_field_change_costs_the_same_in_a_ten_times_larger_wizard(
    client, reviewer, editor, wizard
):
    client.force_login(reviewer)
    factories.grow(wizard, 50)
    small_queries, small_size = cost(client, review_url(one_title_changed(wizard, editor, "Contact een")))
    factories.grow(wizard, 450, section="even-more")
    large_queries, large_size = cost(client, review_url(one_title_changed(wizard, editor, "Contact twee")))
    assert large_queries == small_queries
    assert large_size < small_size * 1.1


def test_the_review_page_shows_the_stored_checks_without_running_them_again(
    client, reviewer, live_wizard, editor, monkeypatch
):
    factories.edit(live_wizard, "contact", editor, title_fr="Contactez-nous")
    change = workflow.submit(live_wizard, author=editor)
    # Only the link checker's findings change after submission; the other checks read the frozen snapshot.
    for name in ("structure", "references", "languages", "translations"):
        monkeypatch.setattr(checks, name, lambda *args, **kwargs: pytest.fail("checks ran again"))
    client.force_login(reviewer)
    page = client.get(review_url(change)).content.decode()
    assert "no longer follows the French text" in page  # the stored warning


def test_the_review_page_shows_a_link_found_broken_after_submission(client, reviewer, live_wizard, editor):
    factories.edit(live_wizard, "contact", editor, body_fr="Voir [la loi](https://law.test/).")
    change = workflow.submit(live_wizard, author=editor)
    LinkCheck.objects.create(url="https://law.test/", status="broken", http_status=410)
    client.force_login(reviewer)
    assert "https://law.test/ is gone (HTTP 410)" in client.get(review_url(change)).content.decode()


def test_the_submit_page_costs_the_same_in_a_ten_times_larger_wizard(client, editor, wizard):
    client.force_login(editor)
    factories.grow(wizard, 50)
    one_title_changed(wizard, editor, "Contact een")
    small = cost(client, reverse("admin:cms_changerequest_submit"))
    factories.grow(wizard, 450, section="even-more")
    one_title_changed(wizard, editor, "Contact twee")
    assert cost(client, reverse("admin:cms_changerequest_submit"))[0] == small[0]


def test_the_admin_index_reads_no_draft_of_a_wizard_that_waits_for_review(client, editor, change):
    client.force_login(editor)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("admin:index")).status_code == 200
    # The wizards are listed (their roots); none of their steps is read.
    assert not [query for query in queries if '"wizard_node"."depth" >=' in query["sql"]]


def test_the_review_page_reads_no_draft_when_nothing_was_saved_since_the_submission(client, reviewer, change):
    client.force_login(reviewer)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(review_url(change)).status_code == 200
    steps_read = [query for query in queries if '"depth" >=' in query["sql"] and "body_fr" in query["sql"]]
    assert not steps_read


def one_title_changed_unsubmitted(wizard, editor, title: str) -> None:
    """Publish the wizard as it is, then change one Dutch title and one French one, and submit nothing."""
    factories.publish(wizard)
    factories.edit(wizard, "contact", editor, title_nl=title)
    factories.edit(wizard, "profiles", editor, title_fr=title)


@pytest.mark.parametrize("screen", ["submit", "index"])
def test_the_choice_of_items_and_the_admin_home_cost_the_same_in_a_ten_times_larger_wizard(
    client, editor, wizard, screen
):
    client.force_login(editor)
    url = reverse("admin:cms_changerequest_submit") + f"?wizard={wizard.pk}" if screen == "submit" else "/admin/"
    factories.grow(wizard, 50)
    one_title_changed_unsubmitted(wizard, editor, "Een")
    small = cost(client, url)
    factories.grow(wizard, 450, section="even-more")
    one_title_changed_unsubmitted(wizard, editor, "Twee")
    large = cost(client, url)
    assert large[0] == small[0]
    assert large[1] < small[1] * 1.1


# Requests in parts -----------------------------------------------------------------------------------------------


def test_the_submit_page_lists_each_change_with_its_author_and_submits_the_ticked_ones(
    client, editor, live_wizard, reviewer
):
    other = factories.make_user("editor2", "Editors")
    contact = factories.edit(live_wizard, "contact", editor, title_fr="Nous contacter")
    profiles = factories.edit(live_wizard, "profiles", other, title_fr="Profils (brouillon)")
    client.force_login(editor)
    url = reverse("admin:cms_changerequest_submit")
    page = client.get(url, {"wizard": live_wizard.pk})
    rows = {row["id"]: row for row in page.context["choice"]["items"]}
    assert rows[f"step:{contact.uid}"]["authors"] == ["editor"]
    assert rows[f"step:{profiles.uid}"]["authors"] == ["editor2"]
    assert rows[f"step:{contact.uid}"]["summary"] == "title (fr)"
    assert all(row["ticked"] for row in rows.values())  # everything, by default
    response = client.post(
        url, {"wizard": live_wizard.pk, "choosing": "1", "items": [f"step:{contact.uid}"], "note": "Urgent"}
    )
    change = ChangeRequest.objects.get()
    assert response.url == review_url(change)
    assert [item["id"] for item in change.items] == [f"step:{contact.uid}"]
    client.force_login(reviewer)
    html = client.get(review_url(change)).content.decode()
    assert "What this request holds" in html
    # The admin home of editor2 still shows their unsubmitted change; editor's is held by the request.
    client.force_login(other)
    assert "Unsubmitted changes to demo: 1 of yours" in client.get("/admin/").content.decode()
    client.force_login(editor)
    assert "Unsubmitted changes to demo" not in client.get("/admin/").content.decode()


def test_the_submit_page_says_what_the_choice_needs_and_why(client, editor, live_wizard):
    section = Node.objects.add_child(live_wizard, create_kwargs={"slug": "section", "kind": "choice", "title_fr": "S"})
    task = Node.objects.add_child(section, create_kwargs={"slug": "task", "kind": "task", "title_fr": "T"})
    client.force_login(editor)
    url = reverse("admin:cms_changerequest_submit")
    data = {"wizard": live_wizard.pk, "choosing": "1", "items": [f"step:{task.uid}"]}
    page = client.post(url, {**data, "_closure": "1"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "The chosen changes cannot stand without these" in html
    assert "it is the new parent of “section/task”" in html
    assert {row["id"] for row in page.context["choice"]["items"] if row["ticked"]} == {
        f"step:{task.uid}",
        f"step:{section.uid}",
    }
    response = client.post(url, data, follow=True)
    assert any("It also holds what the chosen changes need: section" in message for message in messages_of(response))


def test_the_admin_home_shows_a_stale_request_and_outdated_translations(client, live_wizard, editor, reviewer):
    from wizard import translations

    translator = factories.make_user("translator", "Translators")
    contact = factories.edit(live_wizard, "contact", translator, title_nl="Contact")
    translations.record_form(contact, ["title_nl"], user=translator)
    waiting = workflow.submit(live_wizard, author=translator)
    factories.edit(live_wizard, "contact", editor, title_fr="Contactez-nous", title_nl="Contact!")
    urgent = workflow.submit(live_wizard, author=editor)  # holds the contact step too
    ChangeRequest.objects.filter(pk=waiting.pk).update(status=Status.SUBMITTED)  # as if it still waited
    workflow.approve(urgent, reviewer=reviewer)
    client.force_login(translator)
    html = client.get("/admin/").content.decode()
    assert f"Your request {waiting.pk} (demo)" in html
    assert "stale: Request" in html
    assert "1 of your translations outdated by a French change" in html
    assert "contact · title (nl)" in html


def test_a_review_page_with_comments_and_new_urls_costs_the_same_in_a_ten_times_larger_wizard(
    client, reviewer, editor, wizard
):
    def scene(title: str) -> tuple[int, int]:
        change = one_title_changed(wizard, editor, title)
        uid = change.snapshot["wizard"]["children"][1]["uid"]
        for n in range(3):
            actions.add_comment(change, author=reviewer, step_uid=uid, field="title", lang="nl", body=f"Nr. {n}")
        return cost(client, review_url(change))

    client.force_login(reviewer)
    factories.grow(wizard, 50)
    LinkTarget.objects.filter(key="contact-center").update(url_de="https://www.example.org/de/kontakt")
    small_queries, small_size = scene("Contact een")
    factories.grow(wizard, 450, section="even-more")
    LinkTarget.objects.filter(key="contact-center").update(url_de="https://www.example.org/de/kontakt-2")
    large_queries, large_size = scene("Contact twee")
    assert large_queries == small_queries
    assert large_size < small_size * 1.1


def test_a_change_that_adds_hundreds_of_steps_shows_a_bounded_page(client, reviewer, editor, wizard):
    client.force_login(reviewer)
    factories.publish(wizard)
    factories.grow(wizard, 60)
    small_queries, small_size = cost(client, review_url(workflow.submit(wizard, author=editor)))
    factories.grow(wizard, 600, section="even-more")
    large = workflow.submit(wizard, author=editor)
    large_queries, large_size = cost(client, review_url(large))
    assert large_queries == small_queries
    assert large_size < 300_000
    assert "more steps changed, not shown here" in client.get(review_url(large)).content.decode()


def test_the_submit_page_shows_the_summary_of_the_chosen_wizard(client, editor, live_wizard):
    steps = wizard_step_paths(live_wizard)
    Node.objects.move(steps["contact"], steps["profiles"], "left")  # contact first
    client.force_login(editor)
    html = client.get(reverse("admin:cms_changerequest_submit"), {"wizard": live_wizard.pk}).content.decode()
    assert "What would be submitted" in html
    assert "Place: 1st of 2 under the start page, before “Titre profiles”" in html
    assert "Siblings before" in html
    assert "What would be submitted" not in client.get(reverse("admin:cms_changerequest_submit")).content.decode()


def test_a_reviewer_comments_on_a_field_and_the_author_resolves_it(client, reviewer, editor, change):
    uid = change.snapshot["wizard"]["children"][1]["uid"]
    client.force_login(reviewer)
    data = {"step_uid": uid, "place": "body:fr", "body": "Précisez les heures."}
    response = client.post(reverse("admin:cms_changerequest_comment", args=[change.pk]), data)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#step-{uid}")
    html = client.get(review_url(change)).content.decode()
    assert "Précisez les heures." in html
    [comment] = FieldComment.objects.all()
    client.force_login(editor)
    response = client.post(reverse("admin:cms_changerequest_resolve", args=[change.pk, comment.pk]))
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.resolved_by == editor
    assert "resolved by editor" in client.get(review_url(change)).content.decode()


def test_an_editor_who_is_not_the_author_may_not_comment(client, change):
    uid = change.snapshot["wizard"]["children"][1]["uid"]
    client.force_login(factories.make_user("other", "Editors"))
    data = {"step_uid": uid, "place": "body:fr", "body": "Moi aussi."}
    assert client.post(reverse("admin:cms_changerequest_comment", args=[change.pk]), data).status_code == 403
    assert not FieldComment.objects.exists()


def test_the_submit_pages_summary_costs_the_same_in_a_ten_times_larger_wizard(client, editor, wizard):
    client.force_login(editor)
    url = reverse("admin:cms_changerequest_submit") + f"?wizard={wizard.pk}"
    factories.grow(wizard, 50)
    factories.publish(wizard)
    factories.edit(wizard, "contact", editor, title_nl="Contact een")
    small_queries, small_size = cost(client, url)
    factories.grow(wizard, 450, section="even-more")
    factories.publish(wizard)
    factories.edit(wizard, "contact", editor, title_nl="Contact twee")
    large_queries, large_size = cost(client, url)
    assert large_queries == small_queries
    assert large_size < small_size * 1.1


def test_the_submit_page_of_a_wizard_flattens_each_snapshot_once(client, editor, live_wizard):
    factories.edit(live_wizard, "contact", editor, title_nl="Contact opnemen")
    client.force_login(editor)
    with mock.patch.object(releases, "flatten", wraps=releases.flatten) as flatten:
        page = client.get(reverse("admin:cms_changerequest_submit"), {"wizard": live_wizard.pk})
    assert [item["path"] for item in page.context["choice"]["items"]] == ["contact"]
    assert [step["path"] for step in page.context["summary"]["steps"]] == ["contact"]
    assert flatten.call_count == 2  # the live release's and the draft's, for the items and the summary alike
