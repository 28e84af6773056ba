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
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from reversion.models import Version

from cms import audit, checks, parts, releases, review
from cms.actions import publishing
from cms.errors import ActionError
from cms.linkcheck import jobs
from cms.models import AuditEntry, ChangeRequest, LiveRelease, Release
from wizard.models import LinkTarget, Node

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


# The audited actions that change a wizard's draft (cms/actions/).
WRITES = [
    Action.CREATE,
    Action.EDIT,
    Action.RENAME,
    Action.MOVE,
    Action.DELETE,
    Action.REVERT,
    Action.RECOVER,
    Action.IMPORT,
    Action.TRANSLATE,
    Action.LINK_CREATE,
    Action.LINK_EDIT,
    Action.LINK_DELETE,
]


def editors_since(wizard: Node, since: datetime | None, *, snapshots: Iterable[dict] = ()) -> set[int]:
    """Who saved, moved or deleted a step of `wizard`, or changed a link target it uses, after `since`.

    Read from the history that every admin save writes (reversion) and from the admin's deletion log;
    `snapshots` name the link targets to consider (the request's and the live release's), matched by identity:
    every version of such a target's row counts, whatever its key was then.
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
    # A link target is its row, not its key: whoever edited the row counts, under whatever key it had then, so that
    # renaming a key (tmp-dual → official-portal) cannot hide who pointed it at a new address.
    keys = {link["key"] for snapshot in snapshots for link in snapshot.get("links", [])}
    targets = list(targets)
    used = {str(pk) for pk in LinkTarget.objects.filter(key__in=keys).values_list("pk", flat=True)}
    used |= {version.object_id for version in targets if version.field_dict.get("key") in keys}
    found |= {version.revision.user_id for version in targets if version.object_id in used}
    gone = {entry.object_id: entry.user_id for entry in deletions}
    if gone:
        earlier = Version.objects.get_for_model(Node).filter(object_id__in=list(gone))
        found |= {gone[version.object_id] for version in earlier if in_wizard(version)}
    # Every write action audits itself: whatever interface it came through (a deletion leaves no version).
    written = AuditEntry.objects.filter(wizard=wizard, action__in=WRITES)
    found |= set((written.filter(at__gt=since) if since is not None else written).values_list("user_id", flat=True))
    found.discard(None)
    return found


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


def draft_items(wizard: Node, live: Release | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The wizard's draft and every step and link target in which it differs from `live` (cms.parts.items)."""
    draft, _flattened, found = draft_changes(wizard, live)
    return draft, found


def draft_changes(
    wizard: Node, live: Release | None = None
) -> tuple[dict[str, Any], tuple[parts.Flat, parts.Flat], list[dict[str, Any]]]:
    """`draft_items`, with (releases.flatten(live snapshot), releases.flatten(draft)) between them: a page that shows
    the items and a summary of the same change (cms.review.summarise) flattens each snapshot once."""
    draft = releases.freeze(wizard)
    base = live.snapshot if live else None
    flattened = (releases.flatten(base), releases.flatten(draft))
    return draft, flattened, parts.items(base, draft, flattened=flattened)


def item_authors(wizard: Node, live: Release | None, found: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Who changed each item (cms.parts), by item id: usernames, sorted.

    Those who saved it since `live` was published; if nobody did (a change older than the live release that was
    left out of it), whoever saved it last. Read from the history every write leaves: the versions of the changed
    steps and link targets (reversion) and the audit entries of additions and deletions. Five queries, whatever
    the wizard's size.
    """
    since = live.published_at if live else None
    wanted = {item["uid"] for item in found if item["kind"] == "step"}
    uids = {
        str(pk): str(uid) for pk, uid in Node.objects.get_tree(wizard).values_list("pk", "uid") if str(uid) in wanted
    }
    keys = {item["key"] for item in found if item["kind"] == "link"}
    targets = {str(pk): key for pk, key in LinkTarget.objects.filter(key__in=keys).values_list("pk", "key")}
    saves: list[tuple[str, str, datetime]] = []  # (item id, username, when), oldest first
    for model, names, prefix in ((Node, uids, "step"), (LinkTarget, targets, "link")):
        versions = Version.objects.get_for_model(model).filter(object_id__in=list(names)).order_by("pk")
        for object_id, username, at in versions.values_list(
            "object_id", "revision__user__username", "revision__date_created"
        ):
            saves.append((f"{prefix}:{names[object_id]}", username, at))
    # Additions and deletions say which step (or key) in their details, whatever made them.
    entries = AuditEntry.objects.filter(
        wizard=wizard, action__in=[Action.CREATE, Action.DELETE], user__isnull=False
    ) | AuditEntry.objects.filter(action=Action.LINK_DELETE, user__isnull=False)
    for action, details, username, at in entries.order_by("at", "pk").values_list(
        "action", "details", "user__username", "at"
    ):
        saves.append(
            (
                f"link:{details.get('key')}" if action == Action.LINK_DELETE else f"step:{details.get('uid')}",
                username,
                at,
            )
        )
    recent: dict[str, set[str]] = {}
    last: dict[str, str] = {}
    for item_id, username, at in sorted(saves, key=lambda save: save[2]):
        if not username:
            continue
        last[item_id] = username
        if since is None or at > since:
            recent.setdefault(item_id, set()).add(username)
    return {
        item["id"]: sorted(recent.get(item["id"]) or ([last[item["id"]]] if item["id"] in last else []))
        for item in found
    }


def unsubmitted(wizard: Node, live: Release | None) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The items of the wizard's draft that no waiting request holds, and who changed each (`item_authors`)."""
    pending = ChangeRequest.objects.filter(wizard=wizard, status__in=ChangeRequest.PENDING)
    latest = pending.order_by("-submitted_at").only("submitted_at", "is_whole_draft", "items").first()
    # The draft is read only if something may be unsubmitted: not when the last request took all of it since.
    if latest is not None and (latest.is_whole_draft or not latest.items):
        # Any save since, in any wizard (cheaper than reading this wizard's step ids to tell).
        saved = Version.objects.filter(revision__date_created__gt=latest.submitted_at).exists()
        if not saved and not AuditEntry.objects.filter(wizard=wizard, action__in=WRITES, at__gt=latest.submitted_at):
            return [], {}
    if not has_draft_changes(wizard, live):
        return [], {}
    _draft, found = draft_items(wizard, live)
    waiting = pending.values_list("items", flat=True)
    # Held: a waiting request has the item as it is now (changed again since, it waits to be submitted again).
    held = {(item["id"], releases.content_hash(item["content"])) for items in waiting for item in items}
    found = [item for item in found if (item["id"], releases.content_hash(item["content"])) not in held]
    return found, item_authors(wizard, live, found) if found else {}


def needed(wizard: Node, chosen: Iterable[str]) -> tuple[list[str], list[dict[str, str]]]:
    """What submitting `chosen` items would hold: the items with their closure, and why each one was added."""
    live = releases.live_release(wizard)
    draft = releases.freeze(wizard)
    return parts.closure(live.snapshot if live else None, draft, chosen)


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
    draft, flattened, found = draft_changes(wizard, live)
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
        (chosen, []) if len(set(chosen)) == len(found) else parts.closure(base, draft, chosen, flattened=flattened)
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


# Past this many step versions saved since a moment, `_saved_since` stops looking for one of the wizard's: it says yes.
RECENT_VERSIONS = 1000


def _saved_since(wizard: Node, since: datetime) -> bool:
    """Whether anything may have changed the wizard's draft since `since`: a saved, moved or deleted step of it, or
    any saved link target (every write of the admin, imports and actions leaves a revision or a deletion entry).

    Reads the step versions saved since (few, between two releases), not the wizard's tree: the cost follows the
    edits, not the wizard's size. A step deleted since has no row to tell its wizard by: its deletion is audited.
    """
    revisions = Version.objects.filter(revision__date_created__gt=since)
    if revisions.get_for_model(LinkTarget).exists():
        return True
    saved = list(revisions.get_for_model(Node).values_list("object_id", flat=True)[: RECENT_VERSIONS + 1])
    if len(saved) > RECENT_VERSIONS:
        return True
    steps = Node.objects.filter(pk__in=[int(pk) for pk in set(saved) if pk.isdigit()], path__startswith=wizard.path)
    if steps.exists():
        return True
    if AuditEntry.objects.filter(wizard=wizard, action__in=WRITES, at__gt=since).exists():
        return True  # a step deleted through an action: audited, with no version
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


def _edited_since(wizard: Node, live: Release | None) -> bool:
    return live is None or _saved_since(wizard, live.published_at - timedelta(minutes=1))


def draft_changed_since(change: ChangeRequest) -> bool:
    """Whether the wizard's draft was edited since `change` was submitted (those edits are not part of it).

    Said from the history, without reading the draft: a request holds some of the draft's changes, so comparing
    the two would say little, and reading a draft of thousands of steps costs more than the review page may.
    """
    return _saved_since(change.wizard, change.submitted_at)


def wizard_states(*, drafts: bool = True) -> list[dict[str, Any]]:
    """Each wizard with its live release, whether its draft was edited since, and what waits for review.

    "Edited" is read from the history, never from the draft itself (`has_draft_changes` would freeze every edited
    wizard's draft: a tenth of a second or more for a large one). Without `drafts`, only the wizards with nothing
    pending say it (None for the others).
    """
    states = []
    pending = ChangeRequest.objects.filter(status__in=ChangeRequest.PENDING).select_related("author")
    # The live releases' numbers, hashes and dates; not their snapshots (megabytes each for a large wizard).
    pointers = LiveRelease.objects.select_related("release").defer("release__snapshot")
    pointers = {pointer.wizard_id: pointer.release for pointer in pointers}
    for wizard in Node.objects.wizards():
        live = pointers.get(wizard.pk)
        waiting = [change for change in pending if change.wizard_id == wizard.pk]
        states.append(
            {
                "wizard": wizard,
                "live": live,
                "has_draft_changes": _edited_since(wizard, live) if drafts or not waiting else None,
                "pending": waiting,
            }
        )
    return states
