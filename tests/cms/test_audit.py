from django.contrib.auth.models import AnonymousUser
from django.core import mail

from cms import audit, review
from cms.models import AuditEntry, ChangeRequest


def test_an_entry_keeps_who_did_what_to_which_wizard(wizard, editor):
    entry = audit.record(wizard, AuditEntry.Action.REVERT, user=editor, comment="Faute", details={"step": "contact"})
    entry.refresh_from_db()
    assert (entry.wizard, entry.action, entry.user) == (wizard, "revert", editor)
    assert (entry.comment, entry.details, entry.object_repr) == ("Faute", {"step": "contact"}, "Titre demo")


def test_an_anonymous_user_is_recorded_as_the_system(wizard):
    assert audit.record(wizard, AuditEntry.Action.PUBLISH, user=AnonymousUser()).user is None


def test_the_object_is_named_by_what_the_entry_is_about(wizard, change):
    assert audit.record(wizard, "revert", user=None, obj="x" * 300).object_repr == "x" * 250
    assert audit.record(wizard, "approve", user=None, change=change).object_repr == str(change)
    assert audit.record(wizard, "publish", user=None).object_repr == str(wizard)


def test_notifications_wait_for_the_commit(change, reviewer, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        audit.record(change.wizard, AuditEntry.Action.SUBMIT, user=change.author, change=change)
    assert mail.outbox == []  # a rolled-back action tells no one
    [send] = callbacks
    send()
    assert [message.to for message in mail.outbox] == [[reviewer.email]]


def test_a_requests_sentence_reads_the_counts_kept_at_submission(change):
    assert change.counts["steps"] >= 1
    entries = list(AuditEntry.objects.filter(change_request=change))
    assert review.summaries(entries)[change.pk] == review.describe(change.counts)
    # What the audit log says comes from the counts, not from diffing the request's snapshot again.
    ChangeRequest.objects.filter(pk=change.pk).update(counts={**change.counts, "steps": 7, "changed": 7})
    assert review.summaries(entries)[change.pk].startswith("7 steps changed (7 edited")


def test_a_request_without_counts_is_diffed(change):
    ChangeRequest.objects.filter(pk=change.pk).update(counts={})
    entries = list(AuditEntry.objects.filter(change_request=change))
    assert review.summaries(entries)[change.pk] == review.describe(change.counts)
