"""The editorial workflow: submit a wizard's draft, approve or reject it, publish it (now or later), roll back.

Each action is one transaction. It locks the wizard's row first, so that every transition of one wizard happens
one at a time, checks its rules, writes, and records an audit entry (which sends its notifications on commit).
Whatever the rules refuse raises `WorkflowError`, whose message says why and what to do instead.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from reversion.models import Version

from cms import audit, checks, releases
from cms.models import AuditEntry, ChangeRequest, LiveRelease, Release
from wizard.models import LinkTarget, Node

Status = ChangeRequest.Status
Action = AuditEntry.Action


class WorkflowError(Exception):
    """An editorial action the rules refuse; the message is meant for the person who tried."""


def _require(user: AbstractBaseUser | None, permission: str, doing: str, role: str) -> None:
    if user is None or not user.is_active or not user.has_perm(permission):
        raise WorkflowError(f"{user or 'Nobody'} may not {doing}: that is for the {role}.")


def _lock_wizard(wizard: Node) -> Node:
    # Every transition of one wizard takes this lock first: two approvals, a publication and a rollback of the
    # same wizard happen one after the other, never interleaved.
    wizard = Node.objects.select_for_update().get(pk=wizard.pk)
    if not wizard.is_wizard:
        raise WorkflowError(f"“{wizard}” is a step, not a wizard: submit, publish and roll back whole wizards.")
    return wizard


def _live(wizard: Node) -> Release | None:
    pointer = LiveRelease.objects.select_for_update().filter(wizard=wizard).select_related("release").first()
    return pointer.release if pointer else None


def editors_since(wizard: Node, since: datetime | None, *, snapshots: Iterable[dict] = ()) -> set[int]:
    """Who saved, moved or deleted a step of `wizard`, or changed a link target it uses, after `since`.

    Read from the history that every admin save writes (reversion) and from the admin's deletion log;
    `snapshots` name the link targets to consider (the request's and the live release's).
    """
    versions = Version.objects.get_for_model(Node).select_related("revision")
    targets = Version.objects.get_for_model(LinkTarget).select_related("revision")
    deletions = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Node), action_flag=DELETION)
    if since is not None:
        versions = versions.filter(revision__date_created__gt=since)
        targets = targets.filter(revision__date_created__gt=since)
        deletions = deletions.filter(action_time__gt=since)
    step_ids = {str(pk) for pk in Node.objects.get_tree(wizard).values_list("pk", flat=True)}

    def in_wizard(version: Version) -> bool:
        return version.object_id in step_ids or str(version.field_dict.get("path", "")).startswith(wizard.path)

    found = {version.revision.user_id for version in versions if in_wizard(version)}
    keys = {link["key"] for snapshot in snapshots for link in snapshot.get("links", [])}
    found |= {version.revision.user_id for version in targets if version.field_dict.get("key") in keys}
    gone = {entry.object_id: entry.user_id for entry in deletions}
    if gone:
        earlier = Version.objects.get_for_model(Node).filter(object_id__in=list(gone))
        found |= {gone[version.object_id] for version in earlier if in_wizard(version)}
    found.discard(None)
    return found


def _check_base(change: ChangeRequest, live: Release | None) -> None:
    if change.base_release_id != (live.pk if live else None):
        now = f"release #{live.number}" if live else "no release"
        raise WorkflowError(
            f"Request {change.pk} was made against {_named(change.base_release)}, but {now} is live since: "
            "it would undo that. Submit the wizard again to review the changes against what is live now."
        )


def _named(release: Release | None) -> str:
    return f"release #{release.number}" if release else "no live release"


def _supersede(wizard: Node, queryset: Iterable[ChangeRequest], *, user: AbstractBaseUser | None, why: str) -> None:
    for other in queryset:
        ChangeRequest.objects.filter(pk=other.pk).update(status=Status.SUPERSEDED)
        other.status = Status.SUPERSEDED
        audit.record(wizard, Action.SUPERSEDE, user=user, change=other, comment=why)


@transaction.atomic
def submit(wizard: Node, *, author: AbstractBaseUser, note: str = "") -> ChangeRequest:
    """Freeze the wizard's draft into a change request for review, with the checks' results.

    A request still waiting for review is superseded: the new one holds its changes too.
    """
    _require(author, "cms.add_changerequest", "submit a wizard for review", "Editors")
    wizard = _lock_wizard(wizard)
    snapshot = releases.freeze(wizard)
    digest = releases.content_hash(snapshot)
    live = _live(wizard)
    if live is not None and live.content_hash == digest:
        raise WorkflowError(
            f"Nothing to review: the draft of “{wizard.slug}” is the same as live release #{live.number}."
        )
    waiting = ChangeRequest.objects.select_for_update().filter(wizard=wizard, status=Status.SUBMITTED)
    if same := waiting.filter(content_hash=digest, base_release=live).first():
        raise WorkflowError(f"This draft already waits for review as request {same.pk}.")
    change = ChangeRequest.objects.create(
        wizard=wizard,
        snapshot=snapshot,
        content_hash=digest,
        base_release=live,
        author=author,
        note=note.strip(),
        checks=checks.run(snapshot, base=live.snapshot if live else None),
    )
    _supersede(wizard, waiting.exclude(pk=change.pk), user=author, why=f"Superseded by request {change.pk}.")
    found = checks.errors(change.checks)
    details = {"errors": len(found), "warnings": len(change.checks) - len(found), "hash": digest}
    audit.record(wizard, Action.SUBMIT, user=author, change=change, comment=change.note, details=details)
    return change


@transaction.atomic
def approve(
    change: ChangeRequest, *, reviewer: AbstractBaseUser, comment: str = "", publish_at: datetime | None = None
) -> Release:
    """Approve what the reviewer saw: publish it now, or at `publish_at` (see `publish_scheduled`)."""
    _require(reviewer, "cms.review_changerequest", "approve change requests", "Reviewers")
    wizard = _lock_wizard(change.wizard)
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status != Status.SUBMITTED:
        raise WorkflowError(
            f"Only a request waiting for review can be approved; request {change.pk} is {change.get_status_display()}."
        )
    if change.author_id == reviewer.pk:
        raise WorkflowError("You submitted this request: another reviewer must approve it (four eyes).")
    live = _live(wizard)
    if reviewer.pk in editors_since(
        wizard, live.published_at if live else None, snapshots=[change.snapshot, *([live.snapshot] if live else [])]
    ):
        raise WorkflowError(
            "You edited this wizard since its live release: another reviewer must approve it (four eyes)."
        )
    _check_base(change, live)
    if releases.content_hash(releases.freeze(wizard)) != change.content_hash:
        raise WorkflowError(
            f"The draft of “{wizard.slug}” changed after request {change.pk} was submitted, so it is not what you "
            "reviewed. Reject this request, and ask for the wizard to be submitted again."
        )
    results = checks.run(change.snapshot, base=live.snapshot if live else None)
    if blocking := checks.errors(results):
        listed = " ".join(problem["message"] for problem in blocking[:3])
        more = f" (and {len(blocking) - 3} more)" if len(blocking) > 3 else ""
        raise WorkflowError(f"The checks found {len(blocking)} error(s) that block approval: {listed}{more}")

    now = timezone.now()
    scheduled = publish_at is not None and publish_at > now
    release = releases.create(wizard, snapshot=change.snapshot, user=reviewer, note=change.note)
    # The status moves only from "submitted": a decision taken meanwhile (the row lock does not exist on
    # SQLite) leaves nothing to update, and this one is refused.
    won = ChangeRequest.objects.filter(pk=change.pk, status=Status.SUBMITTED).update(
        status=Status.SCHEDULED if scheduled else Status.PUBLISHED,
        reviewer=reviewer,
        review_comment=comment.strip(),
        reviewed_at=now,
        publish_at=publish_at if scheduled else now,
        release=release,
        checks=results,
    )
    if not won:
        raise WorkflowError(f"Request {change.pk} was decided by someone else a moment ago.")
    change.refresh_from_db()
    details = {"release": release.number, "publish_at": publish_at.isoformat() if scheduled else None}
    action = Action.SCHEDULE if scheduled else Action.APPROVE
    audit.record(wizard, action, user=reviewer, change=change, release=release, comment=comment, details=details)
    if not scheduled:
        _go_live(wizard, change, user=reviewer)
    return release


def _make_live(release: Release, *, event: str) -> None:
    try:
        releases.make_live(release, event=event)
    except releases.SlugTaken as error:
        raise WorkflowError(str(error)) from None


def _go_live(wizard: Node, change: ChangeRequest, *, user: AbstractBaseUser | None) -> None:
    _make_live(change.release, event="publish")
    details = {"release": change.release.number, "scheduled": change.reviewed_at != change.publish_at}
    audit.record(wizard, Action.PUBLISH, user=user, change=change, release=change.release, details=details)
    # Whatever else waits was made against the release that is no longer live.
    others = ChangeRequest.objects.select_for_update().filter(wizard=wizard, status__in=ChangeRequest.PENDING)
    why = f"Release #{change.release.number} (request {change.pk}) went live first; submit again."
    _supersede(wizard, others.exclude(pk=change.pk), user=None, why=why)


@transaction.atomic
def reject(change: ChangeRequest, *, reviewer: AbstractBaseUser, comment: str) -> ChangeRequest:
    """Send a submitted change back to its author, with the reason."""
    _require(reviewer, "cms.review_changerequest", "reject change requests", "Reviewers")
    _lock_wizard(change.wizard)
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status != Status.SUBMITTED:
        raise WorkflowError(
            f"Only a request waiting for review can be rejected; request {change.pk} is {change.get_status_display()}."
        )
    if not comment.strip():
        raise WorkflowError("Say why the change is rejected; its author will read this.")
    won = ChangeRequest.objects.filter(pk=change.pk, status=Status.SUBMITTED).update(
        status=Status.REJECTED, reviewer=reviewer, review_comment=comment.strip(), reviewed_at=timezone.now()
    )
    if not won:
        raise WorkflowError(f"Request {change.pk} was decided by someone else a moment ago.")
    change.refresh_from_db()
    audit.record(change.wizard, Action.REJECT, user=reviewer, change=change, comment=comment.strip())
    return change


@transaction.atomic
def publish(change: ChangeRequest, *, user: AbstractBaseUser | None = None, now: datetime | None = None) -> Release:
    """Make a scheduled change live: when it is due (user None: the scheduler), or earlier by a reviewer."""
    if user is not None:
        _require(user, "cms.publish_release", "publish releases", "Reviewers")
    wizard = _lock_wizard(change.wizard)
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status != Status.SCHEDULED:
        raise WorkflowError(
            f"Only a scheduled request can be published; request {change.pk} is {change.get_status_display()}."
        )
    if user is None and change.publish_at > (now or timezone.now()):
        raise WorkflowError(f"Request {change.pk} is due at {change.publish_at:%Y-%m-%d %H:%M}, not yet.")
    _check_base(change, _live(wizard))
    if not ChangeRequest.objects.filter(pk=change.pk, status=Status.SCHEDULED).update(status=Status.PUBLISHED):
        raise WorkflowError(f"Request {change.pk} was published by another process a moment ago.")
    change.status = Status.PUBLISHED
    _go_live(wizard, change, user=user)
    return change.release


def publish_scheduled(*, now: datetime | None = None) -> list[ChangeRequest]:
    """Publish every scheduled change that is due, each in its own transaction; safe to run twice at once.

    A change whose base release is no longer live is superseded instead, and its author told.
    """
    now = now or timezone.now()
    due = ChangeRequest.objects.filter(status=Status.SCHEDULED, publish_at__lte=now)
    published = []
    for change in due.order_by("publish_at", "pk").select_related("wizard"):
        try:
            publish(change, now=now)
        except WorkflowError:
            _supersede_if_stale(change)
            continue
        published.append(change)
    return published


@transaction.atomic
def _supersede_if_stale(change: ChangeRequest) -> None:
    wizard = _lock_wizard(change.wizard)
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    live = _live(wizard)
    if change.status == Status.SCHEDULED and change.base_release_id != (live.pk if live else None):
        why = f"{_named(live).capitalize()} went live before this scheduled change; submit again."
        _supersede(wizard, [change], user=None, why=why)


@transaction.atomic
def rollback(wizard: Node, *, release: Release, user: AbstractBaseUser) -> Release:
    """Make an earlier release of `wizard` live again. The draft stays as it is."""
    _require(user, "cms.publish_release", "roll back a wizard", "Reviewers")
    wizard = _lock_wizard(wizard)
    release = Release.objects.get(pk=release.pk)
    if release.wizard_id != wizard.pk:
        raise WorkflowError(f"Release #{release.number} is a release of “{release.wizard}”, not of “{wizard}”.")
    live = _live(wizard)
    if live is not None and live.pk == release.pk:
        raise WorkflowError(f"Release #{release.number} is already live.")
    _make_live(release, event="rollback")
    details = {"from": live.number if live else None, "to": release.number}
    audit.record(wizard, Action.ROLLBACK, user=user, release=release, details=details)
    pending = ChangeRequest.objects.select_for_update().filter(wizard=wizard, status__in=ChangeRequest.PENDING)
    _supersede(wizard, pending, user=user, why=f"Rolled back to release #{release.number}; submit again.")
    return release


def _saved_since(wizard: Node, since: datetime) -> bool:
    """Whether anything may have changed the wizard's draft since `since`: a saved, moved or deleted step of it, or
    any saved link target (every write of the admin, imports and actions leaves a revision or a deletion entry)."""
    revisions = Version.objects.filter(revision__date_created__gt=since)
    if revisions.get_for_model(LinkTarget).exists():
        return True
    tree = Node.objects.get_tree(wizard).values_list("pk", flat=True)
    if revisions.get_for_model(Node).filter(object_id__in=[str(pk) for pk in tree]).exists():
        return True
    node_type = ContentType.objects.get_for_model(Node)
    return LogEntry.objects.filter(content_type=node_type, action_flag=DELETION, action_time__gt=since).exists()


def has_draft_changes(wizard: Node, live: Release | None) -> bool:
    """Whether the wizard's draft differs from its live release.

    The draft was the release's snapshot when it was made (approval checks it): unless something was saved since,
    it still is, and the draft need not be read (thousands of steps). Saves from a minute before the release count
    too, in case one raced its approval.
    """
    if live is None:
        return True
    if not _saved_since(wizard, live.published_at - timedelta(minutes=1)):
        return False
    return releases.content_hash(releases.freeze(wizard)) != live.content_hash


def draft_changed_since(change: ChangeRequest) -> bool:
    """Whether the wizard's draft differs from what `change` froze: read only if something was saved since.

    A save that raced the submission may go unseen here; approval compares the draft's hash and refuses it.
    """
    if not _saved_since(change.wizard, change.submitted_at):
        return False
    return releases.content_hash(releases.freeze(change.wizard)) != change.content_hash


def wizard_states(*, drafts: bool = True) -> list[dict[str, Any]]:
    """Each wizard with its live release, whether its draft differs, and what waits for review.

    Without `drafts`, only the wizards with nothing pending say whether their draft differs (None for the others).
    """
    states = []
    pending = ChangeRequest.objects.filter(status__in=ChangeRequest.PENDING).select_related("author")
    pointers = {pointer.wizard_id: pointer.release for pointer in LiveRelease.objects.select_related("release")}
    for wizard in Node.objects.wizards():
        live = pointers.get(wizard.pk)
        waiting = [change for change in pending if change.wizard_id == wizard.pk]
        states.append(
            {
                "wizard": wizard,
                "live": live,
                "has_draft_changes": has_draft_changes(wizard, live) if drafts or not waiting else None,
                "pending": waiting,
            }
        )
    return states
