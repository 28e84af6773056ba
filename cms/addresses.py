"""The addresses the public was shown, and what each answers now: the projection behind the site's 301s and 410s.

When a release goes live, `record` adds its addresses (wizard slug + step path) to the wizard's history and works
out, for every address the wizard ever had live, what it answers against the release now live:

- the live release has it: served from memory (the row is kept for the history only);
- its step is live at another address (moved, renamed, or the wizard renamed): 301 there;
- its step is gone: 410, listing the nearest ancestor that is still live.

Only releases that went live add addresses, so a step approved for next year answers 404 until it goes live.
A rollback is a release going live like any other: the addresses of the release rolled back from stay known
(the public saw them) and answer 301 or 410 against the earlier release now live.

The site then answers any address its live release lacks from `cms.live.address`: under a live wizard's slug from its
addresses, read once per release in one indexed query; under any other slug with one indexed query; whatever
the size of the wizard or the number of its releases, and never from the releases or the tree.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.db import models

from cms.models import LiveRelease, PublicAddress
from wizard import exchange

Answer = PublicAddress.Answer
Address = tuple[str, str]  # (wizard slug, step path)
# Longer paths do not fit the indexed column: such an address answers 404 once gone (nobody types it).
MAX_PATH = PublicAddress._meta.get_field("path").max_length
BATCH = 500  # rows a statement writes or deletes at most


@dataclass(frozen=True)
class Seen:
    """Which step an address showed when it was last live."""

    uid: str
    parent_uid: str  # "" for the wizard's start page
    live_at: datetime


@dataclass(frozen=True)
class Found:
    """What an address answers: see PublicAddress.Answer."""

    answer: str
    live_slug: str
    target: str


def _steps(snapshot: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """(step path, uid, parent's uid) of every step of a snapshot."""
    for step in exchange.walk(snapshot["wizard"]):
        yield step.step_path, str(step.entry["uid"]), str(step.parent.entry["uid"]) if step.parent else ""


def with_release(history: dict[Address, Seen], snapshot: dict[str, Any], *, at: datetime) -> dict[Address, Seen]:
    """The history once `snapshot` is live: its addresses now show its steps (the latest live step wins)."""
    slug = snapshot["wizard"]["slug"]
    merged = dict(history)
    for path, uid, parent_uid in _steps(snapshot):
        merged[(slug, path)] = Seen(uid, parent_uid, at)
    return merged


def answers(history: dict[Address, Seen], snapshot: dict[str, Any]) -> dict[Address, Found]:
    """What every address of the history answers while `snapshot` (which the history includes) is live."""
    slug = snapshot["wizard"]["slug"]
    live_paths = {uid: path for path, uid, _parent in _steps(snapshot)}
    live_addresses = set(live_paths.values())
    # A step's parent as it was when the step was last live: the latest sighting wins.
    parents = {seen.uid: seen.parent_uid for seen in sorted(history.values(), key=lambda seen: seen.live_at)}
    found = {}
    for (old_slug, path), seen in history.items():
        if old_slug == slug and path in live_addresses:
            found[(old_slug, path)] = Found(Answer.LIVE, slug, path)
        elif seen.uid in live_paths:
            found[(old_slug, path)] = Found(Answer.MOVED, slug, live_paths[seen.uid])
        else:
            found[(old_slug, path)] = Found(Answer.GONE, slug, _nearest_live_ancestor(seen, parents, live_paths))
    return found


def _nearest_live_ancestor(seen: Seen, parents: dict[str, str], live_paths: dict[str, str]) -> str:
    ancestor, visited = seen.parent_uid, set()
    # Steps moved across releases may name each other as parents: stop at a cycle as at the top.
    while ancestor and ancestor not in live_paths and ancestor not in visited:
        visited.add(ancestor)
        ancestor = parents.get(ancestor, "")
    return live_paths.get(ancestor, "")  # none left: the start page


class _Row(NamedTuple):
    """What a row holds besides its wizard and address (live_at last: it alone moves at every release)."""

    uid: str
    parent_uid: str
    answer: str
    live_slug: str
    target: str
    live_at: datetime


def _stored(wizard_id: int, address_model: type[models.Model]) -> dict[Address, tuple[int, _Row]]:
    """The wizard's rows as they are, by address: primary key and values (plain values, one query)."""
    rows = address_model.objects.filter(wizard_id=wizard_id).values_list("pk", "slug", "path", *_Row._fields)
    return {(slug, path): (pk, _Row(*values)) for pk, slug, path, *values in rows}


def record(wizard_id: int, snapshot: dict[str, Any], *, at: datetime) -> None:
    """`snapshot` of the wizard went live at `at`: add its addresses, and rewrite what each of the wizard's answers."""
    stored = _stored(wizard_id, PublicAddress)
    history = {address: Seen(row.uid, row.parent_uid, row.live_at) for address, (_pk, row) in stored.items()}
    write(wizard_id, with_release(history, snapshot, at=at), snapshot, stored=stored)


def write(
    wizard_id: int,
    history: dict[Address, Seen],
    snapshot: dict[str, Any],
    *,
    address_model: type[models.Model] = PublicAddress,
    pointer_model: type[models.Model] = LiveRelease,
    stored: dict[Address, tuple[int, _Row]] | None = None,
) -> None:
    """Make the wizard's rows `history` answered against `snapshot`, writing only the rows that change.

    The models: a migration passes its own. `stored`: the wizard's rows as `_stored` reads them, when already read.
    """
    slug = snapshot["wizard"]["slug"]
    # An old slug now live for another wizard is that wizard's: its addresses answer from its release.
    taken = set(pointer_model.objects.exclude(wizard_id=wizard_id).values_list("slug", flat=True))
    wanted = {}
    for (old_slug, path), found in answers(history, snapshot).items():
        if old_slug not in taken and len(path) <= MAX_PATH and len(found.target) <= MAX_PATH:
            seen = history[(old_slug, path)]
            wanted[(old_slug, path)] = _Row(
                seen.uid, seen.parent_uid, found.answer, found.live_slug, found.target, seen.live_at
            )
    if stored is None:
        stored = _stored(wizard_id, address_model)
    # The slug this wizard is live at is its own now: another wizard's old addresses under it are shadowed for good.
    address_model.objects.filter(slug=slug).exclude(wizard_id=wizard_id).delete()
    gone = [pk for address, (pk, _row) in stored.items() if address not in wanted]
    for start in range(0, len(gone), BATCH):
        address_model.objects.filter(pk__in=gone[start : start + BATCH]).delete()
    changed = {address: pk for address, (pk, row) in stored.items() if address in wanted and row != wanted[address]}
    # Every address of the live release was live just now: its live_at moves at each release, even when nothing else
    # does. One statement moves the live rows' live_at; the rows that change otherwise are written one by one.
    live_at = {row.live_at for row in wanted.values() if row.answer == Answer.LIVE}
    if len(live_at) == 1:
        now = live_at.pop()
        still = [
            address
            for address in changed
            if stored[address][1].answer == Answer.LIVE and stored[address][1][:-1] + (now,) == wanted[address]
        ]
        if still:
            # The other live rows either stay as they are (their live_at is `now` already) or are rewritten below.
            address_model.objects.filter(wizard_id=wizard_id, answer=Answer.LIVE).update(live_at=now)
        for address in still:
            del changed[address]
    address_model.objects.bulk_update(
        [address_model(pk=pk, **wanted[address]._asdict()) for address, pk in changed.items()],
        _Row._fields,
        batch_size=BATCH,
    )
    address_model.objects.bulk_create(
        [
            address_model(wizard_id=wizard_id, slug=old_slug, path=path, **row._asdict())
            for (old_slug, path), row in wanted.items()
            if (old_slug, path) not in stored
        ],
        batch_size=BATCH,
    )
