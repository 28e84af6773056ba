from datetime import timedelta
from io import StringIO

import pytest
import reversion
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from cms import releases, workflow
from cms.models import ChangeRequest
from tests import factories
from wizard.models import wizard_step_paths


def test_publish_scheduled_publishes_what_is_due_once(live_wizard):
    editor, reviewer = factories.make_user("editor", "Editors"), factories.make_user("reviewer", "Reviewers")
    contact = wizard_step_paths(live_wizard)["contact"]
    with reversion.create_revision():
        contact.title_fr = "Plus tard"
        contact.save()
        reversion.set_user(editor)
    change = workflow.submit(live_wizard, author=editor)
    release = workflow.approve(change, reviewer=reviewer, publish_at=timezone.now() + timedelta(hours=1))
    ChangeRequest.objects.filter(pk=change.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    out = StringIO()
    call_command("publish_scheduled", stdout=out)
    assert out.getvalue() == f"published demo: request {change.pk}\n"
    assert releases.live_release(live_wizard) == release
    out = StringIO()
    call_command("publish_scheduled", stdout=out)
    assert out.getvalue() == ""


@pytest.mark.parametrize(
    ("username", "group", "may"),
    [
        ("editor", "Editors", ["wizard.add_node", "cms.add_changerequest"]),
        ("reviewer", "Reviewers", ["cms.review_changerequest", "cms.publish_release", "cms.view_auditentry"]),
        ("translator", "Translators", ["wizard.change_node", "wizard.change_linktarget"]),
    ],
)
def test_demoaccounts_use_the_groups_of_the_migration(db, username, group, may):
    call_command("demoaccounts", "--quiet")
    user = User.objects.get(username=username)
    assert [g.name for g in user.groups.all()] == [group]
    assert all(user.has_perm(permission) for permission in may)
    assert user.check_password(f"{username}-demo-password")


@pytest.mark.parametrize(
    ("group", "may_not"),
    [
        ("Editors", ["cms.review_changerequest", "cms.publish_release", "cms.view_auditentry"]),
        ("Reviewers", ["wizard.change_node", "wizard.add_node", "cms.add_changerequest"]),
        ("Translators", ["wizard.add_node", "wizard.delete_node", "cms.add_changerequest", "cms.review_changerequest"]),
    ],
)
def test_each_role_lacks_what_it_must_not_do(db, group, may_not):
    user = factories.make_user("someone", group)
    assert not any(user.has_perm(permission) for permission in may_not)


def test_demoaccounts_needs_the_migrated_groups(db):
    Group.objects.filter(name="Editors").delete()
    with pytest.raises(CommandError, match="run `manage.py migrate`"):
        call_command("demoaccounts", "--quiet")
