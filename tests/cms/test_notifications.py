import logging

import pytest
from django.contrib.auth.models import Permission

from cms import audit, notifications
from cms.models import AuditEntry
from tests import factories

Action = AuditEntry.Action


def entry(change, action: str, **kwargs) -> AuditEntry:
    return audit.record(change.wizard, action, user=kwargs.pop("user", None), change=change, **kwargs)


def test_reviewers_are_those_granted_the_permission_with_an_email(db, reviewer):
    direct = factories.make_user("direct")
    direct.user_permissions.add(Permission.objects.get(codename="review_changerequest"))
    factories.make_user("superuser", superuser=True)  # may do everything, but did not ask for these emails
    factories.make_user("editor2", "Editors")
    gone = factories.make_user("gone", "Reviewers")
    gone.is_active = False
    gone.save()
    silent = factories.make_user("silent", "Reviewers")
    silent.email = ""
    silent.save()
    found = notifications.users_with_permission("review_changerequest")
    assert sorted(user.username for user in found) == ["direct", "reviewer"]


def test_a_submitted_change_is_announced_to_the_reviewers_but_its_author(change, editor, reviewer, settings):
    settings.SITE_URL = "https://cms.example.org"
    editor.groups.add(*reviewer.groups.all())  # an author who reviews too is not told of their own request
    [message] = notifications.messages(AuditEntry.objects.get(action=Action.SUBMIT))
    assert message.to == [reviewer.email]
    assert message.subject == f"[demo] Change request {change.pk} waits for review"
    assert "Nouveau titre" in message.body
    assert f"https://cms.example.org/admin/cms/changerequest/{change.pk}/change/" in message.body


@pytest.mark.parametrize(
    ("action", "outcome"),
    [(Action.APPROVE, "approved"), (Action.REJECT, "rejected"), (Action.PUBLISH, "published")],
)
def test_the_author_hears_what_became_of_their_request(change, editor, reviewer, action, outcome):
    [message] = notifications.messages(entry(change, action, user=reviewer, comment="Vu."))
    assert message.to == [editor.email]
    assert message.subject == f"[demo] Your change request {change.pk} was {outcome}"
    assert f"was {outcome} by reviewer." in message.body
    assert "Vu." in message.body


@pytest.mark.parametrize("action", [Action.REVERT, Action.RECOVER])
def test_editing_steps_sends_nothing(change, action):
    assert notifications.messages(entry(change, action)) == []


def test_a_mail_server_that_is_down_is_logged_and_raised_for_the_task_to_try_again(
    change, reviewer, monkeypatch, caplog
):
    def down(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr(notifications, "send_mass_mail", down)
    with caplog.at_level(logging.WARNING, logger="cms.notifications"), pytest.raises(ConnectionRefusedError):
        notifications.send(AuditEntry.objects.get(action=Action.SUBMIT).pk)
    assert "Could not send the notifications of audit entry" in caplog.text
