"""Webhooks: tell subscribers (a CDN to purge, a static front end to rebuild) that a wizard's live content changed.

`enqueue` is called by `releases.make_live`, inside its transaction, so that an event is stored if and only if the
pointer moved. Once that commits, a task (`deliver_later`) makes the first attempt in a worker, never in the request;
a failed attempt queues the next one, with exponential backoff, until `settings.WEBHOOK_MAX_ATTEMPTS`.
`manage.py deliverwebhooks` sends whatever is due, should a task ever be lost.

Each POST carries a JSON body and `X-Wizard-Signature: sha256=<hex HMAC-SHA256 of the raw body, keyed with the
webhook's secret>`, plus `X-Wizard-Event`, `X-Wizard-Delivery` (the same on every retry of one delivery) and
`X-Wizard-Timestamp` (this attempt's Unix time).
"""

import hashlib
import hmac
import json
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from cms import queue
from cms.models import Release, Webhook, WebhookDelivery

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Wizard-Signature"
USER_AGENT = "wizard-cms-webhooks/1"
DUE = (WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING)


def sign(body: bytes, secret: str) -> str:
    """The X-Wizard-Signature value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def is_signed(body: bytes, secret: str, signature: str) -> bool:
    """What a receiver does: recompute the signature and compare in constant time."""
    return hmac.compare_digest(sign(body, secret), signature)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failure: 1, 2, 4, 8 … minutes, capped."""
    seconds = settings.WEBHOOK_RETRY_DELAY * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.WEBHOOK_MAX_RETRY_DELAY))


def iso(moment: datetime) -> str:
    """UTC, as the API writes times."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def payload(delivery: WebhookDelivery, release: Release | None) -> str:
    """The body of a delivery, as the exact text to send."""
    slug = delivery.wizard
    body = {
        "event": delivery.event,
        "delivery": str(delivery.uid),
        "wizard": slug or None,
        "release": release.number if release else None,
        "release_id": release.pk if release else None,
        "published_at": iso(release.published_at) if release else None,
        "occurred_at": iso(delivery.created_at),
        "url": f"{settings.SITE_URL}/api/v1/wizards/{slug}/" if slug else None,
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def enqueue(release: Release, *, event: str) -> list[WebhookDelivery]:
    """Store one delivery per active webhook that wants `event`; they are sent once the transaction commits."""
    hooks = [hook for hook in Webhook.objects.filter(is_active=True) if event in hook.events]
    deliveries = []
    now = timezone.now()
    # Not before every server process follows the new pointer: a CDN that refetches on our word must get the new
    # content, not cache the old one again.
    due_at = now + timedelta(seconds=settings.LIVE_POINTER_TTL)
    for hook in hooks:
        delivery = WebhookDelivery(
            webhook=hook, event=event, wizard=release.snapshot["wizard"]["slug"], next_attempt_at=due_at, created_at=now
        )
        delivery.payload = payload(delivery, release)
        deliveries.append(delivery)
    WebhookDelivery.objects.bulk_create(deliveries)
    if deliveries:
        transaction.on_commit(lambda: _queue(deliveries))
    return deliveries


def _queue(deliveries: list[WebhookDelivery]) -> None:
    for delivery in deliveries:
        queue.at(deliver_later, delivery.next_attempt_at, str(delivery.uid))


def queue_ping(webhook: Webhook) -> WebhookDelivery:
    """A test event for `webhook`, sent by a worker once the caller commits (the admin does not wait for it)."""
    delivery = WebhookDelivery(webhook=webhook, event=Webhook.Event.PING, next_attempt_at=timezone.now())
    delivery.payload = payload(delivery, None)
    delivery.save()
    transaction.on_commit(lambda: _queue([delivery]))
    return delivery


def queue_again(delivery: WebhookDelivery) -> WebhookDelivery:
    """One more attempt of a delivery that failed (an editor fixed the receiver, say), by a worker."""
    delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.PENDING, timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at"])
    transaction.on_commit(lambda: _queue([delivery]))
    return delivery


def ping(webhook: Webhook) -> WebhookDelivery:
    """Send a test event to `webhook` now, whether it is active or not; return how it went."""
    delivery = WebhookDelivery(webhook=webhook, event=Webhook.Event.PING, next_attempt_at=timezone.now())
    delivery.payload = payload(delivery, None)
    delivery.save()
    return attempt(delivery)


def deliver(uid: uuid.UUID, *, now: datetime | None = None) -> WebhookDelivery | None:
    """Attempt one delivery if it is due; return it (still due later if it was not), or None once it is over."""
    now = now or timezone.now()
    delivery = WebhookDelivery.objects.select_related("webhook").filter(uid=uid, status__in=DUE).first()
    if delivery is None:
        return None
    if delivery.next_attempt_at > now or not _claim(delivery.pk, now):
        delivery.refresh_from_db()  # not yet, or another process is sending it: its next time says when to look
        return delivery
    return attempt(WebhookDelivery.objects.select_related("webhook").get(pk=delivery.pk), now=now)


def deliver_due(*, uids: list[uuid.UUID] | None = None, now: datetime | None = None) -> list[WebhookDelivery]:
    """Attempt every delivery whose time has come (only those in `uids`, if given); return them as they ended."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(status__in=DUE, next_attempt_at__lte=now).order_by("next_attempt_at")
    if uids is not None:
        due = due.filter(uid__in=uids)
    done = []
    for pk in list(due.values_list("pk", flat=True)):
        if _claim(pk, now):
            done.append(attempt(WebhookDelivery.objects.select_related("webhook").get(pk=pk), now=now))
    return done


def _claim(pk: int, now: datetime) -> bool:
    """Take a delivery for this process: the cron job and a publish's thread must not both send it.

    A conditional UPDATE rather than a row lock, so that no transaction stays open during the HTTP request;
    if this process dies mid-attempt, the delivery is due again once the lease has passed.
    """
    lease = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT * 2 + 30)
    claimed = WebhookDelivery.objects.filter(pk=pk, status__in=DUE, next_attempt_at__lte=now)
    return claimed.update(next_attempt_at=lease) == 1


def attempt(delivery: WebhookDelivery, *, now: datetime | None = None) -> WebhookDelivery:
    """POST the delivery once and record the outcome: delivered, to retry later, or given up."""
    webhook, body = delivery.webhook, delivery.payload.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Wizard-Event": delivery.event,
        "X-Wizard-Delivery": str(delivery.uid),
        "X-Wizard-Timestamp": str(int(time.time())),
        SIGNATURE_HEADER: sign(body, webhook.secret),
    }
    code, error = None, ""
    try:
        # Redirects are not followed: a receiver that moved must be edited, not silently chased.
        response = httpx.post(
            webhook.url, content=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT, follow_redirects=False
        )
        code = response.status_code
        if not response.is_success:
            error = f"HTTP {code}: {response.text[:300]}".strip()
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    now = now or timezone.now()
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error = code, error
    if not error:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = WebhookDelivery.Status.DELIVERED, now, None
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS or delivery.event == Webhook.Event.PING:
        # A ping is a test: its result is what the editor wants to see, now, not a retry later.
        delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
        logger.warning("Webhook %s: giving up on delivery %s: %s", webhook, delivery.uid, error)
    else:
        delivery.status = WebhookDelivery.Status.RETRYING
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    delivery.save(
        update_fields=["attempts", "last_status_code", "last_error", "status", "delivered_at", "next_attempt_at"]
    )
    return delivery


class WebhookGaveUp(Exception):
    """A webhook delivery failed WEBHOOK_MAX_ATTEMPTS times: the task fails, so that the admin shows it."""


@task()
def deliver_later(delivery_uid: str) -> str:
    """One attempt of a webhook delivery, when it is due; a failed attempt queues the next one at its time."""
    delivery = deliver(uuid.UUID(delivery_uid))
    if delivery is None:  # already delivered or given up (the deliverwebhooks command got there first)
        return "gone"
    if delivery.status in DUE:
        queue.later(deliver_later, delivery.next_attempt_at, delivery_uid)
    elif delivery.status == WebhookDelivery.Status.FAILED:
        raise WebhookGaveUp(f"Gave up on delivery {delivery.uid} to {delivery.webhook.url}: {delivery.last_error}")
    return delivery.status
