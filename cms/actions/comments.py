"""Comments on the fields of a change request: a reviewer points at one text of one step, in one language.

They stay on the request (whatever becomes of it), its author hears of each (cms.notifications), and the author or
a reviewer resolves them. Who may: reviewers comment (the request's author may answer); the author or a reviewer
resolves.
"""

import reversion
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms import audit
from cms.actions.base import lock, revision
from cms.errors import ActionError
from cms.models import AuditEntry, ChangeRequest, FieldComment
from wizard import exchange
from wizard.models import NODE_TEXT_FIELDS

Action = AuditEntry.Action
REVIEW_PERMISSION = "cms.review_changerequest"
# Fields in no language: a comment on them has lang "".
PLAIN_FIELDS = ("slug", "kind")
MAX_LENGTH = 5000


def _is_reviewer(user: AbstractBaseUser) -> bool:
    return user.is_active and user.has_perm(REVIEW_PERMISSION)


def _is_author(user: AbstractBaseUser, change: ChangeRequest) -> bool:
    return user.is_active and change.author_id == user.pk


def _step_path(change: ChangeRequest, uid: str) -> str | None:
    """The path of the step `uid` in the request's snapshot, None when it has no such step."""
    for step in exchange.walk(change.snapshot["wizard"]):
        if str(step.entry.get("uid", "")) == uid:
            return step.step_path
    return None


@transaction.atomic
def add_comment(
    change: ChangeRequest, *, author: AbstractBaseUser, step_uid: str, field: str, lang: str, body: str
) -> FieldComment:
    """Comment on one field of one step of a request waiting for review; its author is told."""
    if not (_is_reviewer(author) or _is_author(author, change)):
        raise ActionError(
            _("%(user)s may not comment on request %(pk)s: that is for reviewers and its author."),
            code="forbidden",
            user=author,
            pk=change.pk,
        )
    lock(change.wizard)
    change = ChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status != ChangeRequest.Status.SUBMITTED:
        raise ActionError(
            _("Request %(pk)s is %(status)s: comments are for requests waiting for review."),
            pk=change.pk,
            status=change.get_status_display(),
        )
    body = body.strip()
    if not body:
        raise ActionError(_("Write the comment first."))
    if len(body) > MAX_LENGTH:
        raise ActionError(_("A comment has at most %(max)s characters."), max=MAX_LENGTH)
    if field in PLAIN_FIELDS:
        lang = ""
    elif field not in NODE_TEXT_FIELDS or lang not in settings.WIZARD_LANGUAGES:
        raise ActionError(_("A step has no field “%(field)s” in “%(lang)s”."), field=field, lang=lang)
    path = _step_path(change, step_uid)
    if path is None:
        raise ActionError(_("Request %(pk)s has no step %(uid)s."), pk=change.pk, uid=step_uid)
    comment = FieldComment(change_request=change, step_uid=step_uid, field=field, lang=lang, body=body, author=author)
    with revision(author, _("Commented on a field.")):
        comment.save()
        reversion.add_to_revision(comment)
    details = {"comment": comment.pk, "step": step_uid, "path": path, "field": field, "lang": lang}
    audit.record(change.wizard, Action.COMMENT, user=author, change=change, obj=comment, comment=body, details=details)
    return comment


@transaction.atomic
def resolve_comment(comment: FieldComment, *, user: AbstractBaseUser) -> FieldComment:
    """Mark a comment resolved (the request's author or a reviewer); whoever wrote it is told."""
    change = comment.change_request
    if not (_is_reviewer(user) or _is_author(user, change)):
        raise ActionError(
            _("%(user)s may not resolve comments on request %(pk)s: that is for reviewers and its author."),
            code="forbidden",
            user=user,
            pk=change.pk,
        )
    lock(change.wizard)
    comment = FieldComment.objects.select_for_update().select_related("change_request").get(pk=comment.pk)
    if comment.is_resolved:
        raise ActionError(_("This comment was resolved already, by %(user)s."), user=comment.resolved_by)
    comment.resolved_at, comment.resolved_by = timezone.now(), user
    with revision(user, _("Resolved a comment.")):
        comment.save(update_fields=["resolved_at", "resolved_by"])
        reversion.add_to_revision(comment)
    details = {"comment": comment.pk, "step": comment.step_uid, "field": comment.field, "lang": comment.lang}
    audit.record(change.wizard, Action.RESOLVE, user=user, change=change, obj=comment, details=details)
    return comment
