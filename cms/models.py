import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wizard.models import Node


class SnapshotQuerySet(models.QuerySet):
    """Releases and change requests hold a whole wizard (megabytes when it is large): lists name them, not read them."""

    def named(self) -> "SnapshotQuerySet":
        """Rows to name and link to: what they hold stays in the database, which reads the wizard's slug for str()."""
        held = self.defer(*self.model.HELD)
        return held.annotate(snapshot_slug=KeyTextTransform("slug", KeyTransform("wizard", "snapshot")))


class NamedBySnapshot:
    def wizard_slug(self) -> str:
        """The wizard's slug as the snapshot has it: read by the database for a `named()` row."""
        return self.__dict__.get("snapshot_slug") or self.snapshot["wizard"]["slug"]


class Release(NamedBySnapshot, models.Model):
    """An immutable snapshot of one wizard, in every language, as the public saw or will see it.

    Database triggers refuse any UPDATE (migration 0002) or DELETE (0009) of a release: what was published stays
    what it was.
    """

    wizard = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="releases")
    number = models.PositiveIntegerField(help_text=_("1 for a wizard's first release, then 2, 3, …"))
    snapshot = models.JSONField(help_text=_("The wizard in the exchange format, links included."))
    content_hash = models.CharField(max_length=64, help_text=_("SHA-256 of the snapshot's canonical JSON."))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(_("why"), blank=True)
    # cms.releases.differs_since: the draft differs from this snapshot only in steps and link targets saved since.
    draft_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "The wizard's draft differs from this release only by what was saved since. Empty for the releases "
            "made before this was kept: their publication time."
        ),
    )

    HELD = ("snapshot",)  # what SnapshotQuerySet.named() leaves unread
    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["wizard", "-number"]
        constraints = [models.UniqueConstraint(fields=["wizard", "number"], name="unique_release_number")]

    def __str__(self) -> str:
        return f"{self.wizard_slug()} #{self.number}"


class LiveRelease(models.Model):
    """The pointer that says which release of a wizard the public sees. Rolling back is moving it."""

    wizard = models.OneToOneField(Node, on_delete=models.PROTECT, related_name="live", primary_key=True)
    # The wizard's public slug, copied from the release so that the public site never reads the tree.
    slug = models.CharField(max_length=80, unique=True)
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("live release")

    def __str__(self) -> str:
        return f"{self.slug} → #{self.release.number}"


class PublicAddress(models.Model):
    """An address the public was shown (a wizard slug and a step path of a live release), and what it answers now.

    The projection the public site reads for addresses its live releases do not have: one indexed lookup answers
    301 (moved or renamed), 410 (removed) or, with no row, 404. `cms.addresses.record` rewrites a wizard's rows
    whenever one of its releases goes live (`releases.make_live`), and only then: a release approved for later adds
    no address until it is live, so its slugs stay unknown (404) until the public may see them.
    """

    class Answer(models.TextChoices):
        LIVE = "live", _("live")  # the live release has this address: served from memory, never looked up here
        MOVED = "moved", _("moved")  # 301 to /<lang>/<live_slug>/<target>/
        GONE = "gone", _("removed")  # 410, with the links of `target`, the nearest live ancestor's path

    wizard = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+")
    slug = models.CharField(max_length=80, help_text=_("The wizard's slug in the address."))
    path = models.CharField(max_length=1000, blank=True, help_text=_("The step path in the address."))
    # What the history needs to place the address again when another release goes live.
    uid = models.CharField(max_length=36, help_text=_("The step that had the address when it was last live."))
    parent_uid = models.CharField(max_length=36, blank=True)
    live_at = models.DateTimeField(help_text=_("When the address was last live."))
    answer = models.CharField(max_length=5, choices=Answer.choices)
    live_slug = models.CharField(max_length=80, help_text=_("The wizard's live slug."))
    target = models.CharField(max_length=1000, blank=True)

    class Meta:
        verbose_name = _("public address")
        verbose_name_plural = _("public addresses")
        constraints = [models.UniqueConstraint(fields=["slug", "path"], name="unique_public_address")]

    def __str__(self) -> str:
        return f"/{self.slug}/{self.path}: {self.answer}"


class LinkCheck(models.Model):
    """What the link checker last found about one external URL (cms/linkcheck/ fills it in)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("not checked yet")
        OK = "ok", _("working")
        REDIRECT = "redirect", _("permanently redirected")
        UNSTABLE = "unstable", _("failed once")
        BROKEN = "broken", _("broken")
        REFUSED = "refused", _("not checked: private address")

    url = models.URLField(max_length=1000, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.URLField(max_length=1000, blank=True)
    error = models.TextField(blank=True)
    response_ms = models.PositiveIntegerField(null=True, blank=True)
    first_failure_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["url"]
        verbose_name = _("link check")

    def __str__(self) -> str:
        return f"{self.url}: {self.get_status_display()}"


class LinkCheckRun(models.Model):
    """One check of some URLs in the background (a task): who asked, how far it got, what it found."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting for a worker")
        RUNNING = "running", _("running")
        FINISHED = "finished", _("finished")
        FAILED = "failed", _("failed")

    class Reason(models.TextChoices):
        ADMIN = "admin", _("asked for in the admin")
        SUBMISSION = "submission", _("new or changed links of a submitted change")

    reason = models.CharField(max_length=12, choices=Reason.choices, default=Reason.ADMIN)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    urls = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0, help_text=_("URLs that failed in this run so far."))
    summary = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("link check run")

    def __str__(self) -> str:
        return f"Link check {self.pk}: {self.done}/{self.total} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("admin:cms_linkcheck_run", args=[self.pk])

    @property
    def is_over(self) -> bool:
        return self.status in (self.Status.FINISHED, self.Status.FAILED)


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


def all_webhook_events() -> list[str]:
    return list(Webhook.SUBSCRIBABLE)


class Webhook(models.Model):
    """A subscriber told by a signed POST whenever a wizard's live content changes: a CDN to purge, a site to build."""

    class Event(models.TextChoices):
        PUBLISH = "publish", _("a release is published")
        ROLLBACK = "rollback", _("a wizard is rolled back")
        PING = "ping", _("test from the admin")

    SUBSCRIBABLE = (Event.PUBLISH, Event.ROLLBACK)

    name = models.CharField(max_length=100, help_text=_("Who receives it, e.g. “CDN purge” or “mobile app build”."))
    url = models.URLField(_("URL"), max_length=500, help_text=_("Receives a POST with a JSON body."))
    secret = models.CharField(
        max_length=200,
        default=new_webhook_secret,
        help_text=_("Shared with the subscriber, who checks the X-Wizard-Signature header with it."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    events = models.JSONField(default=all_webhook_events, help_text=_("The events this subscriber is told about."))
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if not isinstance(self.events, list) or not set(self.events) <= set(self.SUBSCRIBABLE):
            raise ValidationError({"events": _("Choose among: %s.") % ", ".join(self.SUBSCRIBABLE)})


class WebhookDelivery(models.Model):
    """One event sent (or to send) to one webhook, with what happened at its last attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", _("to send")
        RETRYING = "retrying", _("failed, will retry")
        DELIVERED = "delivered", _("delivered")
        FAILED = "failed", _("failed, given up")

    # Sent as X-Wizard-Delivery and in the body: a receiver that sees it twice can ignore the repeat.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=20, choices=Webhook.Event.choices)
    wizard = models.CharField(max_length=80, blank=True, help_text=_("The wizard's slug."))
    # The exact body sent, so that every retry carries the same bytes (and so the same signature).
    payload = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due")]

    def __str__(self) -> str:
        return f"{self.event} {self.wizard} → {self.webhook}: {self.get_status_display()}"


class ChangeRequest(NamedBySnapshot, models.Model):
    """A wizard's draft, frozen when an editor submits it, waiting for (or after) a reviewer's decision."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("waiting for review")
        SCHEDULED = "scheduled", _("approved, scheduled")
        PUBLISHED = "published", _("published")
        REJECTED = "rejected", _("rejected")
        SUPERSEDED = "superseded", _("superseded")
        # A scheduled change that could not go live when due (a slug taken meanwhile, say): not retried.
        FAILED = "failed", _("failed to publish")
        # Another request that changed the same steps or link targets went live first: submit them again.
        STALE = "stale", _("stale")

    PENDING = (Status.SUBMITTED, Status.SCHEDULED)

    wizard = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="change_requests")
    snapshot = models.JSONField(help_text=_("The draft as submitted, in the exchange format."))
    content_hash = models.CharField(max_length=64, help_text=_("What the reviewer approves: the draft's hash."))
    # The live release the draft was compared with; approving is refused once another one is live.
    base_release = models.ForeignKey(Release, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="change_requests")
    note = models.TextField(_("note to the reviewer"), blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUBMITTED, db_index=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_comment = models.TextField(blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    publish_at = models.DateTimeField(null=True, blank=True, help_text=_("When an approved change goes live."))
    release = models.ForeignKey(Release, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    checks = models.JSONField(default=list, blank=True, help_text=_("The wizard's checks, as run at submission."))
    failure = models.TextField(_("why it could not be published"), blank=True)
    # The steps and link targets the author chose, with what they held at submission (cms.parts.stored), those the
    # choice could not stand without marked with a "reason": the snapshot is these laid over the base release, and
    # is made again from them when another request goes live first (a rebase). Empty for requests made before.
    items = models.JSONField(default=list, blank=True)
    is_whole_draft = models.BooleanField(default=False, help_text=_("Every change of the draft was chosen."))
    # What the request changes, counted at submission (cms.review.summary): the audit log's sentences read it
    # instead of diffing two snapshots per line. Empty for requests made before it was kept.
    counts = models.JSONField(default=dict, blank=True)

    HELD = ("snapshot", "items", "checks")  # what SnapshotQuerySet.named() leaves unread
    objects = SnapshotQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        verbose_name = _("change request")
        permissions = [
            ("review_changerequest", "Can approve or reject change requests"),
            ("publish_release", "Can publish releases and roll back to an earlier one"),
            ("submit_translation", "Can submit changes of translated texts for review"),
        ]

    def __str__(self) -> str:
        return f"{self.wizard_slug()}: request {self.pk} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("admin:cms_changerequest_change", args=[self.pk])

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING


class AuditEntry(models.Model):
    """One editorial action, as it happened. Append-only: database triggers refuse UPDATE (0006) and DELETE (0009)."""

    class Action(models.TextChoices):
        SUBMIT = "submit", _("submitted")
        APPROVE = "approve", _("approved")
        SCHEDULE = "schedule", _("scheduled")
        REJECT = "reject", _("rejected")
        PUBLISH = "publish", _("published")
        ROLLBACK = "rollback", _("rolled back")
        SUPERSEDE = "supersede", _("superseded")
        REVERT = "revert", _("reverted a step")
        RECOVER = "recover", _("recovered a step")
        CREATE = "create", _("added a step")
        EDIT = "edit", _("changed a step")
        RENAME = "rename", _("renamed a step")
        MOVE = "move", _("moved a step")
        DELETE = "delete", _("deleted a step")
        LINK_CREATE = "link_create", _("added a link target")
        LINK_EDIT = "link_edit", _("changed a link target")
        LINK_DELETE = "link_delete", _("deleted a link target")
        IMPORT = "import", _("imported a wizard")
        TRANSLATE = "translate", _("imported translations")
        FAIL = "fail", _("could not publish")
        DISCARD = "discard", _("discarded the changes to a step")
        RESET = "reset", _("reset the draft")
        RESTORE = "restore", _("undid a reset of the draft")
        REBASE = "rebase", _("rebased")
        STALE = "stale", _("marked stale")
        COMMENT = "comment", _("commented on a field")
        RESOLVE = "resolve", _("resolved a comment")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=12, choices=Action.choices)
    # None: an action on a link target, which belongs to no one wizard.
    wizard = models.ForeignKey(Node, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_entries")
    change_request = models.ForeignKey(
        ChangeRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_entries"
    )
    release = models.ForeignKey(Release, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    object_repr = models.CharField(_("object"), max_length=250, blank=True)
    comment = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    # Where the request came from (cms/clientip.py); empty for what a command or a scheduled job did.
    address = models.GenericIPAddressField(_("client address"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user or 'system'} {self.get_action_display()} {self.object_repr}"


class Presence(models.Model):
    """Someone has a step's form open: written when the form is shown, and again by its script while it stays open.

    Several servers share it, so it lives in the database. Rows older than `cms.presence.TIMEOUT` mean nothing and
    are deleted as others come; there is one row per person and step. Nobody is locked out: people are told.
    """

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("presence")
        constraints = [models.UniqueConstraint(fields=["node", "user"], name="unique_presence")]

    def __str__(self) -> str:
        return f"{self.user} on {self.node_id} since {self.opened_at:%H:%M}"


class DraftBackup(models.Model):
    """A wizard's draft as it was just before a reset threw it away (exchange format): what undoing the reset loads.

    The wizard's history lists them, each with its "undo" button.
    """

    wizard = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="draft_backups")
    snapshot = models.JSONField(help_text=_("The draft before the reset, in the exchange format."))
    release_number = models.PositiveIntegerField(help_text=_("The live release the draft was reset to."))
    created_at = models.DateTimeField(default=timezone.now)
    reset_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    restored_at = models.DateTimeField(null=True, blank=True, help_text=_("When the reset was undone."))

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("draft backup")

    def __str__(self) -> str:
        return f"{self.snapshot['wizard']['slug']} before a reset to #{self.release_number}"


class FieldComment(models.Model):
    """A reviewer's remark on one field of one step of a change request, in one language, until it is resolved."""

    change_request = models.ForeignKey(ChangeRequest, on_delete=models.CASCADE, related_name="comments")
    step_uid = models.CharField(max_length=64, help_text=_("The step's uid in the request's snapshot."))
    field = models.CharField(max_length=20)
    lang = models.CharField(max_length=8, blank=True, help_text=_("Empty for a field in no language (slug, kind)."))
    body = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("field comment")

    def __str__(self) -> str:
        where = f"{self.field} ({self.lang})" if self.lang else self.field
        return f"request {self.change_request_id}, {where}: {self.body[:50]}"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
