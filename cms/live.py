"""What the public sees, held in memory: the live release of each wizard, read from its immutable snapshot.

Two levels, both per process:
- the pointers (wizard slug → live release id) are read in one small query at most every
  `settings.LIVE_POINTER_TTL` seconds, so every server process follows a publish or a rollback within that delay;
- a release's snapshot is loaded once and never changes (releases are immutable), so it is kept until it stops
  being live.
The public site and the API read the tree only through here: a page costs at most the pointer query.
"""

import gc
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings

from cms import releases
from cms.models import LiveRelease, Release
from wizard import exchange
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
    links: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)  # key → name/url → language → text
    # Derived values (rendered HTML, serialized JSON, …) that readers compute once per release.
    memo: dict[Any, Any] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return self.snapshot["wizard"]["slug"]

    @property
    def root(self) -> Step:
        return self.steps[""]

    def link_url(self, key: str, lang: str) -> str | None:
        return translated(self.links.get(key, {}).get("url", {}), lang)[0] or None

    def link_urls(self, lang: str) -> dict[str, str]:
        return {key: url for key in self.links if (url := self.link_url(key, lang))}

    def remember(self, key: Any, compute: Callable[[], Any]) -> Any:
        """`compute()` once per release and key: a release never changes, so neither does what derives from it."""
        try:
            return self.memo[key]
        except KeyError:
            value = self.memo[key] = compute()
            return value

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
                # one is cleared too: the garbage collector no longer looks at frozen objects (see below), so a
                # reference cycle through the memo would keep the whole release in memory for good.
                live_ids = set(pointers.values())
                for pk, dropped in self.releases.items():
                    if pk not in live_ids:
                        dropped.memo.clear()
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
            # A release lives long and never changes: move it out of the cyclic garbage collector's sight, or
            # every full collection walks all its steps and a big wizard slows down every request.
            gc.collect()
            gc.freeze()
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
