"""A release's page, comparing releases, rolling back with a reason, and the audit log read as sentences."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cms import audit, workflow
from cms.models import AuditEntry, ChangeRequest, LiveRelease
from tests import factories
from wizard.models import wizard_step_paths

Status = ChangeRequest.Status


@pytest.fixture
def published(live_wizard, release, editor, reviewer):
    """Release #2 of demo, live, made from request by `editor`, approved by `reviewer` with a comment."""
    factories.edit(live_wizard, "contact", editor, title_fr="Nous contacter", body_nl="Bel ons.")
    change = workflow.submit(live_wizard, author=editor, note="Un titre plus clair")
    workflow.approve(change, reviewer=reviewer, comment="Parfait")
    change.refresh_from_db()
    return change


def rollback_url(release) -> str:
    return reverse("admin:cms_release_rollback", args=[release.pk])


def page_of(release) -> str:
    return reverse("admin:cms_release_change", args=[release.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# Rolling back ----------------------------------------------------------------------------------------------------


def test_the_rollback_page_shows_what_will_change_and_asks_why(client, reviewer, published, release):
    client.force_login(reviewer)
    response = client.get(rollback_url(release))
    html = response.content.decode()
    assert response.status_code == 200
    assert "What will change for the public" in html
    assert 'data-field="title" data-lang="fr"' in html  # the diff from the live release to this one
    assert "<del>Nous</del>" in html  # the live title, going
    assert "<ins>Titre</ins>" in html  # release #1's, coming back
    assert '<textarea name="reason"' in html
    assert "required" in html
    assert f"request {published.pk} by editor" in html  # whose work leaves the site
    assert LiveRelease.objects.get().release == published.release  # looking changes nothing


def test_a_rollback_without_a_reason_is_refused(client, reviewer, published, release):
    client.force_login(reviewer)
    response = client.post(rollback_url(release), {"reason": "  "})
    assert response.status_code == 200
    assert "Say why you roll back" in response.content.decode()
    assert LiveRelease.objects.get().release == published.release
    assert not AuditEntry.objects.filter(action="rollback").exists()


def test_a_rollback_with_a_reason_goes_live_audited_and_tells_the_authors(
    client, reviewer, editor, published, release, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(rollback_url(release), {"reason": "Le titre prête à confusion"}, follow=True)
    assert response.redirect_chain[-1][0] == page_of(release)
    [message] = messages_of(response)
    assert "Release #1 is live again." in message
    assert f"?a={release.pk}&amp;b=draft" in response.content.decode()  # compare the draft with what is live now
    assert LiveRelease.objects.get().release == release
    entry = AuditEntry.objects.get(action="rollback")
    assert (entry.user, entry.comment, entry.details["withdrawn"]) == (
        reviewer,
        "Le titre prête à confusion",
        [published.pk],
    )
    [to_editor] = [sent for sent in mail.outbox if sent.to == [editor.email]]
    assert "left the public site" in to_editor.subject
    assert "Le titre prête à confusion" in to_editor.body


def test_an_editor_cannot_roll_back(client, editor, published, release):
    client.force_login(editor)
    assert client.get(rollback_url(release)).status_code == 403
    assert client.post(rollback_url(release), {"reason": "Je préfère l'ancien"}).status_code == 403
    assert "Make release #1 live again" not in client.get(page_of(release)).content.decode()
    assert LiveRelease.objects.get().release == published.release


def test_the_releases_list_has_no_bulk_rollback(client, reviewer, published):
    client.force_login(reviewer)
    assert "make_live_again" not in client.get(reverse("admin:cms_release_changelist")).content.decode()


# A release's page and comparisons --------------------------------------------------------------------------------


def test_a_release_page_says_who_published_what_and_why(client, editor, reviewer, published, release):
    client.force_login(editor)
    response = client.get(page_of(published.release))
    html = response.content.decode()
    assert "Release #2 of demo" in html
    assert "live: the public sees this release" in html
    for text in ("editor", "Un titre plus clair", "reviewer", "Parfait", "published on approval"):
        assert text in html
    assert f"reviewer published release #2 of demo (request {published.pk})" in html  # how it went live
    assert "What changed since release #1" in html
    assert "1 step edited" in html
    assert "FR 1" in html
    assert "NL 1" in html
    assert reverse("cms:preview-release", args=[published.release.pk, "fr"]) in html
    assert f"?a={release.pk}&amp;b={published.release.pk}" in html  # compare with the previous one
    assert "content_hash" not in html
    assert published.release.content_hash not in html


def test_a_release_page_reads_two_snapshots_however_many_releases_the_wizard_has(client, reviewer, live_wizard):
    """Its own and the previous one's, to show what changed; the live one and the others are only named."""
    for n in range(4):
        factories.edit(live_wizard, "contact", None, title_fr=f"Contact {n}")
        factories.publish(live_wizard)
    first = live_wizard.releases.order_by("number")[1]
    client.force_login(reviewer)
    response = client.get(page_of(first))
    assert response.status_code == 200
    assert "#5" in response.content.decode()  # the live one, named
    named = [response.context["live"], *response.context["others"]]
    named += [entry.release for entry, _sentence in response.context["went_live"]]
    assert len(named) == 5
    assert all("snapshot" in release.get_deferred_fields() for release in named)


def test_the_releases_list_and_the_audit_log_read_no_snapshot(client, editor, reviewer, live_wizard):
    for n in range(3):
        factories.edit(live_wizard, "contact", editor, title_fr=f"Contact {n}")
        workflow.approve(workflow.submit(live_wizard, author=editor), reviewer=reviewer)
    client.force_login(reviewer)
    response = client.get(reverse("admin:cms_release_changelist"))
    html = response.content.decode()
    assert all(f"demo #{n}" in html for n in range(1, 5))
    rows = response.context["cl"].result_list
    assert len(rows) == 4
    assert all("snapshot" in row.get_deferred_fields() for row in rows)  # never read, not even by str()
    log = client.get(reverse("admin:cms_auditentry_changelist"))
    named = [entry.release for entry in log.context["cl"].result_list if entry.release_id]
    assert len(named) == 6  # approved and published, three times
    assert all("snapshot" in release.get_deferred_fields() for release in named)


def test_a_release_page_gives_the_rollback_reason_it_went_live_by(client, reviewer, published, release):
    workflow.rollback(release.wizard, release=release, user=reviewer, reason="Le titre prête à confusion")
    client.force_login(reviewer)
    html = client.get(page_of(release)).content.decode()
    assert "reviewer rolled demo back to release #1: Le titre prête à confusion" in html
    assert "Make release #1 live again" not in html  # it is live


def test_a_release_preview_shows_that_releases_pages(client, editor, published, release):
    client.force_login(editor)
    path = wizard_step_paths(release.wizard)["contact"]
    old = client.get(reverse("cms:preview-release-step", args=[release.pk, "fr", "contact"]))
    new = client.get(reverse("cms:preview-release-step", args=[published.release.pk, "fr", "contact"]))
    assert path
    assert "Titre contact" in old.content.decode()
    assert "Nous contacter" in new.content.decode()
    client.logout()
    assert client.get(reverse("cms:preview-release", args=[release.pk, "fr"])).status_code == 302


def test_two_releases_compare_with_a_summary_and_the_diff(client, editor, published, release):
    client.force_login(editor)
    response = client.get(reverse("admin:cms_release_compare"), {"a": release.pk, "b": published.release.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "demo: release #1 compared with release #2" in html
    assert "1 step edited" in html
    assert "<ins>" in html
    draft = client.get(reverse("admin:cms_release_compare"), {"a": published.release.pk, "b": "draft"})
    assert "Both have the same content." in draft.content.decode()


def test_compare_refuses_releases_of_two_wizards_and_nonsense(client, editor, release):
    other = factories.publish(factories.make_wizard("autre"))
    client.force_login(editor)
    url = reverse("admin:cms_release_compare")
    assert client.get(url, {"a": release.pk, "b": other.pk}).status_code == 404
    assert client.get(url, {"a": "x", "b": release.pk}).status_code == 404


# The audit log as sentences --------------------------------------------------------------------------------------


def said(action: str, **filters) -> str:
    entry = AuditEntry.objects.filter(action=action, **filters).first()
    return audit.sentence(entry, summary="1 step changed")


def test_each_workflow_action_reads_as_a_sentence(editor, reviewer, published, release, live_wizard):
    pk = published.pk
    assert said("submit") == f"editor submitted request {pk} of demo for review: 1 step changed"
    assert said("approve") == f"reviewer approved request {pk} of demo: 1 step changed"
    assert said("publish") == f"reviewer published release #2 of demo (request {pk})"
    workflow.rollback(live_wizard, release=release, user=reviewer, reason="Erreur")
    assert said("rollback") == "reviewer rolled demo back to release #1: Erreur"
    factories.edit(live_wizard, "contact", editor, title_fr="Encore")
    first = workflow.submit(live_wizard, author=editor)
    factories.edit(live_wizard, "contact", editor, title_fr="Encore une fois")
    second = workflow.submit(live_wizard, author=editor)
    expected = f"Request {first.pk} of demo was superseded: Superseded by request {second.pk}."
    assert said("supersede") == expected
    workflow.reject(second, reviewer=reviewer, comment="Non merci")
    assert said("reject") == f"reviewer rejected request {second.pk} of demo: Non merci"


def test_scheduled_publication_and_history_read_as_sentences(editor, reviewer, live_wizard):
    factories.edit(live_wizard, "contact", editor, title_fr="Plus tard")
    change = workflow.submit(live_wizard, author=editor)
    at = timezone.now() + timedelta(days=1)
    workflow.approve(change, reviewer=reviewer, publish_at=at)
    when = timezone.localtime(at).strftime("%Y-%m-%d %H:%M")
    assert said("schedule") == f"reviewer approved request {change.pk} of demo, to go live at {when}: 1 step changed"
    workflow.publish_scheduled(now=at + timedelta(minutes=1))
    assert said("publish") == f"Release #2 of demo went live as scheduled (request {change.pk})"
    step = wizard_step_paths(live_wizard)["contact"]
    audit.record(live_wizard, "revert", user=editor, obj=step)
    audit.record(live_wizard, "recover", user=editor, obj=step)
    assert said("revert") == f"editor reverted the step “{step}” of demo to an earlier version"
    assert said("recover") == f"editor recovered the deleted step “{step}” of demo"


def test_the_audit_log_lists_sentences_filterable_by_wizard_person_and_action(client, reviewer, published):
    other = factories.make_wizard("autre")
    audit.record(other, "revert", user=reviewer, obj=other)
    factories.make_wizard("silencieux")  # no entry: not offered as a filter
    client.force_login(reviewer)
    response = client.get(reverse("admin:cms_auditentry_changelist"))
    html = response.content.decode()
    assert f"reviewer approved request {published.pk} of demo: 1 step changed (1 edited)" in html
    assert "{" not in html.split('id="result_list"')[1].split("</table>")[0]  # no JSON
    entries = list(response.context["cl"].result_list)
    assert entries == sorted(entries, key=lambda entry: (entry.at, entry.pk), reverse=True)
    filters = {spec.field_path: spec for spec in response.context["cl"].filter_specs}
    assert set(filters) >= {"wizard", "user", "action"}
    assert sorted(name for _pk, name in filters["wizard"].lookup_choices) == ["Titre autre", "Titre demo"]
    only = client.get(reverse("admin:cms_auditentry_changelist"), {"action__exact": "approve"})
    assert [entry.action for entry in only.context["cl"].result_list] == ["approve"]
    mine = client.get(reverse("admin:cms_auditentry_changelist"), {"user__id__exact": published.author_id})
    assert {entry.action for entry in mine.context["cl"].result_list} == {"submit"}


def test_an_audit_entry_page_reads_as_a_sentence_and_a_list(client, reviewer, published, release, live_wizard):
    workflow.rollback(live_wizard, release=release, user=reviewer, reason="Erreur")
    entry = AuditEntry.objects.get(action="rollback")
    client.force_login(reviewer)
    html = client.get(reverse("admin:cms_auditentry_change", args=[entry.pk])).content.decode()
    assert "reviewer rolled demo back to release #1: Erreur" in html
    assert "<dt>requests that left the public site</dt><dd>" + str(published.pk) + "</dd>" in html
    assert "<dt>live before</dt><dd>2</dd>" in html
    assert '"withdrawn"' not in html


def test_the_audit_log_costs_the_same_queries_for_many_entries(client, reviewer, editor, live_wizard):
    def make(count: int) -> None:
        for index in range(count):
            factories.edit(live_wizard, "contact", editor, title_fr=f"Titre {index}")
            workflow.submit(live_wizard, author=editor, note=str(index))

    client.force_login(reviewer)
    url = reverse("admin:cms_auditentry_changelist")
    make(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    make(20)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert AuditEntry.objects.count() > 40
    assert len(many) == len(few)
