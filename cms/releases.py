"""Releases: freeze a wizard into an immutable snapshot, and make a release the one the public sees."""

import difflib
import hashlib
import json
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cms import addresses, webhooks
from cms.models import LiveRelease, Release
from wizard import exchange, translations
from wizard.models import LINK_TEXT_FIELDS, NODE_TEXT_FIELDS, Node

Flat = dict[str, dict[str, Any]]  # `flatten`: each step of a snapshot by uid

# Saves this close before a moment count as after it. Every write locks its wizard, and so does a freeze: a save
# after one is later, by its server's clock, which may be a little behind the freezing server's.
SAVE_MARGIN = timedelta(seconds=5)
# The draft of a wizard whose first release held only part of it may differ from a release in anything ever saved.
EVER = datetime(2000, 1, 1, tzinfo=UTC)


def freeze(wizard: Node) -> dict[str, Any]:
    """The wizard's current draft, in every language, with the link targets it uses."""
    return exchange.dump(wizard)


def differs_since(release: Release) -> datetime:
    """The wizard's draft differs from `release` only in steps and link targets saved since this moment.

    A release made from the whole draft: when the draft was frozen. One made of some of its changes: what the release
    before it said (the changes left out were saved since then). A release made before this was recorded: when it
    was published (what was assumed then).
    """
    return release.draft_since or release.published_at


def draft(wizard: Node, live: Release | None, *, flat: Flat | None = None) -> dict[str, Any]:
    """`freeze`, reading in full only the steps saved since the draft last matched `live` (see `differs_since`).

    For the pages that compare the draft with the live release: a one-field change of a wizard of 5,000 steps reads
    the tree's shape and one step instead of 45,000 texts. What is stored (a request's, a release's snapshot) is
    frozen in full. `flat` is flatten(live.snapshot) when the caller has it already.
    """
    if live is None:
        return freeze(wizard)
    earlier = flatten(live.snapshot) if flat is None else flat
    return exchange.dump(wizard, earlier=earlier, since=differs_since(live) - SAVE_MARGIN)


def content_hash(snapshot: dict[str, Any]) -> str:
    """A fingerprint of a snapshot's content: the same text in any key order gives the same hash."""
    canonical = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@transaction.atomic
def create(
    wizard: Node,
    *,
    snapshot: dict[str, Any] | None = None,
    draft_since: datetime | None = None,
    user: AbstractBaseUser | None,
    note: str = "",
) -> Release:
    """Store a new release of `wizard` (its current draft unless a snapshot is given). It is not live yet.

    `draft_since` goes with a snapshot: since when the draft differs from it only by what was saved (see
    `differs_since`; EVER when unknown). Without a snapshot, the draft is frozen now.
    """
    # Lock the wizard's row: two releases created at once must not get the same number.
    wizard = Node.objects.select_for_update().get(pk=wizard.pk)
    if snapshot is None:
        snapshot, draft_since = freeze(wizard), timezone.now()
    translations.check_publishable(snapshot)  # raises MissingTranslations (a ValueError) when the settings say so
    number = (wizard.releases.aggregate(last=Max("number"))["last"] or 0) + 1
    return Release.objects.create(
        wizard=wizard,
        number=number,
        snapshot=snapshot,
        content_hash=content_hash(snapshot),
        published_by=user if user and user.is_authenticated else None,
        note=note,
        draft_since=draft_since or EVER,
    )


class SlugTaken(ValueError):
    """Another wizard is live at the address this release would take."""


# How many times this process changed a live pointer. The delivery cache (cms.live) reads the pointers again as
# soon as this moves, so that a publication shows at once here; other processes follow within LIVE_POINTER_TTL.
changes_here = 0


def _changed_here() -> None:
    global changes_here
    changes_here += 1


@transaction.atomic
def make_live(release: Release, *, event: str = "publish") -> LiveRelease:
    """Point the public at `release`: the site and the API follow within their pointer cache's delay.

    Every change of what the public sees goes through here; `event` ("publish" or "rollback") says why, for
    whatever must follow a change of the live content (webhooks, notifications). The addresses the public was
    shown are projected here too (`cms.addresses`), so that old links answer 301 or 410 from one indexed lookup.
    """
    slug = release.snapshot["wizard"]["slug"]
    holder = LiveRelease.objects.filter(slug=slug).exclude(wizard_id=release.wizard_id).first()
    if holder is not None:
        raise SlugTaken(
            f"The address “{slug}” still belongs to another live wizard (release #{holder.release.number} of "
            f"“{holder.release}”, published before it was renamed). Publish that wizard first, or choose another slug."
        )
    now = timezone.now()
    pointer, _created = LiveRelease.objects.select_for_update().update_or_create(
        wizard_id=release.wizard_id, defaults={"release": release, "slug": slug, "changed_at": now}
    )
    addresses.record(release.wizard_id, release.snapshot, at=now)
    transaction.on_commit(_changed_here)
    webhooks.enqueue(release, event=event)
    return pointer


def live_release(wizard: Node, *, read: bool = True) -> Release | None:
    """The wizard's live release; without `read`, only named (its snapshot, megabytes for a large wizard, unread)."""
    pointers = LiveRelease.objects.select_related("release").filter(wizard=wizard)
    pointer = (pointers if read else pointers.defer("release__snapshot")).first()
    return pointer.release if pointer else None


def flatten(snapshot: dict[str, Any] | None) -> Flat:
    """Each step of a snapshot by uid, in tree order: its entry, step path, parent's uid and place among its siblings.

    The order and paths are exchange.walk's; a plain loop over the entries, as every page that compares two
    snapshots flattens both (5,000 steps: a few milliseconds).
    """
    found: dict[str, dict[str, Any]] = {}
    if not snapshot:
        return found
    pending: list[tuple[dict[str, Any], str | None, str, int]] = [(snapshot["wizard"], None, "", 0)]
    while pending:
        entry, parent, path, index = pending.pop()
        found[entry["uid"]] = {"entry": entry, "path": path, "parent": parent, "index": index}
        children = entry.get("children")
        if isinstance(children, list):  # as walk(): anything but a list of mappings is check()'s to report
            steps = [child for child in children if isinstance(child, dict)]
            uid = entry["uid"]
            for place in range(len(steps) - 1, -1, -1):
                child = steps[place]
                slug = child.get("slug") if isinstance(child.get("slug"), str) else "?"
                pending.append((child, uid, f"{path}/{slug}" if path else slug, place))
    return found


class Comparison:
    """Two snapshots compared once: each flattened and what changed between them (`diff`), for every part of a
    page that shows the same change (the items of a request, their closure, the summary). `before` is
    flatten(old) when the caller has it already."""

    def __init__(self, old: dict[str, Any] | None, new: dict[str, Any], *, before: Flat | None = None) -> None:
        self.old, self.new = old, new
        self.before = flatten(old) if before is None else before
        self.after = flatten(new)

    @cached_property
    def changes(self) -> dict[str, Any]:
        return diff(self.old, self.new, flattened=(self.before, self.after))


def _field_changes(old: dict[str, Any], new: dict[str, Any], names: tuple[str, ...]) -> list[dict[str, str]]:
    """Field by field and language by language, what differs between two entries (missing counts as empty)."""
    changes = []
    for name in names:
        if name in {"slug", "kind"}:
            pairs = [("", old.get(name, ""), new.get(name, ""))]
        else:
            old_values, new_values = old.get(name) or {}, new.get(name) or {}
            languages = [*settings.WIZARD_LANGUAGES, *sorted({*old_values, *new_values} - {*settings.WIZARD_LANGUAGES})]
            pairs = [(lang, old_values.get(lang, ""), new_values.get(lang, "")) for lang in languages]
        changes += [{"field": name, "lang": lang, "old": a, "new": b} for lang, a, b in pairs if a != b]
    return changes


def diff(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    flattened: tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]] | None = None,
    texts_of_whole_steps: bool = True,
) -> dict[str, Any]:
    """What changed from one snapshot to the next (`old` None: everything is new).

    Steps are matched by uid, so a renamed or moved step stays one step. Each changed step says how: "added",
    "removed" or "changed", whether it moved (another parent) or was reordered (same parent, another place
    among the siblings both versions have), and which fields changed in which language, old and new.
    `flattened` is (flatten(old), flatten(new)) when the caller has them already. Without `texts_of_whole_steps`,
    an added or removed step's fields are left out (a page that only names them: a first release adds thousands).
    """
    before, after = flattened or (flatten(old), flatten(new))
    names = ("slug", "kind", *NODE_TEXT_FIELDS)
    steps = []
    reordered_steps = _reordered(before, after)
    for uid, now in after.items():
        then = before.get(uid)
        if then is None:
            fields = _field_changes({}, now["entry"], names) if texts_of_whole_steps else []
            steps.append(_step(uid, "added", then, now, fields))
            continue
        same = all(then["entry"].get(name) == now["entry"].get(name) for name in names)  # most steps: quick
        fields = [] if same else _field_changes(then["entry"], now["entry"], names)
        moved = then["parent"] != now["parent"]
        reordered = uid in reordered_steps
        if fields or moved or reordered:
            steps.append(_step(uid, "changed", then, now, fields, moved=moved, reordered=reordered))
    for uid, then in before.items():
        if uid not in after:
            fields = _field_changes(then["entry"], {}, names) if texts_of_whole_steps else []
            steps.append(_step(uid, "removed", then, None, fields))

    old_links = {entry["key"]: entry for entry in (old or {}).get("links", [])}
    new_links = {entry["key"]: entry for entry in new.get("links", [])}
    links = []
    for key in sorted({*old_links, *new_links}):
        a, b = old_links.get(key), new_links.get(key)
        fields = _field_changes(a or {}, b or {}, LINK_TEXT_FIELDS)
        if fields:
            links.append(
                {
                    "key": key,
                    "change": "added" if a is None else "removed" if b is None else "changed",
                    "fields": fields,
                }
            )
    return {"steps": steps, "links": links, "has_changes": bool(steps or links)}


def _reordered(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> set[str]:
    """The steps that changed place among the siblings both versions share, as few as explain the new order.

    Per parent, the longest run of siblings that kept their relative order stays put; the others were moved.
    """
    found: set[str] = set()

    def by_parent(steps: dict[str, dict[str, Any]], other: dict[str, dict[str, Any]]) -> dict[Any, list[str]]:
        """Per parent, the children both versions have under it, in this version's order."""
        shared: dict[Any, list[tuple[int, str]]] = {}
        for uid, step in steps.items():
            if step["parent"] is not None and uid in other and other[uid]["parent"] == step["parent"]:
                shared.setdefault(step["parent"], []).append((step["index"], uid))
        return {parent: [uid for _index, uid in sorted(pairs)] for parent, pairs in shared.items()}

    olds, news = by_parent(before, after), by_parent(after, before)
    for parent, new in news.items():
        old = olds[parent]
        if old == new:
            continue
        kept = set()
        for block in difflib.SequenceMatcher(None, old, new, autojunk=False).get_matching_blocks():
            kept.update(new[block.b : block.b + block.size])
        found.update(uid for uid in new if uid not in kept)
    return found


def _step(
    uid: str,
    change: str,
    then: dict[str, Any] | None,
    now: dict[str, Any] | None,
    fields: list[dict[str, str]],
    *,
    moved: bool = False,
    reordered: bool = False,
) -> dict[str, Any]:
    current = now or then
    assert current is not None
    titles = current["entry"].get("title", {})
    return {
        "uid": uid,
        "change": change,
        "path": current["path"],
        "old_path": then["path"] if then else None,
        "title": titles.get(settings.LANGUAGE_CODE) or next(iter(titles.values()), current["entry"]["slug"]),
        "moved": moved,
        "reordered": reordered,
        "fields": fields,
    }
