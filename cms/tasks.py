"""Background tasks (django-tasks, Django 6.0's `django.tasks` backported): slow work that must not hold a request.

Each task only calls domain functions; what a task adds is when to try again. A task that gives up raises: its
result shows as failed, with the traceback, in the admin (Tasks → DB task results). Workers: docs/tasks.md.
"""

import smtplib
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

from cms import notifications, webhooks
from cms.linkcheck import jobs
from cms.models import WebhookDelivery

LINKCHECK_QUEUE = "linkcheck"  # long runs on a queue of their own, so that emails never wait behind them


class WebhookGaveUp(Exception):
    """A webhook delivery failed WEBHOOK_MAX_ATTEMPTS times: the task fails, so that the admin shows it."""


@task(queue_name=LINKCHECK_QUEUE)
def check_links(run_id: int) -> str:
    """One link check run started from the admin or by a submission (no retry: the next run checks again)."""
    return jobs.execute(run_id).summary


@task()
def send_notifications(entry_id: int, attempt: int = 1) -> int:
    """The emails an audit entry calls for; a mail server that fails is tried again, later, a few times."""
    try:
        return notifications.send(entry_id)
    except (OSError, smtplib.SMTPException):
        if attempt >= settings.TASK_EMAIL_ATTEMPTS:
            raise
        delay = timedelta(seconds=settings.TASK_EMAIL_RETRY_DELAY * 2 ** (attempt - 1))
        later(send_notifications, timezone.now() + delay, entry_id, attempt=attempt + 1)
        return 0


@task()
def deliver_webhook(delivery_uid: str) -> str:
    """One attempt of a webhook delivery, when it is due; a failed attempt queues the next one at its time."""
    delivery = webhooks.deliver(uuid.UUID(delivery_uid))
    if delivery is None:  # already delivered or given up (the deliverwebhooks command got there first)
        return "gone"
    if delivery.status in webhooks.DUE:
        later(deliver_webhook, delivery.next_attempt_at, delivery_uid)
    elif delivery.status == WebhookDelivery.Status.FAILED:
        raise WebhookGaveUp(f"Gave up on delivery {delivery.uid} to {delivery.webhook.url}: {delivery.last_error}")
    return delivery.status


def at(job: Task, when: datetime | None, *args: Any, **kwargs: Any) -> None:
    """Queue `job` to run at `when`, or now with a backend that cannot wait (the immediate one)."""
    if job.get_backend().supports_defer and when is not None:
        job = job.using(run_after=when)
    job.enqueue(*args, **kwargs)


def later(job: Task, when: datetime | None, *args: Any, **kwargs: Any) -> None:
    """Queue a retry of `job` at `when`. A backend that cannot wait (the immediate one) does not retry: a retry run
    at once would only fail again (`deliverwebhooks` sweeps up the deliveries still due)."""
    if job.get_backend().supports_defer:
        job.using(run_after=when).enqueue(*args, **kwargs)
