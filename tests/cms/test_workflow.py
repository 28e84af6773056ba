import threading
from datetime import timedelta

import pytest
import reversion
import time_machine
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from reversion.models import Revision

from cms import audit, checks, live, releases, workflow
from cms.actions import steps
from cms.models import AuditEntry, ChangeRequest, LinkCheck, LiveRelease, Release
from cms.workflow import WorkflowError
from cms.workflow.draft import _edited_since
from tests import factories
from wizard.models import LinkTarget, Node, wizard_step_paths

Status = ChangeRequest.Status


@pytest.fixture
def other_reviewer(db):
    return factories.make_user("reviewer2", "Reviewers")


def snapshot_state(wizard: Node) -> tuple:
    """Everything an action could change, to check that a refusal changed nothing."""
    return (
        list(ChangeRequest.objects.order_by("pk").values_list("pk", "status", "reviewer_id", "release_id")),
        list(Release.objects.order_by("pk").values_list("pk", flat=True)),
        list(LiveRelease.objects.values_list("wizard_id", "release_id")),
        AuditEntry.objects.count(),
    )


# Submitting ------------------------------------------------------------------------------------------------------


def test_submit_freezes_the_draft_with_its_diff_base_and_checks(change, live_wizard, editor, release):
    assert change.status == Status.SUBMITTED
    assert change.author == editor
    assert change.base_release == release
    assert change.content_hash == releases.content_hash(releases.freeze(live_wizard))
    assert change.snapshot["wizard"]["children"][1]["title"]["fr"] == "Contactez-nous"
    # The French title changed, its Dutch translation did not: a warning, which does not block.
    assert [problem for problem in change.checks if problem["check"] != "fallbacks"] == [
        {
            "level": "warning",
            "step": "contact",
            "message": "Step “contact”: the title (nl) no longer follows the French text it changes.",
            "check": "translations",
        }
    ]
    # The step it changes has no Dutch, German or English body: its readers will see French, which a reviewer hears.
    [fallback] = [problem for problem in change.checks if problem["check"] == "fallbacks"]
    assert (fallback["level"], fallback["step"]) == ("warning", "contact")
    entry = AuditEntry.objects.get(action="submit")
    assert (entry.user, entry.change_request, entry.comment) == (editor, change, "Nouveau titre")


def test_submit_tells_the_reviewers_by_email(live_wizard, editor, reviewer, django_capture_on_commit_callbacks):
    factories.edit(live_wizard, "contact", editor, title_fr="Contactez-nous")
    with django_capture_on_commit_callbacks(execute=True):
        change = workflow.submit(live_wizard, author=editor)
    assert [message.to for message in mail.outbox] == [[reviewer.email]]
    assert f"/admin/cms/changerequest/{change.pk}/change/" in mail.outbox[0].body


def test_submit_refuses_a_user_without_the_editor_role(live_wizard, reviewer):
    factories.edit(live_wizard, "contact", None, title_fr="Contactez-nous")
    before = snapshot_state(live_wizard)
    with pytest.raises(WorkflowError, match="is for the Editors"):
        workflow.submit(live_wizard, author=reviewer)
    assert snapshot_state(live_wizard) == before


def test_submit_refuses_a_draft_that_is_the_live_release(live_wizard, editor):
    with pytest.raises(WorkflowError, match="Nothing to review"):
        workflow.submit(live_wizard, author=editor)
    assert not ChangeRequest.objects.exists()


def test_submit_refuses_a_step(live_wizard, editor):
    with pytest.raises(WorkflowError, match="is a step, not a wizard"):
        workflow.submit(wizard_step_paths(live_wizard)["contact"], author=editor)


def test_submitting_again_supersedes_the_waiting_request(change, live_wizard, editor):
    factories.edit(live_wizard, "contact", editor, title_nl="Contacteer ons")
    newer = workflow.submit(live_wizard, author=editor)
    change.refresh_from_db()
    assert (change.status, newer.status) == (Status.SUPERSEDED, Status.SUBMITTED)
    with pytest.raises(WorkflowError, match=f"already waits for review as request {newer.pk}"):
        workflow.submit(live_wizard, author=editor)


def test_a_first_submission_has_no_base_release(wizard, editor, reviewer):
    change = workflow.submit(wizard, author=editor)
    assert change.base_release is None
    release = workflow.approve(change, reviewer=reviewer)
    assert releases.live_release(wizard) == release


# Approving -------------------------------------------------------------------------------------------------------


def test_approve_publishes_now_and_the_public_sees_it(change, live_wizard, reviewer, editor, release):
    new = workflow.approve(change, reviewer=reviewer, comment="Très bien")
    change.refresh_from_db()
    assert (change.status, change.reviewer, change.release) == (Status.PUBLISHED, reviewer, new)
    assert new.number == release.number + 1
    assert new.published_by == reviewer
    assert releases.live_release(live_wizard) == new
    live.forget()
    assert live.wizard("demo").steps["contact"].text("title", "fr") == ("Contactez-nous", "fr")
    actions = list(AuditEntry.objects.filter(change_request=change).order_by("pk").values_list("action", flat=True))
    assert actions == ["submit", "approve", "publish"]


def test_approve_tells_the_author(change, reviewer, editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(change, reviewer=reviewer, comment="Parfait")
    assert {tuple(message.to) for message in mail.outbox} == {(editor.email,)}
    assert any("approved" in message.subject for message in mail.outbox)
    assert any("published" in message.subject and "Parfait" not in message.body for message in mail.outbox)


def test_nobody_approves_their_own_request(change, editor):
    editor.groups.add(*factories.make_user("x", "Reviewers").groups.all())
    editor = type(editor).objects.get(pk=editor.pk)  # fresh permission cache
    before = snapshot_state(change.wizard)
    with pytest.raises(WorkflowError, match="You submitted this request"):
        workflow.approve(change, reviewer=editor)
    assert snapshot_state(change.wizard) == before


def test_nobody_who_edited_the_wizard_since_the_live_release_approves(change, live_wizard, other_reviewer, editor):
    reviewer = factories.make_user("both", "Editors", "Reviewers")
    factories.edit(live_wizard, "contact", reviewer, title_de="Kontakt")
    change = workflow.submit(live_wizard, author=editor)
    before = snapshot_state(live_wizard)
    with pytest.raises(WorkflowError, match="You edited this wizard since its live release"):
        workflow.approve(change, reviewer=reviewer)
    assert snapshot_state(live_wizard) == before
    workflow.approve(change, reviewer=other_reviewer)


def test_editing_a_used_link_target_counts_as_editing_the_wizard(change, live_wizard, editor):
    reviewer = factories.make_user("both", "Editors", "Reviewers")
    target = LinkTarget.objects.get(key="portal")
    with reversion.create_revision():
        target.name_nl = "Portaal"
        target.save()
        reversion.set_user(reviewer)
    change = workflow.submit(live_wizard, author=editor)
    with pytest.raises(WorkflowError, match="You edited this wizard"):
        workflow.approve(change, reviewer=reviewer)


def test_deleting_a_step_in_the_admin_counts_as_editing_the_wizard(change, live_wizard, editor):
    from django.contrib.admin.models import DELETION, LogEntry
    from django.contrib.contenttypes.models import ContentType

    reviewer = factories.make_user("both", "Editors", "Reviewers")
    renew = wizard_step_paths(live_wizard)["profiles/citizen/renew"]
    factories.edit(live_wizard, "profiles/citizen/renew", editor, note_fr="Une note")  # a version that names the wizard
    LogEntry.objects.create(
        user=reviewer,
        content_type=ContentType.objects.get_for_model(Node),
        object_id=str(renew.pk),
        object_repr=str(renew),
        action_flag=DELETION,
    )
    Node.objects.filter(pk=renew.pk).delete()
    change = workflow.submit(live_wizard, author=editor)
    with pytest.raises(WorkflowError, match="You edited this wizard"):
        workflow.approve(change, reviewer=reviewer)


def test_an_earlier_edit_does_not_bar_a_reviewer(live_wizard, editor):
    reviewer = factories.make_user("both", "Editors", "Reviewers")
    factories.edit(live_wizard, "contact", reviewer, title_de="Kontakt")
    factories.publish(live_wizard)  # the edit is in the live release now
    factories.edit(live_wizard, "contact", editor, title_fr="Contactez-nous")
    change = workflow.submit(live_wizard, author=editor)
    workflow.approve(change, reviewer=reviewer)


def test_approve_refuses_a_user_without_the_reviewer_role(change, editor):
    other_editor = factories.make_user("other", "Editors")
    before = snapshot_state(change.wizard)
    with pytest.raises(WorkflowError, match="is for the Reviewers"):
        workflow.approve(change, reviewer=other_editor)
    assert snapshot_state(change.wizard) == before


@pytest.mark.parametrize("status", [Status.REJECTED, Status.PUBLISHED, Status.SUPERSEDED, Status.SCHEDULED])
def test_approve_refuses_a_request_that_is_not_waiting(change, reviewer, status):
    ChangeRequest.objects.filter(pk=change.pk).update(status=status)
    before = snapshot_state(change.wizard)
    with pytest.raises(WorkflowError, match="Only a request waiting for review can be approved"):
        workflow.approve(change, reviewer=reviewer)
    assert snapshot_state(change.wizard) == before


def test_approve_publishes_what_was_reviewed_even_when_the_draft_moved_on(change, live_wizard, reviewer, editor):
    factories.edit(live_wizard, "contact", editor, body_fr="Un autre texte, pour plus tard.")
    release = workflow.approve(change, reviewer=reviewer)
    assert release.snapshot == change.snapshot
    contact = next(step for step in release.snapshot["wizard"]["children"] if step["slug"] == "contact")
    assert contact["title"]["fr"] == "Contactez-nous"
    assert contact["body"]["fr"] != "Un autre texte, pour plus tard."  # still in the draft, for a later request


def test_a_structure_change_also_waits_for_review(live_wizard, editor, reviewer):
    contact = wizard_step_paths(live_wizard)["contact"]
    profiles = wizard_step_paths(live_wizard)["profiles"]
    Node.objects.move(contact, profiles, "left")  # contact now comes first
    assert live.wizard("demo") is None or list(live.wizard("demo").root.children) == ["profiles", "contact"]
    change = workflow.submit(live_wizard, author=editor)
    [step] = releases.diff(change.base_release.snapshot, change.snapshot)["steps"]
    assert step["reordered"]
    assert step["path"] == "contact"
    workflow.approve(change, reviewer=reviewer)
    live.forget()
    assert live.wizard("demo").root.children == ["contact", "profiles"]


def test_approve_refuses_a_request_whose_base_release_was_replaced(change, live_wizard, reviewer, editor):
    factories.publish(live_wizard)  # e.g. another request published meanwhile
    before = snapshot_state(live_wizard)
    with pytest.raises(WorkflowError, match="was made against release #1, but release #2 is live"):
        workflow.approve(change, reviewer=reviewer)
    assert snapshot_state(live_wizard) == before


def test_approve_refuses_while_the_checks_find_errors(live_wizard, editor, reviewer):
    factories.edit(live_wizard, "contact", editor, body_fr="Voir [ailleurs](node:nowhere).")
    change = workflow.submit(live_wizard, author=editor)
    assert [problem["level"] for problem in change.checks if problem["check"] != "fallbacks"] == ["error"]
    before = snapshot_state(live_wizard)
    with pytest.raises(WorkflowError, match="1 error.*“ailleurs” points to the step “nowhere”"):
        workflow.approve(change, reviewer=reviewer)
    assert snapshot_state(live_wizard) == before


def test_a_rule_on_missing_translations_set_after_submission_refuses_approval_clearly(
    live_wizard, editor, reviewer, settings
):
    """Approval keeps the checks found at submission (cms.checks.current); the release still refuses what the
    settings forbid now, and approval says so as any refusal, changing nothing."""
    factories.edit(live_wizard, "contact", editor, title_fr="Contactez-nous")  # no Dutch title any more
    change = workflow.submit(live_wizard, author=editor)
    settings.WIZARD_PUBLISH_WITH_MISSING_TRANSLATIONS = False
    before = snapshot_state(live_wizard)
    with pytest.raises(WorkflowError, match="cannot be published with missing translations"):
        workflow.approve(change, reviewer=reviewer)
    assert snapshot_state(live_wizard) == before


def test_warnings_do_not_block_approval(live_wizard, editor, reviewer):
    url = "https://www.example.org/fr/contact"
    LinkCheck.objects.create(url=url, status=LinkCheck.Status.UNSTABLE, error="timed out")
    factories.edit(live_wizard, "contact", editor, title_fr="Contactez-nous")
    change = workflow.submit(live_wizard, author=editor)
    found = [problem["check"] for problem in change.checks]
    assert sorted(found) == ["fallbacks", "links", "translations"]  # all warnings
    workflow.approve(change, reviewer=reviewer)


def test_approve_asks_the_link_checker_again_and_keeps_the_other_findings_of_the_submission(
    live_wizard, editor, reviewer, monkeypatch
):
    factories.edit(live_wizard, "contact", editor, body_fr="Voir [le site](https://gone.example.org/).")
    change = workflow.submit(live_wizard, author=editor)
    assert not checks.errors(change.checks)
    # The link broke since: the approval sees it, without running the checks that read every step again.
    LinkCheck.objects.create(url="https://gone.example.org/", status=LinkCheck.Status.BROKEN, http_status=404)
    for name in ("structure", "references", "languages", "translations", "fallbacks"):
        monkeypatch.setattr(checks, name, lambda *args, **kwargs: pytest.fail("run again at approval"))
    with pytest.raises(WorkflowError, match="1 error.*https://gone.example.org/ is gone"):
        workflow.approve(change, reviewer=reviewer)
    LinkCheck.objects.filter(url="https://gone.example.org/").update(status=LinkCheck.Status.OK, http_status=200)
    workflow.approve(change, reviewer=reviewer)
    change.refresh_from_db()
    assert change.status == Status.PUBLISHED


def test_approve_decodes_the_requests_snapshot_once_and_never_reads_the_new_release_back(change, reviewer):
    with CaptureQueriesContext(connection) as queries:
        release = workflow.approve(change, reviewer=reviewer)
    selects = [query["sql"] for query in queries if query["sql"].lstrip().upper().startswith("SELECT")]

    def reads(table: str, pk: int) -> int:
        return sum(f'"{table}"."snapshot"' in sql and f'WHERE "{table}"."id" = {pk} ' in sql for sql in selects)

    assert reads("cms_changerequest", change.pk) == 1  # locked and checked, then written: not read back
    assert reads("cms_release", release.pk) == 0  # made from that snapshot: not read back to go live
    change.refresh_from_db()
    assert (change.status, change.release) == (Status.PUBLISHED, release)


def test_approve_with_a_time_schedules_it(change, live_wizard, reviewer, release):
    at = timezone.now() + timedelta(hours=2)
    new = workflow.approve(change, reviewer=reviewer, publish_at=at)
    change.refresh_from_db()
    assert (change.status, change.publish_at, change.release) == (Status.SCHEDULED, at, new)
    assert releases.live_release(live_wizard) == release  # not yet
    assert workflow.publish_scheduled() == []
    assert [c.pk for c in workflow.publish_scheduled(now=at + timedelta(seconds=1))] == [change.pk]
    change.refresh_from_db()
    assert change.status == Status.PUBLISHED
    assert releases.live_release(live_wizard) == new
    assert workflow.publish_scheduled(now=at + timedelta(seconds=2)) == []  # idempotent


def test_a_scheduled_change_whose_base_was_replaced_is_superseded_not_published(change, live_wizard, reviewer):
    at = timezone.now() + timedelta(hours=2)
    workflow.approve(change, reviewer=reviewer, publish_at=at)
    newer = factories.publish(live_wizard)
    assert workflow.publish_scheduled(now=at + timedelta(minutes=1)) == []
    change.refresh_from_db()
    assert change.status == Status.SUPERSEDED
    assert releases.live_release(live_wizard) == newer


def test_a_scheduled_change_that_cannot_go_live_is_marked_failed_and_its_people_told(
    live_wizard, editor, reviewer, django_capture_on_commit_callbacks
):
    factories.edit(live_wizard, "", editor, slug="renamed")
    change = workflow.submit(live_wizard, author=editor)
    at = timezone.now() + timedelta(hours=2)
    workflow.approve(change, reviewer=reviewer, publish_at=at)
    factories.edit(live_wizard, "", editor, slug="demo")
    factories.publish(factories.make_wizard("renamed"))  # meanwhile, another wizard went live at that address
    with django_capture_on_commit_callbacks(execute=True):
        assert workflow.publish_scheduled(now=at + timedelta(minutes=1)) == []
    change.refresh_from_db()
    assert change.status == Status.FAILED
    assert "“renamed” belongs to another live wizard" in change.failure
    entry = AuditEntry.objects.get(action="fail")
    assert (entry.change_request, entry.comment) == (change, change.failure)
    told = [message for message in mail.outbox if "could not be published" in message.subject]
    assert len(told) == 1
    assert sorted(told[0].to) == sorted([editor.email, reviewer.email])
    assert change.failure in told[0].body
    # Not tried again, and not silently: nothing more is written at the next run.
    assert workflow.publish_scheduled(now=at + timedelta(minutes=2)) == []
    assert AuditEntry.objects.filter(action="fail").count() == 1


def test_two_wizards_cannot_go_live_under_one_address(db, reviewer):
    first, second = (
        releases.create(factories.make_wizard(slug), snapshot=same_address(slug), user=None)
        for slug in ("first", "second")
    )
    workflow.rollback(first.wizard, release=first, user=reviewer)
    with pytest.raises(WorkflowError, match="“same” belongs to another live wizard"):
        workflow.rollback(second.wizard, release=second, user=reviewer)
    assert LiveRelease.objects.get(slug="same").release == first


def same_address(slug: str) -> dict:
    snapshot = releases.freeze(Node.objects.get(slug=slug, depth=1))
    snapshot["wizard"]["slug"] = snapshot["end"] = "same"
    return snapshot


def test_a_reviewer_may_publish_a_scheduled_change_early(change, live_wizard, reviewer, editor):
    workflow.approve(change, reviewer=reviewer, publish_at=timezone.now() + timedelta(days=1))
    with pytest.raises(WorkflowError, match="is for the Reviewers"):
        workflow.publish(change, user=editor)
    with pytest.raises(WorkflowError, match="not yet"):
        workflow.publish(change)
    release = workflow.publish(change, user=reviewer)
    assert releases.live_release(live_wizard) == release


def test_publishing_makes_a_request_of_the_whole_draft_made_before_items_stale(change, live_wizard, reviewer, editor):
    other = ChangeRequest.objects.create(
        wizard=live_wizard,
        snapshot=change.snapshot,
        content_hash="x",
        base_release=change.base_release,
        author=editor,
    )
    workflow.approve(change, reviewer=reviewer)
    other.refresh_from_db()
    assert other.status == Status.STALE
    assert "both hold the whole draft" in other.failure


# Rejecting -------------------------------------------------------------------------------------------------------


def test_reject_needs_a_comment_and_tells_the_author(change, reviewer, editor, django_capture_on_commit_callbacks):
    before = snapshot_state(change.wizard)
    with pytest.raises(WorkflowError, match="Say why"):
        workflow.reject(change, reviewer=reviewer, comment="  ")
    assert snapshot_state(change.wizard) == before
    with django_capture_on_commit_callbacks(execute=True):
        workflow.reject(change, reviewer=reviewer, comment="Le titre est trop vague.")
    change.refresh_from_db()
    assert (change.status, change.review_comment) == (Status.REJECTED, "Le titre est trop vague.")
    assert mail.outbox[-1].to == [editor.email]
    assert "Le titre est trop vague." in mail.outbox[-1].body


def test_reject_refuses_without_the_role_and_when_not_waiting(change, editor, reviewer):
    with pytest.raises(WorkflowError, match="is for the Reviewers"):
        workflow.reject(change, reviewer=factories.make_user("nobody"), comment="Non")
    workflow.reject(change, reviewer=reviewer, comment="Non")
    with pytest.raises(WorkflowError, match="Only a request waiting for review can be rejected"):
        workflow.reject(change, reviewer=reviewer, comment="Encore non")


def test_a_rollback_tells_the_reviewers(live_wizard, release, reviewer, django_capture_on_commit_callbacks):
    factories.publish(live_wizard)
    other = factories.make_user("reviewer2", "Reviewers")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.rollback(live_wizard, release=release, user=reviewer, reason="Erreur dans le texte")
    [message] = mail.outbox
    assert sorted(message.to) == sorted([reviewer.email, other.email])
    assert message.subject == "[demo] Rolled back to release #1"


def test_nothing_is_sent_when_the_action_fails(change, reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(WorkflowError):
        workflow.reject(change, reviewer=reviewer, comment="")
    assert mail.outbox == []


# Rolling back ----------------------------------------------------------------------------------------------------


def test_rollback_makes_an_earlier_release_live_again(change, live_wizard, reviewer, release):
    workflow.approve(change, reviewer=reviewer)
    assert workflow.rollback(live_wizard, release=release, user=reviewer, reason="Erreur dans le texte") == release
    assert releases.live_release(live_wizard) == release
    live.forget()
    assert live.wizard("demo").steps["contact"].text("title", "fr") == ("Titre contact", "fr")
    entry = AuditEntry.objects.get(action="rollback")
    assert (entry.user, entry.release, entry.comment) == (reviewer, release, "Erreur dans le texte")
    assert entry.details == {"from": 2, "to": 1, "withdrawn": [change.pk]}


def test_rollback_refuses_a_release_of_another_wizard(live_wizard, reviewer):
    other = factories.make_wizard("autre")
    other_release = factories.publish(other)
    before = snapshot_state(live_wizard)
    with pytest.raises(WorkflowError, match="is a release of “Titre autre”, not of “Titre demo”"):
        workflow.rollback(live_wizard, release=other_release, user=reviewer, reason="Erreur dans le texte")
    assert snapshot_state(live_wizard) == before


def test_rollback_refuses_the_live_release_and_users_without_the_role(live_wizard, release, reviewer, editor):
    with pytest.raises(WorkflowError, match="already live"):
        workflow.rollback(live_wizard, release=release, user=reviewer, reason="Erreur dans le texte")
    factories.publish(live_wizard)
    before = snapshot_state(live_wizard)
    with pytest.raises(WorkflowError, match="is for the Reviewers"):
        workflow.rollback(live_wizard, release=release, user=editor, reason="Erreur dans le texte")
    assert snapshot_state(live_wizard) == before


def test_rollback_supersedes_what_waits(change, live_wizard, reviewer):
    factories.publish(live_wizard)
    workflow.rollback(live_wizard, release=change.base_release, user=reviewer, reason="Erreur dans le texte")
    change.refresh_from_db()
    assert change.status == Status.SUPERSEDED


def test_a_rollback_without_a_reason_keeps_to_the_contract(live_wizard, release, reviewer):
    factories.publish(live_wizard)
    assert workflow.rollback(live_wizard, release=release, user=reviewer) == release
    assert LiveRelease.objects.get(wizard=live_wizard).release == release
    assert AuditEntry.objects.get(action="rollback").comment == ""


def test_a_rollback_tells_the_authors_whose_work_leaves_the_site(
    change, live_wizard, release, reviewer, django_capture_on_commit_callbacks
):
    workflow.approve(change, reviewer=factories.make_user("reviewer2", "Reviewers"))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.rollback(live_wizard, release=release, user=reviewer, reason="Les horaires sont faux")
    [to_author] = [message for message in mail.outbox if message.to == [change.author.email]]
    assert to_author.subject == f"[demo] Your change request {change.pk} left the public site"
    assert "Les horaires sont faux" in to_author.body
    assert "release #1" in to_author.body


def test_rolling_forward_withdraws_nobodys_work(change, live_wizard, release, reviewer):
    second = workflow.approve(change, reviewer=reviewer)
    workflow.rollback(live_wizard, release=release, user=reviewer, reason="Erreur")
    workflow.rollback(live_wizard, release=second, user=reviewer, reason="Finalement correct")
    entry = AuditEntry.objects.filter(action="rollback").first()
    assert (entry.release, entry.details["withdrawn"]) == (second, [])


# The audit log ---------------------------------------------------------------------------------------------------


def test_the_audit_log_refuses_updates(change):
    entry = AuditEntry.objects.get(action="submit")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(comment="rewritten")
    entry.refresh_from_db()
    assert entry.comment == "Nouveau titre"


# Concurrency -----------------------------------------------------------------------------------------------------


def test_a_stale_copy_of_a_decided_request_cannot_be_approved_again(change, reviewer, other_reviewer):
    first, second = ChangeRequest.objects.get(pk=change.pk), ChangeRequest.objects.get(pk=change.pk)
    workflow.approve(first, reviewer=reviewer)
    with pytest.raises(WorkflowError, match="Only a request waiting for review"):
        workflow.approve(second, reviewer=other_reviewer)
    assert Release.objects.count() == 2


def test_a_scheduler_that_read_the_due_list_late_publishes_nothing_twice(change, live_wizard, reviewer):
    at = timezone.now() + timedelta(minutes=5)
    release = workflow.approve(change, reviewer=reviewer, publish_at=at)
    seen_by_second = ChangeRequest.objects.get(pk=change.pk)  # read as "scheduled" by a second scheduler
    assert [c.pk for c in workflow.publish_scheduled(now=at)] == [change.pk]
    with pytest.raises(WorkflowError, match="Only a scheduled request can be published"):
        workflow.publish(seen_by_second, now=at)
    assert AuditEntry.objects.filter(action="publish").count() == 1
    assert releases.live_release(live_wizard) == release


def run_at_once(*calls):
    """Run the calls in threads, each on its own database connection, released together; their outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:  # noqa: BLE001 - the outcome is what the test looks at
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


needs_row_locks = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="threads need separate connections to a server database"
)


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_two_reviewers_approving_at_once_publish_once(roles):
    wizard = factories.make_wizard()
    factories.publish(wizard)
    editor = factories.make_user("editor", "Editors")
    reviewers = [factories.make_user(f"reviewer{i}", "Reviewers") for i in range(2)]
    factories.edit(wizard, "contact", editor, title_fr="Contactez-nous")
    change = workflow.submit(wizard, author=editor)
    outcomes = run_at_once(*(lambda r=r: workflow.approve(change, reviewer=r) for r in reviewers))
    assert sorted(isinstance(outcome, WorkflowError) for outcome in outcomes) == [False, True]
    assert Release.objects.count() == 2
    assert AuditEntry.objects.filter(action="publish").count() == 1


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_publish_once(roles):
    wizard = factories.make_wizard()
    factories.publish(wizard)
    editor, reviewer = factories.make_user("editor", "Editors"), factories.make_user("reviewer", "Reviewers")
    factories.edit(wizard, "contact", editor, title_fr="Contactez-nous")
    change = workflow.submit(wizard, author=editor)
    at = timezone.now() + timedelta(minutes=5)
    release = workflow.approve(change, reviewer=reviewer, publish_at=at)
    later = at + timedelta(minutes=1)
    outcomes = run_at_once(lambda: workflow.publish_scheduled(now=later), lambda: workflow.publish_scheduled(now=later))
    assert sorted(len(outcome) for outcome in outcomes) == [0, 1]
    assert AuditEntry.objects.filter(action="publish").count() == 1
    assert releases.live_release(wizard) == release


@needs_row_locks
@pytest.mark.django_db(transaction=True)
def test_two_wizards_going_live_under_one_address_at_once_get_a_clear_refusal(roles):
    reviewer = factories.make_user("reviewer", "Reviewers")
    made = [releases.create(factories.make_wizard(slug), snapshot=same_address(slug), user=None) for slug in ("a", "b")]
    outcomes = run_at_once(*(lambda r=r: workflow.rollback(r.wizard, release=r, user=reviewer) for r in made))
    refused = [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert len(refused) == 1, outcomes
    assert isinstance(refused[0], WorkflowError), refused[0]
    assert "belongs to another live wizard" in str(refused[0])
    assert LiveRelease.objects.filter(slug="same").count() == 1
    assert AuditEntry.objects.filter(action="rollback").count() == 1


# Draft state ------------------------------------------------------------------------------------------------------


def test_a_wizard_nobody_saved_since_its_release_is_not_read_again(live_wizard, monkeypatch):
    Revision.objects.update(date_created=timezone.now() - timedelta(hours=1))  # the import, well before
    monkeypatch.setattr(releases, "freeze", lambda wizard: pytest.fail("the draft was read"))
    assert workflow.has_draft_changes(live_wizard, releases.live_release(live_wizard)) is False


def test_a_save_since_the_release_is_compared_with_it_exactly(live_wizard, editor):
    Revision.objects.update(date_created=timezone.now() - timedelta(hours=1))
    live = releases.live_release(live_wizard)
    title = wizard_step_paths(live_wizard)["contact"].title_fr
    factories.edit(live_wizard, "contact", editor, title_fr="Autre titre")
    assert workflow.has_draft_changes(live_wizard, live) is True
    factories.edit(live_wizard, "contact", editor, title_fr=title)  # saved back as it was: the same as live
    assert workflow.has_draft_changes(live_wizard, live) is False


def test_a_save_in_another_wizard_is_not_a_save_of_this_one(live_wizard, editor, django_assert_max_num_queries):
    Revision.objects.update(date_created=timezone.now() - timedelta(hours=1))
    live = releases.live_release(live_wizard)
    other = factories.make_wizard(slug="other")
    factories.edit(other, "contact", editor, title_fr="Ailleurs")
    with django_assert_max_num_queries(6):  # the versions saved since, never the wizard's tree
        assert _edited_since(live_wizard, live) is False
    factories.edit(live_wizard, "contact", editor, title_fr="Ici")
    assert _edited_since(live_wizard, live) is True


# Requests in parts -----------------------------------------------------------------------------------------------


def new_section(wizard: Node, user) -> Node:
    """An unfinished new section (a choice with one task under it), added through the actions."""
    section = steps.create_step(
        Node(slug="section", kind="choice", title_fr="Nouvelle section"), user=user, reference=wizard
    )
    steps.create_step(
        Node(slug="draft", kind="task", title_fr="Brouillon", body_fr="Voir [contact](node:contact)."),
        user=user,
        reference=section,
    )
    return section


@pytest.fixture
def editor2(db):
    return factories.make_user("editor2", "Editors")


def test_an_urgent_fix_goes_live_alone_while_an_unfinished_section_stays_in_the_draft(
    live_wizard, editor, editor2, reviewer
):
    new_section(live_wizard, editor2)
    contact = factories.edit(live_wizard, "contact", editor, title_fr="Contact (urgent)")
    draft, found = workflow.draft_items(live_wizard, releases.live_release(live_wizard))
    assert {item["path"] for item in found} == {"contact", "section", "section/draft"}
    change = workflow.submit(live_wizard, author=editor, items=[f"step:{contact.uid}"], note="Urgent")
    assert [item["id"] for item in change.items] == [f"step:{contact.uid}"]
    assert [step["slug"] for step in change.snapshot["wizard"]["children"]] == ["profiles", "contact"]
    release = workflow.approve(change, reviewer=reviewer)
    live_slugs = [step["slug"] for step in release.snapshot["wizard"]["children"]]
    assert live_slugs == ["profiles", "contact"]  # the section is not public
    assert wizard_step_paths(live_wizard)["section/draft"]  # and still in the draft
    _draft, left = workflow.draft_items(live_wizard, release)
    assert {item["path"] for item in left} == {"section", "section/draft"}


def test_changes_left_out_of_a_release_stay_unsubmitted_however_long_ago_they_were_saved(
    live_wizard, editor, editor2, reviewer
):
    with time_machine.travel(timezone.now() - timedelta(hours=1), tick=True):
        new_section(live_wizard, editor2)
        contact = factories.edit(live_wizard, "contact", editor, title_fr="Contact (urgent)")
        change = workflow.submit(live_wizard, author=editor, items=[f"step:{contact.uid}"], note="Urgent")
    release = workflow.approve(change, reviewer=reviewer)  # an hour after the section was saved
    found, authors = workflow.unsubmitted(live_wizard, release)
    assert {item["path"]: authors[item["id"]] for item in found} == {
        "section": ["editor2"],
        "section/draft": ["editor2"],
    }
    assert workflow.wizard_states()[0]["has_draft_changes"] is True


def test_a_chosen_step_under_a_new_section_brings_the_section_and_says_why(live_wizard, editor):
    new_section(live_wizard, editor)
    task = wizard_step_paths(live_wizard)["section/draft"]
    change = workflow.submit(live_wizard, author=editor, items=[f"step:{task.uid}"])
    reasons = {item["path"]: item["reason"] for item in change.items}
    assert reasons == {"section/draft": "", "section": "it is the new parent of “section/draft”"}
    entry = AuditEntry.objects.get(change_request=change, action=AuditEntry.Action.SUBMIT)
    assert (entry.details["items"], entry.details["added"], entry.details["of"]) == (2, 1, 2)


def test_submit_refuses_an_item_that_no_longer_differs(live_wizard, editor):
    factories.edit(live_wizard, "contact", editor, title_fr="Contact")
    with pytest.raises(WorkflowError, match="no longer differs from the live release"):
        workflow.submit(live_wizard, author=editor, items=["step:00000000-0000-0000-0000-000000000000"])
    assert not ChangeRequest.objects.exists()


def test_several_requests_wait_at_once_and_a_new_one_supersedes_only_those_it_covers(live_wizard, editor, editor2):
    contact = factories.edit(live_wizard, "contact", editor, title_fr="Contact")
    section = new_section(live_wizard, editor2)
    first = workflow.submit(live_wizard, author=editor, items=[f"step:{contact.uid}"])
    second = workflow.submit(live_wizard, author=editor2, items=[f"step:{section.uid}"])
    assert {first.status, second.status} == {Status.SUBMITTED}
    factories.edit(live_wizard, "contact", editor, title_fr="Contact, encore")
    third = workflow.submit(live_wizard, author=editor, items=[f"step:{contact.uid}"])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, third.status) == (Status.SUPERSEDED, Status.SUBMITTED, Status.SUBMITTED)


def test_when_one_goes_live_a_waiting_request_on_other_items_is_rebased_and_reviewed_again(
    live_wizard, editor, editor2, reviewer, other_reviewer, django_capture_on_commit_callbacks
):
    contact = factories.edit(live_wizard, "contact", editor, title_fr="Contact (urgent)")
    new_section(live_wizard, editor2)
    task = wizard_step_paths(live_wizard)["section/draft"]
    urgent = workflow.submit(live_wizard, author=editor, items=[f"step:{contact.uid}"])
    later = workflow.submit(live_wizard, author=editor2, items=[f"step:{task.uid}"])
    assert len(later.items) == 2  # the task and its new section
    # The later one is approved for tomorrow, then the urgent one goes live today.
    workflow.approve(later, reviewer=reviewer, publish_at=timezone.now() + timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        release = workflow.approve(urgent, reviewer=other_reviewer)
    later.refresh_from_db()
    assert later.status == Status.SUBMITTED  # the approval was for another snapshot
    assert (later.reviewer, later.release, later.publish_at) == (None, None, None)
    assert later.base_release == release
    titles = {step["slug"]: step["title"]["fr"] for step in later.snapshot["wizard"]["children"]}
    assert titles == {"profiles": "Titre profiles", "contact": "Contact (urgent)", "section": "Nouvelle section"}
    assert later.content_hash == releases.content_hash(later.snapshot)
    rebase = AuditEntry.objects.get(change_request=later, action=AuditEntry.Action.REBASE)
    assert rebase.details["unapproved"] is True
    assert rebase.details["to"] == release.number
    assert audit.sentence(rebase) == f"Request {later.pk} of demo was rebased on release #{release.number}"
    # It is the rebased snapshot a reviewer approves, and that goes live.
    final = workflow.approve(later, reviewer=reviewer)
    assert final.snapshot == later.snapshot


def test_when_one_goes_live_a_waiting_request_on_the_same_step_is_stale_and_its_author_told(
    live_wizard, editor, editor2, reviewer, django_capture_on_commit_callbacks
):
    contact = factories.edit(live_wizard, "contact", editor, title_fr="Contact (urgent)")
    first = workflow.submit(live_wizard, author=editor, items=[f"step:{contact.uid}"])
    factories.edit(live_wizard, "contact", editor2, body_fr="Appelez-nous.")
    second = workflow.submit(live_wizard, author=editor2, items=[f"step:{contact.uid}"])
    ChangeRequest.objects.filter(pk=first.pk).update(status=Status.SUBMITTED)  # as if submitted apart
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.approve(first, reviewer=reviewer)
    second.refresh_from_db()
    assert second.status == Status.STALE
    assert "changed the same steps or link targets: “contact”" in second.failure
    entry = AuditEntry.objects.get(change_request=second, action=AuditEntry.Action.STALE)
    assert entry.comment == second.failure
    assert audit.sentence(entry) == f"Request {second.pk} of demo was marked stale: {second.failure}"
    assert any(m.to == ["editor2@example.org"] and "stale" in m.subject for m in mail.outbox)
    with pytest.raises(WorkflowError, match="Only a request waiting for review can be approved"):
        workflow.approve(second, reviewer=reviewer)


def test_a_translator_submits_translations_only_and_a_reviewer_approves(live_wizard, editor, reviewer):
    translator = factories.make_user("translator", "Translators")
    contact = factories.edit(live_wizard, "contact", translator, title_nl="Contact (nl)")
    profiles = factories.edit(live_wizard, "profiles", editor, title_fr="Profils")
    with pytest.raises(WorkflowError, match="Translators submit changes of translated texts only"):
        workflow.submit(live_wizard, author=translator, items=[f"step:{profiles.uid}"])
    change = workflow.submit(live_wizard, author=translator)  # by default, the translations alone
    assert [item["id"] for item in change.items] == [f"step:{contact.uid}"]
    with pytest.raises(WorkflowError, match="that is for the Reviewers"):
        workflow.approve(change, reviewer=translator)  # four eyes: the translator does not review
    release = workflow.approve(change, reviewer=reviewer)
    live_contact = next(step for step in release.snapshot["wizard"]["children"] if step["slug"] == "contact")
    assert live_contact["title"]["nl"] == "Contact (nl)"
    assert release.snapshot["wizard"]["children"][0]["title"]["fr"] == "Titre profiles"


def test_someone_who_neither_edits_nor_translates_cannot_submit(live_wizard, reviewer):
    factories.edit(live_wizard, "contact", None, title_nl="Contact (nl)")
    with pytest.raises(WorkflowError, match="is for the Editors or Translators"):
        workflow.submit(live_wizard, author=reviewer)
