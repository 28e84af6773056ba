"""Comments on a change request's fields: who may write and resolve them, their audit, history and emails."""

import pytest
from django.core import mail
from reversion.models import Version

from cms import actions, audit, workflow
from cms.errors import ActionError
from cms.models import AuditEntry, FieldComment
from tests import factories

Action = AuditEntry.Action


def contact_uid(change) -> str:
    return change.snapshot["wizard"]["children"][1]["uid"]


def comment(change, user, **overrides):
    values = {"step_uid": contact_uid(change), "field": "title", "lang": "nl", "body": "Vertaal de titel ook."}
    return actions.add_comment(change, author=user, **{**values, **overrides})


def test_a_reviewers_comment_is_kept_audited_and_its_author_told(
    change, reviewer, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        found = comment(change, reviewer)
    assert (found.change_request, found.author, found.field, found.lang) == (change, reviewer, "title", "nl")
    assert not found.is_resolved
    entry = AuditEntry.objects.get(action=Action.COMMENT)
    assert (entry.user, entry.change_request, entry.comment) == (reviewer, change, "Vertaal de titel ook.")
    assert entry.details["comment"] == found.pk
    assert (entry.details["path"], entry.details["field"], entry.details["lang"]) == ("contact", "title", "nl")
    assert Version.objects.get_for_object(found).get().revision.user == reviewer
    [message] = [message for message in mail.outbox if "comment" in message.subject]
    assert message.to == [editor.email]
    assert message.subject == f"[demo] A comment on your change request {change.pk}"
    assert "the title (nl) of the step “contact”" in message.body
    assert message.body.endswith(f"/admin/cms/changerequest/{change.pk}/change/#step-{contact_uid(change)}")


def test_someone_else_may_not_comment_and_nothing_is_written(change):
    other = factories.make_user("other", "Editors")
    with pytest.raises(ActionError, match="may not comment on request") as refused:
        comment(change, other)
    assert refused.value.code == "forbidden"
    assert not FieldComment.objects.exists()
    assert not AuditEntry.objects.filter(action=Action.COMMENT).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"step_uid": "nope"}, "has no step nope"),
        ({"field": "colour"}, "has no field “colour”"),
        ({"lang": "xx"}, "has no field “title” in “xx”"),
        ({"body": "  "}, "Write the comment first"),
    ],
)
def test_a_comment_must_point_at_a_field_of_the_request(change, reviewer, overrides, message):
    with pytest.raises(ActionError, match=message):
        comment(change, reviewer, **overrides)
    assert not FieldComment.objects.exists()


def test_a_decided_request_takes_no_more_comments(change, reviewer):
    workflow.reject(change, reviewer=reviewer, comment="Non.")
    with pytest.raises(ActionError, match="comments are for requests waiting for review"):
        comment(change, reviewer)


def test_the_author_resolves_and_the_reviewer_hears_of_it(change, reviewer, editor, django_capture_on_commit_callbacks):
    found = comment(change, reviewer)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.resolve_comment(found, user=editor)
    found.refresh_from_db()
    assert found.is_resolved
    assert found.resolved_by == editor
    entry = AuditEntry.objects.get(action=Action.RESOLVE)
    assert (entry.user, entry.details["comment"]) == (editor, found.pk)
    [message] = mail.outbox
    assert message.to == [reviewer.email]
    assert "was resolved" in message.subject
    with pytest.raises(ActionError, match="resolved already, by editor"):
        actions.resolve_comment(found, user=reviewer)


def test_only_the_author_or_a_reviewer_resolves(change, reviewer):
    found = comment(change, reviewer)
    other = factories.make_user("other", "Editors")
    with pytest.raises(ActionError, match="may not resolve comments"):
        actions.resolve_comment(found, user=other)
    found.refresh_from_db()
    assert not found.is_resolved
    assert not AuditEntry.objects.filter(action=Action.RESOLVE).exists()


def test_comments_read_as_sentences_in_the_audit_log(change, reviewer, editor):
    found = comment(change, reviewer)
    actions.resolve_comment(found, user=editor)
    entries = {entry.action: entry for entry in AuditEntry.objects.select_related("user", "wizard", "release")}
    said = audit.sentence(entries[Action.COMMENT])
    assert said == f"reviewer commented on request {change.pk} of demo: Vertaal de titel ook."
    assert audit.sentence(entries[Action.RESOLVE]) == f"editor resolved a comment on request {change.pk} of demo"
