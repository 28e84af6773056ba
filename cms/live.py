"""What the public sees, held in memory: the live release of each wizard, read from its immutable snapshot.

Two levels, both per process:
- the pointers (wizard slug → live release id) are read in one small query at most every
  `settings.LIVE_POINTER_TTL` seconds, so every server process follows a publish or a rollback within that delay;
- a release's snapshot is loaded once and never changes (releases are immutable), so it is kept until it stops
  being live.
The public site and the API read the tree only through here: a page costs at most the pointer query.
What readers derive from a release (rendered Markdown, pages, JSON) is memoized on it, in bounded memos
(`cms.memo.LRU`): `LIVE_MEMO_SIZE` values per release, and per origin for what holds absolute links, at most
`LIVE_MEMO_ORIGINS` origins (one, when SITE_URL is set).
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings

from cms import addresses, releases
from cms.memo import LRU
from cms.models import LiveRelease, PublicAddress, Release
from wizard import destinations, exchange
from wizard.models import NODE_TEXT_FIELDS
from wizard.translations import translated


@dataclass
class Step:
    """One step of a live wizard."""

    uid: str
    path: str  # the step path: slugs below the root joined by "/"; "" for the wizard itself
    slug: str
    kind: str
    texts: dict[str, dict[str, str]]  # field → language → text, only the languages that have one
    parent: str | None
    children: list[str] = field(default_factory=list)

    def text(self, name: str, lang: str) -> tuple[str, str]:
        """The field's text in `lang`, or else in French; with the language it really is in."""
        return translated(self.texts.get(name, {}), lang)


@dataclass
class LiveWizard:
    release_id: int
    number: int
    published_at: datetime
    snapshot: dict[str, Any]
    steps: dict[str, Step] = field(default_factory=dict)
    links: dict[str, dict[str, Any]] = field(default_factory=dict)  # key → its exchange entry (name, url, no_page)
    # Derived values (rendered HTML, serialized JSON, …) that readers compute once per release: those without
    # absolute links in `memo`, those with them in one memo per origin (see `remember`).
    memo: LRU = field(default_factory=lambda: LRU(settings.LIVE_MEMO_SIZE))
    origins: LRU = field(default_factory=lambda: LRU(settings.LIVE_MEMO_ORIGINS))

    @property
    def slug(self) -> str:
        return self.snapshot["wizard"]["slug"]

    @property
    def root(self) -> Step:
        return self.steps[""]

    def link_destination(self, key: str, lang: str) -> destinations.Destination | None:
        """Where the link target `key` leads a reader of `lang` (wizard.destinations says how)."""
        entry = self.links.get(key, {})
        return destinations.destination(entry.get("url", {}), lang, no_page=entry.get("no_page"))

    def link_destinations(self, lang: str) -> dict[str, destinations.Destination]:
        return {key: found for key in self.links if (found := self.link_destination(key, lang))}

    def link_url(self, key: str, lang: str) -> str | None:
        found = self.link_destination(key, lang)
        return found.url if found else None

    def remember(self, key: Any, compute: Callable[[], Any], *, origin: str | None = None) -> Any:
        """`compute()` once per release and key: a release never changes, so neither does what derives from it.

        A value that holds absolute links names its `origin` (`cms.memo.site_origin`): it is kept in that origin's
        memo, and only the `LIVE_MEMO_ORIGINS` most recent origins keep theirs.
        """
        if origin is None:
            return self.memo.get(key, compute)
        return self.origins.get(origin, lambda: LRU(settings.LIVE_MEMO_SIZE)).get(key, compute)

    def memo_size(self) -> int:
        """How many values this release holds in its memos: all origins, and the values of nested memos (pages)."""

        def size(memo: LRU) -> int:
            return sum(size(value) if isinstance(value, LRU) else 1 for value in memo)

        return size(self.memo) + sum(size(memo) for memo in self.origins)

    def forget_memos(self) -> None:
        self.memo.clear()
        self.origins.clear()

    @classmethod
    def from_release(cls, release: Release) -> "LiveWizard":
        return cls.from_snapshot(
            release.snapshot, release_id=release.pk, number=release.number, at=release.published_at
        )

    @classmethod
    def from_snapshot(cls, snapshot: dict[str, Any], *, release_id: int, number: int, at: datetime) -> "LiveWizard":
        """A wizard to show from any snapshot: a release's, or a draft frozen for a preview (release_id 0)."""
        live = cls(release_id, number, at, snapshot)
        live.links = {entry["key"]: entry for entry in snapshot.get("links", [])}

        for found in exchange.walk(snapshot["wizard"]):
            entry, path = found.entry, found.step_path
            parent = found.parent.step_path if found.parent else None
            texts = {name: entry[name] for name in NODE_TEXT_FIELDS if name in entry}
            live.steps[path] = Step(entry["uid"], path, entry["slug"], entry["kind"], texts, parent)
            if parent is not None:
                live.steps[parent].children.append(path)
        return live


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pointers: dict[str, int] = {}
        self.read_at = float("-inf")
        self.seen_changes = -1
        self.releases: dict[int, LiveWizard] = {}

    def live_pointers(self) -> dict[str, int]:
        if time.monotonic() - self.read_at > settings.LIVE_POINTER_TTL or self.seen_changes != releases.changes_here:
            self.seen_changes = releases.changes_here
            pointers = dict(LiveRelease.objects.values_list("slug", "release_id"))
            with self.lock:
                self.pointers, self.read_at = pointers, time.monotonic()
                # Releases no longer live are dropped; the live ones stay loaded. What was derived from a dropped
                # one is cleared too, so that it is freed at once rather than when a reference cycle through its
                # memo (a page that points back at its release) is found by the garbage collector.
                live_ids = set(pointers.values())
                for pk, dropped in self.releases.items():
                    if pk not in live_ids:
                        dropped.forget_memos()
                self.releases = {pk: wizard for pk, wizard in self.releases.items() if pk in live_ids}
        return self.pointers

    def wizard(self, slug: str) -> LiveWizard | None:
        release_id = self.live_pointers().get(slug)
        if release_id is None:
            return None
        found = self.releases.get(release_id)  # one read: another thread may replace the dict meanwhile
        if found is None:
            loaded = LiveWizard.from_release(Release.objects.get(pk=release_id))
            with self.lock:
                found = self.releases.setdefault(release_id, loaded)
        return found


_cache = _Cache()


def wizard(slug: str) -> LiveWizard | None:
    """The live wizard published under `slug`, or None."""
    return _cache.wizard(slug)


def wizards() -> list[LiveWizard]:
    """Every live wizard, by slug."""
    return [found for slug in sorted(_cache.live_pointers()) if (found := _cache.wizard(slug))]


def forget() -> None:
    """Read the pointers again on the next request: for this process, after it published or rolled back."""
    _cache.read_at = float("-inf")


def address(slug: str, path: str, *, live: LiveWizard | None = None) -> addresses.Found | None:
    """What an address that no live release has answers; None for an address never live.

    Under the slug of `live` (the wizard live there): the wizard's addresses are read in one indexed query on the
    first miss and kept with its release (they change only when another release goes live), so a 301, 410 or 404
    then costs what a page costs. Under any other slug: one indexed query.
    """
    if live is not None and live.slug == slug:
        return live.remember("addresses", lambda: _addresses(slug)).get(path)
    rows = PublicAddress.objects.filter(slug=slug, path=path).values_list("answer", "live_slug", "target")
    row = next(iter(rows[:1]), None)  # unique (slug, path): no ORDER BY needed
    # A live address looked up here: this process's copy of the live release is a moment old; it will follow.
    return addresses.Found(*row) if row and row[0] != PublicAddress.Answer.LIVE else None


def _addresses(slug: str) -> dict[str, addresses.Found]:
    rows = PublicAddress.objects.filter(slug=slug).exclude(answer=PublicAddress.Answer.LIVE)
    return {path: addresses.Found(*found) for path, *found in rows.values_list("path", "answer", "live_slug", "target")}
