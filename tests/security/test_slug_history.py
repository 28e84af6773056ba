"""Attack: read the slugs of steps approved for later (or never published) through the site's 410 and 301 answers."""

from datetime import timedelta

import pytest
import reversion
from django.utils import timezone

from cms import live, workflow
from cms.models import ChangeRequest
from tests import factories
from wizard.models import Node

UNKNOWN = "/fr/demo/no-such-step/"


@pytest.fixture
def reviewer_two(db):
    return factories.make_user("reviewer2", "Reviewers")


def add_step(wizard: Node, slug: str, user) -> None:
    with reversion.create_revision():
        Node.objects.add_child(wizard, create_kwargs={"slug": slug, "kind": "info", "title_fr": f"Titre {slug}"})
        reversion.set_user(user)


def schedule(wizard: Node, slug: str, *, editor, reviewer) -> ChangeRequest:
    add_step(wizard, slug, editor)
    change = workflow.submit(wizard, author=editor)
    workflow.approve(change, reviewer=reviewer, publish_at=timezone.now() + timedelta(days=365))
    change.refresh_from_db()
    assert change.status == ChangeRequest.Status.SCHEDULED
    return change


def assert_answers_like_an_unknown_step(client, url: str) -> None:
    unknown, probe = client.get(UNKNOWN), client.get(url)
    assert (probe.status_code, probe.content) == (unknown.status_code, unknown.content) == (404, unknown.content)


def test_never_live_slugs_do_not_leak(client, live_wizard, editor, reviewer, reviewer_two):
    # A step approved for next year: its release exists, and is not live.
    schedule(live_wizard, "next-year", editor=editor, reviewer=reviewer)
    assert_answers_like_an_unknown_step(client, "/fr/demo/next-year/")

    # Another change goes live first: the scheduled request is rebased (it waits for review again: its approval
    # was for another snapshot), and its release is dropped, never having been live.
    with reversion.create_revision():
        Node.objects.get(slug="next-year").delete()
    factories.edit(live_wizard, "contact", editor, slug="help")
    workflow.approve(workflow.submit(live_wizard, author=editor), reviewer=reviewer_two)
    live.forget()
    rebased = ChangeRequest.objects.get(status=ChangeRequest.Status.SUBMITTED)
    assert (rebased.release, rebased.publish_at) == (None, None)
    assert_answers_like_an_unknown_step(client, "/fr/demo/next-year/")
    assert client.get("/fr/demo/contact/")["Location"] == "/fr/demo/help/"  # what was live does answer

    # A rollback makes the first release live again: what the public saw since answers 301 or 410, never more.
    workflow.rollback(
        live_wizard, release=live_wizard.releases.get(number=1), user=reviewer, reason="Erreur dans le texte"
    )
    live.forget()
    assert client.get("/fr/demo/help/")["Location"] == "/fr/demo/contact/"
    assert client.get("/fr/demo/contact/").status_code == 200
    assert_answers_like_an_unknown_step(client, "/fr/demo/next-year/")
