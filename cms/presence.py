"""Who else has a step's form open: told, never locked out (the merge on save keeps everyone's work).

The form records its reader when it is shown, and its script (static/cms/presence.js) again every `EVERY`
seconds while it stays open; a row not refreshed for `TIMEOUT` seconds means the form was closed, and is deleted
when anyone next comes. One row per person and step, so the table stays as small as the number of open forms.
"""

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from cms.models import Presence
from wizard.models import Node

EVERY = 20  # seconds between two "still open" of one form's script
TIMEOUT = 3 * EVERY  # a form not heard of for this long is closed
SHOWN = 10  # the most people a form names


def here(node: Node, user: AbstractBaseUser) -> list[Presence]:
    """Record that `user` has `node`'s form open (since now, unless still open from before); who else has, oldest
    first (at most SHOWN)."""
    now = timezone.now()
    horizon = now - timedelta(seconds=TIMEOUT)
    Presence.objects.filter(seen_at__lt=horizon).delete()
    # One upsert, the same query whether the form was open already (opened_at stays) or not: on every database.
    Presence.objects.bulk_create(
        [Presence(node=node, user=user, opened_at=now, seen_at=now)],
        update_conflicts=True,
        unique_fields=["node", "user"],
        update_fields=["seen_at"],
    )
    return others(node, user)


def others(node: Node, user: AbstractBaseUser) -> list[Presence]:
    """Who else has `node`'s form open now, oldest first (at most SHOWN)."""
    horizon = timezone.now() - timedelta(seconds=TIMEOUT)
    found = Presence.objects.filter(node=node, seen_at__gte=horizon).exclude(user=user)
    return list(found.select_related("user").order_by("opened_at", "pk")[:SHOWN])
