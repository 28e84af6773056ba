"""Email that follows the audit log: reviewers hear of new requests, authors of what became of theirs."""

import logging
import smtplib
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Permission
from django.core.mail import EmailMessage, send_mass_mail
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from cms import queue
from cms.models import AuditEntry, ChangeRequest, FieldComment

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
        number = entry.release.number
        body = f"{entry.user} made release #{number} of “{wizard}” live again.{comment}"
        sent = [_email(f"[{wizard}] Rolled back to release #{number}", body, reviewers)]
        withdrawn = ChangeRequest.objects.filter(pk__in=entry.details.get("withdrawn", [])).select_related("author")
        for request in withdrawn.order_by("pk"):
            author = request.author
            if not (author.email and author.is_active) or author.pk == entry.user_id:
                continue
            body = (
                f"{entry.user} rolled the wizard “{wizard}” back to release #{number}: the work of your change request "
                f"{request.pk} is no longer on the public site. It stays in the history; submit it again if it "
                f"should return.{comment}\n\n{site}{reverse('admin:cms_changerequest_change', args=[request.pk])}"
            )
            sent.append(_email(f"[{wizard}] Your change request {request.pk} left the public site", body, [author]))
        return sent
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
    if entry.action in {AuditEntry.Action.COMMENT, AuditEntry.Action.RESOLVE}:
        return _comment_messages(entry, change, wizard=wizard, link=link)
    subjects = {
        AuditEntry.Action.APPROVE: "approved",
        AuditEntry.Action.SCHEDULE: f"approved, to be published at {_local(change.publish_at)}",
        AuditEntry.Action.REJECT: "rejected",
        AuditEntry.Action.PUBLISH: "published",
        AuditEntry.Action.SUPERSEDE: "superseded",
        AuditEntry.Action.STALE: "marked stale: another request changed the same items first",
        AuditEntry.Action.REBASE: "rebased on the new live release, and waits for review again",
    }
    if entry.action not in subjects:
        return []
    outcome = subjects[entry.action]
    who = f" by {entry.user}" if entry.user else ""
    body = f"Your change request {change.pk} for the wizard “{wizard}” was {outcome}{who}.{comment}\n\n{link}"
    return [_email(f"[{wizard}] Your change request {change.pk} was {outcome}", body, author)]


def _comment_messages(entry: AuditEntry, change: ChangeRequest, *, wizard: str, link: str) -> list[EmailMessage]:
    """A comment on a field goes to the request's author; its resolution to whoever wrote it."""
    details = entry.details or {}
    where = f"{details.get('field', '')}" + (f" ({details['lang']})" if details.get("lang") else "")
    anchor = f"{link}#step-{details.get('step', '')}" if link else ""
    if entry.action == AuditEntry.Action.COMMENT:
        author = change.author
        if not (author.email and author.is_active) or author.pk == entry.user_id:
            return []
        path = details.get("path") or "/"
        body = (
            f"{entry.user} commented on the {where} of the step “{path}” in your change request {change.pk} for the "
            f"wizard “{wizard}”:\n\n{entry.comment}\n\n{anchor}"
        )
        return [_email(f"[{wizard}] A comment on your change request {change.pk}", body, [author])]
    comment = FieldComment.objects.select_related("author").filter(pk=details.get("comment")).first()
    if comment is None or not (comment.author.email and comment.author.is_active) or comment.author_id == entry.user_id:
        return []
    body = (
        f"{entry.user} resolved your comment on the {where} of a step in change request {change.pk} for the wizard "
        f"“{wizard}”:\n\n{comment.body}\n\n{anchor}"
    )
    return [_email(f"[{wizard}] Your comment on change request {change.pk} was resolved", body, [comment.author])]


def _local(at: datetime | None) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M %Z") if at else "?"


def _email(subject: str, body: str, recipients: list[AbstractBaseUser] | QuerySet) -> EmailMessage:
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email for user in recipients])


def send(entry_id: int) -> int:
    """Send what an entry calls for; return how many emails went out. Runs as a task (`send_later`), after the
    action committed: a mail server that is down raises here, and the task tries again later."""
    entry = AuditEntry.objects.select_related("change_request__author", "wizard", "release", "user").get(pk=entry_id)
    outgoing = [message for message in messages(entry) if message.to]
    try:
        return send_mass_mail([(m.subject, m.body, m.from_email, m.to) for m in outgoing], fail_silently=False)
    except OSError:
        log.warning("Could not send the notifications of audit entry %s", entry_id, exc_info=True)
        raise


@task()
def send_later(entry_id: int, attempt: int = 1) -> int:
    """The emails an audit entry calls for, as a task; a mail server that fails is tried again, later, a few times."""
    try:
        return send(entry_id)
    except (OSError, smtplib.SMTPException):
        if attempt >= settings.TASK_EMAIL_ATTEMPTS:
            raise
        delay = timedelta(seconds=settings.TASK_EMAIL_RETRY_DELAY * 2 ** (attempt - 1))
        queue.later(send_later, timezone.now() + delay, entry_id, attempt=attempt + 1)
        return 0
