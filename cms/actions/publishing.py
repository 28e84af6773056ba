"""Making a release live for the actions that publish (the workflow, a first release from an import)."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from cms import releases
from cms.errors import ActionError
from cms.models import LiveRelease, Release


def make_live(release: Release, *, event: str) -> LiveRelease:
    """`releases.make_live`, with an address another live wizard holds refused as an ActionError.

    Two wizards going live under one address at the same moment both pass the check in `make_live` (each holds
    its own wizard's lock, not the other's); the unique index on the live slug then stops the second, which
    waits for the first to commit. That violation is the same refusal, not a server error.
    """
    slug = release.snapshot["wizard"]["slug"]
    try:
        with transaction.atomic():
            return releases.make_live(release, event=event)
    except releases.SlugTaken:
        pass
    except IntegrityError:
        if not LiveRelease.objects.filter(slug=slug).exclude(wizard_id=release.wizard_id).exists():
            raise
    raise ActionError(
        _(
            "The address “%(slug)s” belongs to another live wizard (one published before it was renamed, or "
            "published a moment ago). Publish that wizard under another address first, or choose another slug."
        ),
        slug=slug,
    )
