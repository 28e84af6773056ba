"""Releases: freeze a wizard into an immutable snapshot, and make a release the one the public sees."""

import hashlib
import json
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from cms import live, webhooks
from cms.models import LiveRelease, Release
from wizard import exchange, translations
from wizard.models import Node


def freeze(wizard: Node) -> dict[str, Any]:
    """The wizard's current draft, in every language, with the link targets it uses."""
    return exchange.dump(wizard)


def content_hash(snapshot: dict[str, Any]) -> str:
    """A fingerprint of a snapshot's content: the same text in any key order gives the same hash."""
    canonical = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@transaction.atomic
def create(
    wizard: Node, *, snapshot: dict[str, Any] | None = None, user: AbstractBaseUser | None, note: str = ""
) -> Release:
    """Store a new release of `wizard` (its current draft unless a snapshot is given). It is not live yet."""
    # Lock the wizard's row: two releases created at once must not get the same number.
    wizard = Node.objects.select_for_update().get(pk=wizard.pk)
    snapshot = snapshot if snapshot is not None else freeze(wizard)
    translations.check_publishable(snapshot)  # raises MissingTranslations (a ValueError) when the settings say so
    number = (wizard.releases.aggregate(last=Max("number"))["last"] or 0) + 1
    return Release.objects.create(
        wizard=wizard,
        number=number,
        snapshot=snapshot,
        content_hash=content_hash(snapshot),
        published_by=user if user and user.is_authenticated else None,
        note=note,
    )


@transaction.atomic
def make_live(release: Release, *, event: str = "publish") -> LiveRelease:
    """Point the public at `release`: the site and the API follow within their pointer cache's delay.

    Every change of what the public sees goes through here; `event` ("publish" or "rollback") says why, for
    whatever must follow a change of the live content (webhooks, notifications).
    """
    pointer, _created = LiveRelease.objects.select_for_update().update_or_create(
        wizard_id=release.wizard_id,
        defaults={"release": release, "slug": release.snapshot["wizard"]["slug"], "changed_at": timezone.now()},
    )
    transaction.on_commit(live.forget)
    webhooks.enqueue(release, event=event)
    return pointer


def live_release(wizard: Node) -> Release | None:
    pointer = LiveRelease.objects.select_related("release").filter(wizard=wizard).first()
    return pointer.release if pointer else None
