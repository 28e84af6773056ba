"""The audit log: one row per editorial action, written in the action's transaction; what follows is driven from it."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from cms import clientip, notifications
from cms.models import AuditEntry, ChangeRequest, Release
from wizard.models import Node


def record(
    wizard: Node | None,
    action: str,
    *,
    user: AbstractBaseUser | None,
    change: ChangeRequest | None = None,
    release: Release | None = None,
    obj: object | None = None,
    comment: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry; its notifications go out once (and only if) the action's transaction commits."""
    entry = AuditEntry.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        wizard=wizard,
        change_request=change,
        release=release,
        object_repr=str(obj if obj is not None else change or release or wizard)[:250],
        comment=comment,
        details=details or {},
        address=clientip.current(),
    )
    transaction.on_commit(lambda: notifications.send(entry.pk))
    return entry
