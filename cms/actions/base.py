"""What every action shares: permissions, the wizard's lock, revisions."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import reversion
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
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
