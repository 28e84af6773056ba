"""The actions on change requests: submit a wizard's draft, approve or reject it, publish it (now or later), roll back.

Each action is one transaction. It locks the wizard's row first, so that every transition of one wizard happens
one at a time, checks its rules, writes, and records an audit entry (which sends its notifications on commit).
Whatever the rules refuse raises `WorkflowError`, whose message says why and what to do instead. When a request goes
live, the others waiting for the same wizard are rebased on it or marked stale (`_rebase_or_stale`).
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from cms import audit, checks, parts, releases, review
from cms.actions import publishing
from cms.errors import ActionError
from cms.linkcheck import jobs
from cms.models import AuditEntry, ChangeRequest, LiveRelease, Release
from cms.workflow.draft import draft_changes, editors_since
from wizard.models import Node
from wizard.translations import MissingTranslations

Status = ChangeRequest.Status
Action = AuditEntry.Action


# The one error type of every action (cms.errors), under the name the workflow's callers know.
WorkflowError = ActionError


def _require(user: AbstractBaseUser | None, permission: str, doing: Any, role: Any) -> None:
    if user is None or not user.is_active or not user.has_perm(permission):
        raise WorkflowError(
            _("%(user)s may not %(doing)s: that is for the %(role)s."),
            code="forbidden",
            user=user or _("Nobody"),
            doing=doing,
            role=role,
        )


def _lock_wizard(wizard: Node) -> Node:
    # Every transition of one wizard takes this lock first: two approvals, a publication and a rollback of the
    # same wizard happen one after the other, never interleaved.
    wizard = Node.objects.select_for_update().get(pk=wizard.pk)
    if not wizard.is_wizard:
        raise WorkflowError(
            _("“%(step)s” is a step, not a wizard: submit, publish and roll back whole wizards."), step=wizard
        )
    return wizard


def _live(wizard: Node) -> Release | None:
    pointer = LiveRelease.objects.select_for_update().filter(wizard=wizard).select_related("release").first()
    return pointer.release if pointer else None


def _check_base(change: ChangeRequest, live: Release | None) -> None:
    if change.base_release_id != (live.pk if live else None):
        now = _("release #%(number)s") % {"number": live.number} if live else _("no release")
        raise WorkflowError(
            _(
                "Request %(pk)s was made against %(base)s, but %(now)s is live since: it would undo that. Submit the "
                "wizard again to review the changes against what is live now."
            ),
            pk=change.pk,
            base=_named(change.base_release),
            now=now,
        )


def _named(release: Release | None) -> str:
    return _("release #%(number)s") % {"number": release.number} if release else _("no live release")


def _supersede(wizard: Node, queryset: Iterable[ChangeRequest], *, user: AbstractBaseUser | None, why: str) -> None:
    for other in queryset:
        ChangeRequest.objects.filter(pk=other.pk).update(status=Status.SUPERSEDED)
        other.status = Status.SUPERSEDED
        audit.record(wizard, Action.SUPERSEDE, user=user, change=other, comment=why)


def _may_submit(author: AbstractBaseUser) -> bool:
    """Editors submit anything; translators (cms.submit_translation) only changes of translated texts."""
    if author is None or not author.is_active:
        return False
    return author.has_perm("cms.add_changerequest") or author.has_perm("cms.submit_translation")


@transaction.atomic
def submit(
    wizard: Node, *, author: AbstractBaseUser, note: str = "", items: Iterable[str] | None = None
) -> ChangeRequest:
    """Send some of the draft's changes for review, with what they cannot stand without, and the checks' results.

    `items` are item ids (cms.parts: "step:<uid>", "link:<key>"); None submits every change of the draft (for a
    translator: every change of translated texts). The request's snapshot is the live release with the chosen items
    laid over it; what was not chosen stays in the draft. A waiting request whose items the new one all holds is
    superseded by it; others keep waiting beside it (see `_go_live` for what happens when one goes live).
    """
    if not _may_submit(author):
        _require(author, "cms.add_changerequest", _("submit a wizard for review"), _("Editors or Translators"))
    translator = not author.has_perm("cms.add_changerequest")
    wizard = _lock_wizard(wizard)
    live = _live(wizard)
    base = live.snapshot if live else None
    compared, found = draft_changes(wizard, live, stored=True)
    draft = compared.new
    by_id = {item["id"]: item for item in found}
    if not found:
        raise WorkflowError(
            _("Nothing to review: the draft of “%(wizard)s” is the same as live release #%(number)s."),
            wizard=wizard.slug,
            number=live.number if live else 0,
        )
    if items is None:
        chosen = [item["id"] for item in found if not translator or parts.is_translation(item)]
    else:
        chosen = list(dict.fromkeys(items))
        if gone := [item_id for item_id in chosen if item_id not in by_id]:
            raise WorkflowError(
                _("%(items)s no longer differs from the live release: reload the page and choose again."),
                items=", ".join(gone),
            )
    if not chosen:
        raise WorkflowError(_("Choose at least one change to submit."))
    # Everything chosen needs nothing more (and the closure would read the whole draft again).
    wanted, added = (
        (chosen, []) if len(set(chosen)) == len(found) else parts.closure(base, draft, chosen, compared=compared)
    )
    if translator and (others := [by_id[item_id] for item_id in wanted if not parts.is_translation(by_id[item_id])]):
        raise WorkflowError(
            _(
                "Translators submit changes of translated texts only; %(items)s also change the French text or "
                "the structure: an editor submits those."
            ),
            items=", ".join(f"“{item['path'] or item['key'] or '/'}”" for item in others),
        )
    reasons = {entry["id"]: entry["reason"] for entry in added}
    kept = [{**item, "reason": reasons.get(item["id"], "")} for item in parts.stored([by_id[i] for i in wanted])]
    try:
        snapshot = draft if len(wanted) == len(found) else parts.compose(base, kept)
    except parts.PartsError as error:
        raise WorkflowError(_("These changes cannot be submitted apart: %(why)s"), why=str(error)) from error
    digest = releases.content_hash(snapshot)
    if live is not None and live.content_hash == digest:
        raise WorkflowError(
            _("Nothing to review: the draft of “%(wizard)s” is the same as live release #%(number)s."),
            wizard=wizard.slug,
            number=live.number,
        )
    waiting = ChangeRequest.objects.select_for_update().filter(wizard=wizard, status=Status.SUBMITTED)
    if same := waiting.filter(content_hash=digest, base_release=live).first():
        raise WorkflowError(_("This draft already waits for review as request %(pk)s."), pk=same.pk)
    change = ChangeRequest.objects.create(
        wizard=wizard,
        snapshot=snapshot,
        content_hash=digest,
        base_release=live,
        author=author,
        note=note.strip(),
        checks=checks.run(snapshot, base=base),
        items=kept,
        is_whole_draft=len(wanted) == len(found),
        counts=review.summary(
            {
                "steps": [by_id[i] for i in wanted if by_id[i]["kind"] == "step"],
                "links": [by_id[i] for i in wanted if by_id[i]["kind"] == "link"],
            }
        ),
    )
    # A waiting request whose every item the new one holds (newer versions of them, maybe) is superseded by it;
    # one made before requests had items held the whole draft, which only a request of the whole draft covers.
    ids = set(wanted)
    covered = [
        other
        for other in waiting.exclude(pk=change.pk)
        if (parts.touched(other.items) <= ids if other.items else len(wanted) == len(found))
    ]
    _supersede(wizard, covered, user=author, why=f"Superseded by request {change.pk}.")
    found_problems = checks.errors(change.checks)
    details = {
        "errors": len(found_problems),
        "warnings": len(change.checks) - len(found_problems),
        "hash": digest,
        "items": len(kept),
        "added": len(added),
        "of": len(found),
    }
    audit.record(wizard, Action.SUBMIT, user=author, change=change, comment=change.note, details=details)
    # The links the change adds are checked in the background, so that its reviewer sees whether they work.
    if new_urls := jobs.new_urls(snapshot, compared_to=base):
        jobs.start(new_urls, user=author, reason=jobs.Reason.SUBMISSION)
    return change


@transaction.atomic
def approve(
    change: ChangeRequest, *, reviewer: AbstractBaseUser, comment: str = "", publish_at: datetime | None = None
) -> Release:
    """Approve what the reviewer saw: publish it now, or at `publish_at` (see `publish_scheduled`)."""
    _require(reviewer, "cms.review_changerequest", _("approve change requests"), _("Reviewers"))
    wizard = _lock_wizard(change.wizard)
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status != Status.SUBMITTED:
        raise WorkflowError(
            _("Only a request waiting for review can be approved; request %(pk)s is %(status)s."),
            pk=change.pk,
            status=change.get_status_display(),
        )
    if change.author_id == reviewer.pk:
        raise WorkflowError(_("You submitted this request: another reviewer must approve it (four eyes)."))
    live = _live(wizard)
    if reviewer.pk in editors_since(
        wizard, live.published_at if live else None, snapshots=[change.snapshot, *([live.snapshot] if live else [])]
    ):
        raise WorkflowError(
            _("You edited this wizard since its live release: another reviewer must approve it (four eyes).")
        )
    _check_base(change, live)
    # What goes live is the request's snapshot, the one the reviewer saw: the draft may have moved on meanwhile
    # (other changes, for other requests), which no longer matters.
    if releases.content_hash(change.snapshot) != change.content_hash:
        raise WorkflowError(_("Request %(pk)s does not hold what was reviewed; submit it again."), pk=change.pk)
    # The snapshot and its base are the ones checked at submission (above): what the checks found then holds, but for
    # the link checker's findings, asked again (the reviewer's page shows the same), instead of reading every step.
    results = checks.current(change.checks, change.snapshot, base=live.snapshot if live else None)
    if blocking := checks.errors(results):
        listed = " ".join(problem["message"] for problem in blocking[:3])
        more = _(" (and %(count)s more)") % {"count": len(blocking) - 3} if len(blocking) > 3 else ""
        raise WorkflowError(
            _("The checks found %(count)s error(s) that block approval: %(listed)s%(more)s"),
            count=len(blocking),
            listed=listed,
            more=more,
        )

    now = timezone.now()
    scheduled = publish_at is not None and publish_at > now
    try:
        release = releases.create(
            wizard, snapshot=change.snapshot, draft_since=_draft_since(change, live), user=reviewer, note=change.note
        )
    except MissingTranslations as error:  # a rule the settings set after the submission's checks
        raise WorkflowError(_("%(problem)s"), problem=str(error)) from None
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
        raise WorkflowError(_("Request %(pk)s was decided by someone else a moment ago."), pk=change.pk)
    # The fields just written: the snapshot (every step) is not decoded again, nor read again as the release's.
    change.refresh_from_db(
        fields=["status", "reviewer", "review_comment", "reviewed_at", "publish_at", "release", "checks"]
    )
    change.release = release
    details = {"release": release.number, "publish_at": publish_at.isoformat() if scheduled else None}
    action = Action.SCHEDULE if scheduled else Action.APPROVE
    audit.record(wizard, action, user=reviewer, change=change, release=release, comment=comment, details=details)
    if not scheduled:
        _go_live(wizard, change, user=reviewer)
    return release


def _draft_since(change: ChangeRequest, live: Release | None) -> datetime:
    """Since when the draft differs from what `change` makes live only by what was saved (releases.differs_since).

    A request of the whole draft, as submitted: the draft then. Otherwise its items are the draft's as submitted and
    the rest is the live release's, so the earlier of the two moments.
    """
    rebased = AuditEntry.objects.filter(change_request=change, action=Action.REBASE).exists()
    if change.is_whole_draft and not rebased:
        return change.submitted_at
    return min(releases.differs_since(live), change.submitted_at) if live else releases.EVER


def _make_live(release: Release, *, event: str) -> None:
    publishing.make_live(release, event=event)


def _go_live(wizard: Node, change: ChangeRequest, *, user: AbstractBaseUser | None) -> None:
    _make_live(change.release, event="publish")
    details = {"release": change.release.number, "scheduled": change.reviewed_at != change.publish_at}
    audit.record(wizard, Action.PUBLISH, user=user, change=change, release=change.release, details=details)
    # Whatever else waits was made against the release that is no longer live: rebased on it, or stale.
    others = ChangeRequest.objects.select_for_update(of=("self",)).filter(
        wizard=wizard, status__in=ChangeRequest.PENDING
    )
    for other in others.exclude(pk=change.pk).select_related("base_release").order_by("pk"):
        _rebase_or_stale(wizard, other, on=change)


def _rebase_or_stale(wizard: Node, change: ChangeRequest, *, on: ChangeRequest) -> None:
    """Lay a waiting request's items over the release `on` made live, or mark it stale when they clash.

    It clashes when both change one step or link target (or either holds the whole draft: requests made before
    items), or when its items no longer fit (a parent removed meanwhile). A rebased request is reviewed again: its
    snapshot is not the one an approval was given for, so a scheduled one waits for review again.
    """
    release = on.release
    shared = parts.touched(change.items) & parts.touched(on.items)
    why = ""
    if not change.items or not on.items:
        why = _("Request %(pk)s went live first (release #%(number)s) and both hold the whole draft.") % {
            "pk": on.pk,
            "number": release.number,
        }
    elif shared:
        names = sorted(item["path"] or item["key"] or "/" for item in change.items if item["id"] in shared)
        why = _(
            "Request %(pk)s went live first (release #%(number)s) and changed the same steps or link targets: "
            "%(names)s. Submit them again from the draft."
        )
        why = why % {"pk": on.pk, "number": release.number, "names": ", ".join(f"“{name}”" for name in names[:5])}
    else:
        try:
            snapshot = parts.compose(release.snapshot, change.items)
        except parts.PartsError as error:
            snapshot, why = None, str(error)
        if snapshot is not None and releases.content_hash(snapshot) == release.content_hash:
            why = _("Release #%(number)s already holds all of it.") % {"number": release.number}
    if why:
        why = str(why)
        ChangeRequest.objects.filter(pk=change.pk).update(status=Status.STALE, failure=why)
        change.status, change.failure = Status.STALE, why
        audit.record(wizard, Action.STALE, user=None, change=change, release=release, comment=why)
        return
    was = change.base_release
    digest = releases.content_hash(snapshot)
    withdrawn = change.status == Status.SCHEDULED
    ChangeRequest.objects.filter(pk=change.pk).update(
        snapshot=snapshot,
        content_hash=digest,
        base_release=release,
        checks=checks.run(snapshot, base=release.snapshot),
        # An approval was given for the snapshot before: it does not carry over to this one.
        status=Status.SUBMITTED,
        reviewer=None,
        reviewed_at=None,
        review_comment="",
        publish_at=None,
        release=None,
    )
    change.refresh_from_db()
    details = {"from": was.number if was else None, "to": release.number, "hash": digest, "unapproved": withdrawn}
    comment = f"Rebased on release #{release.number} (request {on.pk} went live first)."
    audit.record(wizard, Action.REBASE, user=None, change=change, release=release, comment=comment, details=details)


@transaction.atomic
def reject(change: ChangeRequest, *, reviewer: AbstractBaseUser, comment: str) -> ChangeRequest:
    """Send a submitted change back to its author, with the reason."""
    _require(reviewer, "cms.review_changerequest", _("reject change requests"), _("Reviewers"))
    _lock_wizard(change.wizard)
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status != Status.SUBMITTED:
        raise WorkflowError(
            _("Only a request waiting for review can be rejected; request %(pk)s is %(status)s."),
            pk=change.pk,
            status=change.get_status_display(),
        )
    if not comment.strip():
        raise WorkflowError(_("Say why the change is rejected; its author will read this."))
    won = ChangeRequest.objects.filter(pk=change.pk, status=Status.SUBMITTED).update(
        status=Status.REJECTED, reviewer=reviewer, review_comment=comment.strip(), reviewed_at=timezone.now()
    )
    if not won:
        raise WorkflowError(_("Request %(pk)s was decided by someone else a moment ago."), pk=change.pk)
    change.refresh_from_db()
    audit.record(change.wizard, Action.REJECT, user=reviewer, change=change, comment=comment.strip())
    return change


@transaction.atomic
def publish(change: ChangeRequest, *, user: AbstractBaseUser | None = None, now: datetime | None = None) -> Release:
    """Make a scheduled change live: when it is due (user None: the scheduler), or earlier by a reviewer."""
    if user is not None:
        _require(user, "cms.publish_release", _("publish releases"), _("Reviewers"))
    wizard = _lock_wizard(change.wizard)
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status != Status.SCHEDULED:
        raise WorkflowError(
            _("Only a scheduled request can be published; request %(pk)s is %(status)s."),
            pk=change.pk,
            status=change.get_status_display(),
        )
    if user is None and change.publish_at > (now or timezone.now()):
        raise WorkflowError(
            _("Request %(pk)s is due at %(at)s, not yet."), pk=change.pk, at=f"{change.publish_at:%Y-%m-%d %H:%M}"
        )
    _check_base(change, _live(wizard))
    if not ChangeRequest.objects.filter(pk=change.pk, status=Status.SCHEDULED).update(status=Status.PUBLISHED):
        raise WorkflowError(_("Request %(pk)s was published by another process a moment ago."), pk=change.pk)
    change.status = Status.PUBLISHED
    _go_live(wizard, change, user=user)
    return change.release


def publish_scheduled(*, now: datetime | None = None) -> list[ChangeRequest]:
    """Publish every scheduled change that is due, each in its own transaction; safe to run twice at once.

    A change whose base release is no longer live is superseded instead, and its author told. One that cannot go
    live for another reason (its address taken meanwhile, say) is marked failed with the reason, its author and
    reviewer are told, and it is not tried again.
    """
    now = now or timezone.now()
    due = ChangeRequest.objects.filter(status=Status.SCHEDULED, publish_at__lte=now)
    published = []
    for change in due.order_by("publish_at", "pk").select_related("wizard"):
        try:
            publish(change, now=now)
        except WorkflowError as error:
            with translation.override("en"):  # stored and mailed in English, like the notifications around it
                reason = str(error)
            _supersede_or_fail(change, reason=reason)
            continue
        published.append(change)
    return published


@transaction.atomic
def _supersede_or_fail(change: ChangeRequest, *, reason: str) -> None:
    wizard = _lock_wizard(change.wizard)
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status != Status.SCHEDULED:
        return  # another scheduler (or a reviewer) dealt with it meanwhile
    live = _live(wizard)
    if change.base_release_id != (live.pk if live else None):
        why = f"{_named(live).capitalize()} went live before this scheduled change; submit again."
        _supersede(wizard, [change], user=None, why=why)
        return
    ChangeRequest.objects.filter(pk=change.pk).update(status=Status.FAILED, failure=reason)
    change.status, change.failure = Status.FAILED, reason
    details = {"release": change.release.number if change.release else None}
    audit.record(wizard, Action.FAIL, user=None, change=change, release=change.release, comment=reason, details=details)


@transaction.atomic
def rollback(wizard: Node, *, release: Release, user: AbstractBaseUser, reason: str = "") -> Release:
    """Make an earlier release of `wizard` live again, saying why. The draft stays as it is.

    The authors of the requests published since `release` (up to the live one) are told that their work left the
    public site; the audit entry names those requests (details["withdrawn"]) and carries the reason as its comment.
    """
    _require(user, "cms.publish_release", _("roll back a wizard"), _("Reviewers"))
    # The reason is optional here, as in the contract of this function (scripts and tests call it without one);
    # the rollback page, where people roll back, requires it.
    wizard = _lock_wizard(wizard)
    release = Release.objects.get(pk=release.pk)
    if release.wizard_id != wizard.pk:
        raise WorkflowError(
            _("Release #%(number)s is a release of “%(other)s”, not of “%(wizard)s”."),
            number=release.number,
            other=release.wizard,
            wizard=wizard,
        )
    live = _live(wizard)
    if live is not None and live.pk == release.pk:
        raise WorkflowError(_("Release #%(number)s is already live."), number=release.number)
    _make_live(release, event="rollback")
    withdrawn = withdrawn_requests(wizard, live=live, target=release)
    details = {"from": live.number if live else None, "to": release.number, "withdrawn": withdrawn}
    audit.record(wizard, Action.ROLLBACK, user=user, release=release, comment=reason.strip(), details=details)
    pending = ChangeRequest.objects.select_for_update().filter(wizard=wizard, status__in=ChangeRequest.PENDING)
    _supersede(wizard, pending, user=user, why=f"Rolled back to release #{release.number}; submit again.")
    return release


def withdrawn_requests(wizard: Node, *, live: Release | None, target: Release) -> list[int]:
    """The published requests whose work leaves the public site when `target` replaces `live` (oldest first).

    Those that made the releases after `target`, up to the live one; rolling forward withdraws nobody's work.
    """
    if live is None or live.number <= target.number:
        return []
    published = ChangeRequest.objects.filter(
        wizard=wizard, status=Status.PUBLISHED, release__number__gt=target.number, release__number__lte=live.number
    )
    return list(published.order_by("release__number").values_list("pk", flat=True))
