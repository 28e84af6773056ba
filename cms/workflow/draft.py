"""What a wizard's draft holds against its live release, and who changed it.

Reads only, for the workflow's actions (`cms.workflow.requests`: what a request holds, four eyes) and for the pages
that show a draft (the submit page, the wizard list, the review page). Whether anything was saved since a moment is
read from the history every write leaves, so that the draft itself (thousands of steps) is read only when it may
have changed.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.contenttypes.models import ContentType
from reversion.models import Version

from cms import parts, releases
from cms.models import AuditEntry, ChangeRequest, LiveRelease, Release
from wizard.models import LinkTarget, Node

Action = AuditEntry.Action


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


def draft_items(wizard: Node, live: Release | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The wizard's draft and every step and link target in which it differs from `live` (cms.parts.items)."""
    compared, found = draft_changes(wizard, live)
    return compared.new, found


def draft_changes(
    wizard: Node, live: Release | None = None, *, stored: bool = False
) -> tuple[releases.Comparison, list[dict[str, Any]]]:
    """`draft_items`, with the comparison of the live release's snapshot and the draft (its `new`): a page that
    shows the items and a summary of the same change (cms.review.summarise) compares them once.

    The draft is read as pages read it (releases.draft: only the steps saved since `live` in full), or, when what
    is made of it is `stored`, frozen whole."""
    compared = _compared(wizard, live, stored=stored)
    return compared, parts.items(compared.old, compared.new, compared=compared)


def _compared(wizard: Node, live: Release | None, *, stored: bool = False) -> releases.Comparison:
    """The live release's snapshot against the draft (read as `draft_changes` says), the former flattened once."""
    base = live.snapshot if live else None
    before = releases.flatten(base)
    draft = releases.freeze(wizard) if stored else releases.draft(wizard, live, flat=before)
    return releases.Comparison(base, draft, before=before)


def item_authors(wizard: Node, live: Release | None, found: list[dict[str, Any]]) -> dict[str, list[str]]:
    """Who changed each item (cms.parts), by item id: usernames, sorted.

    Those who saved it since `live` was published; if nobody did (a change older than the live release that was
    left out of it), whoever saved it last. Read from the history every write leaves: the versions of the changed
    steps and link targets (reversion) and the audit entries of additions and deletions. Five queries, whatever
    the wizard's size.
    """
    since = live.published_at if live else None
    wanted = [item["uid"] for item in found if item["kind"] == "step"]
    uids = {str(pk): str(uid) for pk, uid in Node.objects.filter(uid__in=wanted).values_list("pk", "uid")}
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
    compared = _compared(wizard, releases.live_release(wizard))
    return parts.closure(compared.old, compared.new, chosen, compared=compared)


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

    It differs only by what was saved since the moment the release records (releases.differs_since): unless
    something was, the draft need not be read (thousands of steps); if something was, it is compared exactly.
    """
    if not _edited_since(wizard, live):
        return False
    return live is None or releases.content_hash(releases.draft(wizard, live)) != live.content_hash


def _edited_since(wizard: Node, live: Release | None) -> bool:
    return live is None or _saved_since(wizard, releases.differs_since(live) - releases.SAVE_MARGIN)


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
    pending = ChangeRequest.objects.filter(status__in=ChangeRequest.PENDING).named().select_related("author")
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
