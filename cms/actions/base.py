"""What every action shares: permissions, the wizard's lock, revisions, stale-save detection."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import reversion
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms.errors import ActionError
from wizard.models import Node


def require(user: AbstractBaseUser | None, permission: str, doing: str | Any) -> None:
    """Refuse a user without `permission`. No user is the system itself (an import run by an operator)."""
    if user is not None and not (user.is_active and user.has_perm(permission)):
        raise ActionError(_("%(user)s may not %(doing)s."), code="forbidden", user=user, doing=doing)


def may_change_structure(user: AbstractBaseUser | None) -> bool:
    """Editors add, move, delete, revert and change the French text; translators (no add permission) do not."""
    return user is None or user.has_perm("wizard.add_node")


def lock(wizard: Node) -> Node:
    """Lock a wizard's root row: every write to one wizard happens one at a time, whatever its interface."""
    return Node.objects.select_for_update().get(pk=wizard.pk)


@contextmanager
def revision(user: AbstractBaseUser | None, comment: str | Any) -> Iterator[None]:
    """A reversion revision with its author and comment (nested in the admin's own, it merges into it)."""
    with reversion.create_revision():
        yield
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        reversion.set_comment(str(comment))


def refused(error: ValidationError) -> ActionError:
    """A model's ValidationError (a field rule) as the actions' error."""
    return ActionError(_("%(problems)s"), problems=" ".join(error.messages))


def is_stale(obj: models.Model, seen: datetime | None) -> bool:
    """Whether someone saved `obj` since the version the editor started from (`seen`, its `updated_at`).

    Locks the row (PostgreSQL): of two saves made against the same version, the second waits for the first to
    commit, then finds the row changed. For a form to report a conflict before anything is written.
    """
    current = type(obj).objects.select_for_update().filter(pk=obj.pk).values_list("updated_at", flat=True).first()
    return seen is None or current != seen


def claim(obj: models.Model, seen: datetime | None) -> None:
    """Refuse a save made against a version someone else replaced since (optimistic locking).

    One conditional UPDATE checks and claims the row at once, so that of two saves against one version only the
    first passes, on SQLite too.
    """
    claimed = seen is not None and type(obj).objects.filter(pk=obj.pk, updated_at=seen).update(
        updated_at=timezone.now()
    )
    if not claimed:
        raise ActionError(
            _("Someone else saved “%(object)s” since you opened it; your changes are not saved."), object=obj
        )
