"""Four eyes through a link target whose key was renamed (issue 17, item 3)."""

import pytest
import reversion

from cms import workflow
from cms.models import ChangeRequest, Release
from cms.workflow import WorkflowError
from tests import factories
from wizard.models import LinkTarget


def save_as(user, target: LinkTarget) -> None:
    """Save a link target as the admin does: inside a revision, by `user`."""
    with reversion.create_revision():
        target.save()
        reversion.set_user(user)


def test_renaming_a_link_targets_key_does_not_hide_who_created_it(live_wizard, editor):
    dual = factories.make_user("dual", "Editors", "Reviewers")
    # The user with both roles adds a link target to a phishing site under a throwaway key…
    phishing = LinkTarget(key="tmp-dual", name_fr="Portail officiel", url_fr="https://evil.example/phish")
    save_as(dual, phishing)
    # … another editor renames its key to something official, links to it and submits …
    phishing.key = "official-portal"
    save_as(editor, phishing)
    factories.edit(live_wizard, "contact", editor, body_fr="Allez sur [le portail](link:official-portal).")
    change = workflow.submit(live_wizard, author=editor)
    # … and the first user may not approve what their own link target brings to the public.
    releases_before = Release.objects.count()
    with pytest.raises(WorkflowError, match="You edited this wizard since its live release"):
        workflow.approve(change, reviewer=dual)
    assert Release.objects.count() == releases_before
    assert ChangeRequest.objects.get(pk=change.pk).status == ChangeRequest.Status.SUBMITTED
    workflow.approve(change, reviewer=factories.make_user("other", "Reviewers"))


def test_an_edit_made_while_the_link_target_had_another_key_counts(live_wizard, editor):
    dual = factories.make_user("dual", "Editors", "Reviewers")
    portal = LinkTarget.objects.get(key="portal")  # used by the live release
    portal.key = "portal-old"
    save_as(editor, portal)
    portal.url_fr = "https://evil.example/phish"
    save_as(dual, portal)
    portal.key = "portal"  # back under the key that the releases name
    save_as(editor, portal)
    change = workflow.submit(live_wizard, author=editor)
    assert dual.pk in workflow.editors_since(live_wizard, None, snapshots=[change.snapshot])
    with pytest.raises(WorkflowError, match="You edited this wizard"):
        workflow.approve(change, reviewer=dual)
