"""The audit log: one row per editorial action, written in the action's transaction; what follows is driven from it."""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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
    """Append one entry; its notifications are queued once (and only if) the action's transaction commits."""
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
    transaction.on_commit(lambda: notifications.send_later.enqueue(entry.pk))
    return entry


def sentence(entry: AuditEntry, *, summary: str = "") -> str:
    """The entry as one translated sentence: "reviewer approved request 12 of egov-roles: 3 steps changed".

    `summary` (from `cms.review.summaries`) says what a submitted or approved request changes; without it the
    sentence stops before the colon. Expects the entry's user, wizard and release loaded (select_related) in a list.
    """
    Action = AuditEntry.Action
    values = {
        "user": entry.user or _("the system"),
        "wizard": entry.wizard.slug,
        "request": entry.change_request_id,
        "number": entry.release.number if entry.release_id else "?",
        "object": entry.object_repr,
        "comment": entry.comment,
        "action": entry.get_action_display(),
    }
    at = (entry.details or {}).get("publish_at")
    if at:
        values["at"] = timezone.localtime(datetime.fromisoformat(at)).strftime("%Y-%m-%d %H:%M")
    sentences = {
        Action.SUBMIT: _("%(user)s submitted request %(request)s of %(wizard)s for review"),
        Action.APPROVE: _("%(user)s approved request %(request)s of %(wizard)s"),
        Action.SCHEDULE: _("%(user)s approved request %(request)s of %(wizard)s, to go live at %(at)s"),
        Action.REJECT: _("%(user)s rejected request %(request)s of %(wizard)s"),
        Action.PUBLISH: _("%(user)s published release #%(number)s of %(wizard)s (request %(request)s)")
        if entry.user_id
        else _("Release #%(number)s of %(wizard)s went live as scheduled (request %(request)s)"),
        Action.ROLLBACK: _("%(user)s rolled %(wizard)s back to release #%(number)s"),
        Action.SUPERSEDE: _("Request %(request)s of %(wizard)s was superseded"),
        Action.REBASE: _("Request %(request)s of %(wizard)s was rebased on release #%(number)s"),
        Action.STALE: _("Request %(request)s of %(wizard)s was marked stale"),
        Action.REVERT: _("%(user)s reverted the step “%(object)s” of %(wizard)s to an earlier version"),
        Action.RECOVER: _("%(user)s recovered the deleted step “%(object)s” of %(wizard)s"),
        Action.COMMENT: _("%(user)s commented on request %(request)s of %(wizard)s"),
        Action.RESOLVE: _("%(user)s resolved a comment on request %(request)s of %(wizard)s"),
    }
    text = str(sentences.get(entry.action, _("%(user)s: %(action)s %(object)s"))) % values
    # What follows the colon: what the request changes, or why (a rejection, a rollback, a supersession).
    if entry.action in {Action.SUBMIT, Action.APPROVE, Action.SCHEDULE} and summary:
        return f"{text}: {summary}"
    commented = {Action.REJECT, Action.ROLLBACK, Action.SUPERSEDE, Action.STALE, Action.COMMENT}
    if entry.action in commented and entry.comment:
        return f"{text}: {entry.comment}"
    return text
