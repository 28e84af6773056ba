"""Email that follows the audit log: reviewers hear of new requests, authors of what became of theirs."""

import logging
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Permission
from django.core.mail import EmailMessage, send_mass_mail
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from cms.models import AuditEntry

log = logging.getLogger(__name__)


def users_with_permission(codename: str) -> QuerySet[AbstractBaseUser]:
    """Active users granted `cms.<codename>` through a group or directly (superusers only if so granted)."""
    permission = Permission.objects.filter(content_type__app_label="cms", codename=codename).first()
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__permissions=permission) | Q(user_permissions=permission))
        .exclude(email="")
        .distinct()
    )


def messages(entry: AuditEntry) -> list[EmailMessage]:
    """The emails an audit entry calls for (none for most)."""
    change = entry.change_request
    wizard = entry.wizard.slug if entry.wizard else ""
    site = settings.SITE_URL or "http://127.0.0.1:8000"  # unset: the demo's address
    link = f"{site}{reverse('admin:cms_changerequest_change', args=[change.pk])}" if change else ""
    comment = f"\n\nComment:\n{entry.comment}" if entry.comment else ""
    if entry.action == AuditEntry.Action.SUBMIT:
        reviewers = users_with_permission("review_changerequest").exclude(pk=change.author_id)
        note = f"\n\nNote from {change.author}:\n{change.note}" if change.note else ""
        body = f"{change.author} submitted changes to the wizard “{wizard}” for review.{note}\n\nReview them: {link}"
        return [_email(f"[{wizard}] Change request {change.pk} waits for review", body, reviewers)]
    if entry.action == AuditEntry.Action.ROLLBACK:
        reviewers = users_with_permission("review_changerequest")
        body = f"{entry.user} made release #{entry.release.number} of “{wizard}” live again.{comment}"
        return [_email(f"[{wizard}] Rolled back to release #{entry.release.number}", body, reviewers)]
    if change is None:
        return []
    author = [change.author] if change.author.email and change.author.is_active else []
    if entry.action == AuditEntry.Action.FAIL:
        reviewer = change.reviewer
        told = [*author, *([reviewer] if reviewer and reviewer.email and reviewer.is_active else [])]
        body = (
            f"Change request {change.pk} for the wizard “{wizard}” was due at {_local(change.publish_at)} but could "
            f"not be published, and will not be tried again:{comment}\n\nSubmit the wizard again once this is "
            f"resolved.\n\n{link}"
        )
        return [_email(f"[{wizard}] Change request {change.pk} could not be published", body, told)]
    subjects = {
        AuditEntry.Action.APPROVE: "approved",
        AuditEntry.Action.SCHEDULE: f"approved, to be published at {_local(change.publish_at)}",
        AuditEntry.Action.REJECT: "rejected",
        AuditEntry.Action.PUBLISH: "published",
        AuditEntry.Action.SUPERSEDE: "superseded",
    }
    if entry.action not in subjects:
        return []
    outcome = subjects[entry.action]
    who = f" by {entry.user}" if entry.user else ""
    body = f"Your change request {change.pk} for the wizard “{wizard}” was {outcome}{who}.{comment}\n\n{link}"
    return [_email(f"[{wizard}] Your change request {change.pk} was {outcome}", body, author)]


def _local(at: datetime | None) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M %Z") if at else "?"


def _email(subject: str, body: str, recipients: list[AbstractBaseUser] | QuerySet) -> EmailMessage:
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email for user in recipients])


def send(entry_id: int) -> None:
    """Send what an entry calls for. A mail server that is down must not undo a committed action: log it."""
    entry = AuditEntry.objects.select_related("change_request__author", "wizard", "release", "user").get(pk=entry_id)
    outgoing = [message for message in messages(entry) if message.to]
    try:
        send_mass_mail([(m.subject, m.body, m.from_email, m.to) for m in outgoing], fail_silently=False)
    except OSError:
        log.exception("Could not send the notifications of audit entry %s", entry_id)
