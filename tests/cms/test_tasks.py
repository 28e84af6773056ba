"""The task queue for real: actions queue tasks in the database, `manage.py db_worker` runs them (no mock)."""

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cms import releases, workflow
from cms.models import LinkCheckRun, Webhook, WebhookDelivery
from tests import factories
from tests.cms.test_webhooks import SECRET, Receiver

ADMIN_RESULTS = "/admin/django_tasks_database/dbtaskresult/"


def statuses() -> list[tuple[str, str]]:
    return [
        (result.task_path.rsplit(".", 1)[-1], result.status) for result in DBTaskResult.objects.order_by("enqueued_at")
    ]


def due_now() -> None:
    """Time passes: every retry queued for later is due."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now() - timedelta(seconds=1))


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens: a mail server that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def submitted(live_wizard, editor, reviewer, task_queue, django_capture_on_commit_callbacks):
    factories.edit(live_wizard, "contact", editor, title_fr="Contactez-nous")
    with django_capture_on_commit_callbacks(execute=True):
        return workflow.submit(live_wizard, author=editor)


def test_a_submission_queues_its_email_and_the_worker_sends_it(submitted, reviewer, task_queue):
    assert mail.outbox == []  # the action did not wait for the mail server
    assert statuses() == [("send_later", "READY")]
    task_queue()
    assert [message.to for message in mail.outbox] == [[reviewer.email]]
    assert statuses() == [("send_later", "SUCCESSFUL")]


def test_a_mail_server_that_is_down_is_tried_again_then_the_failure_shows_in_the_admin(
    settings, submitted, task_queue, closed_port, admin_client, editor, client
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 2
    settings.TASK_EMAIL_ATTEMPTS = 2
    task_queue()
    # The first try failed and queued a second one, for later.
    assert statuses() == [("send_later", "SUCCESSFUL"), ("send_later", "READY")]
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.run_after > timezone.now() + timedelta(seconds=30)
    assert retry.task_result.kwargs == {"attempt": 2}
    task_queue()
    assert statuses()[-1] == ("send_later", "READY")  # not due yet: the worker left it
    due_now()
    task_queue()
    assert statuses() == [("send_later", "SUCCESSFUL"), ("send_later", "FAILED")]
    failed = DBTaskResult.objects.get(status="FAILED")
    assert "ConnectionRefusedError" in failed.exception_class_path
    # Given up: visible in the admin, to superusers and to editors, with its traceback.
    assert "FAILED" in admin_client.get(f"{ADMIN_RESULTS}?status__exact=FAILED").content.decode()
    client.force_login(editor)
    page = client.get(f"{ADMIN_RESULTS}{failed.pk}/change/").content.decode()
    assert "ConnectionRefusedError" in page
    assert client.get(f"{ADMIN_RESULTS}{failed.pk}/delete/").status_code == 403


def test_a_submission_queues_a_check_of_the_links_it_adds(
    live_wizard, editor, task_queue, django_capture_on_commit_callbacks
):
    factories.edit(live_wizard, "contact", editor, body_fr="Voir [le registre](https://register.test/new).")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit(live_wizard, author=editor)
    run = LinkCheckRun.objects.get()
    assert (run.reason, run.urls, run.requested_by) == ("submission", ["https://register.test/new"], editor)
    assert sorted(statuses()) == [("check_links", "READY"), ("send_later", "READY")]
    assert DBTaskResult.objects.get(task_path__endswith="check_links").queue_name == "linkcheck"


def test_a_submission_without_new_links_queues_no_check(submitted):
    assert not LinkCheckRun.objects.exists()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    thread = threading.Thread(target=found.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()
    thread.join(5)


@pytest.fixture
def hook(db, receiver):
    return Webhook.objects.create(name="CDN", url=receiver.url, secret=SECRET)


def publish(release, django_capture_on_commit_callbacks) -> WebhookDelivery:
    with django_capture_on_commit_callbacks(execute=True):
        releases.make_live(release, event="publish")
    return WebhookDelivery.objects.get()


def test_a_webhook_delivery_waits_for_the_pointer_then_retries_as_tasks(
    settings,
    release,
    receiver,
    hook,
    task_queue,
    django_capture_on_commit_callbacks,
):
    settings.LIVE_POINTER_TTL = 60
    receiver.statuses = [500]
    delivery = publish(release, django_capture_on_commit_callbacks)
    queued = DBTaskResult.objects.get()
    assert queued.run_after >= delivery.next_attempt_at  # not before every process follows the new pointer
    task_queue()
    assert receiver.received == []
    due_now()
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    task_queue()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.received)) == ("retrying", 1, 1)
    assert statuses() == [("deliver_later", "SUCCESSFUL"), ("deliver_later", "READY")]
    assert DBTaskResult.objects.get(status="READY").run_after == delivery.next_attempt_at
    due_now()
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    task_queue()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.received)) == ("delivered", 2, 2)


def test_a_webhook_delivery_that_gives_up_fails_its_task(
    settings,
    release,
    receiver,
    hook,
    task_queue,
    django_capture_on_commit_callbacks,
):
    settings.LIVE_POINTER_TTL, settings.WEBHOOK_MAX_ATTEMPTS = 0, 1
    receiver.statuses = [503]
    publish(release, django_capture_on_commit_callbacks)
    task_queue()
    assert statuses() == [("deliver_later", "FAILED")]
    assert DBTaskResult.objects.get().exception_class_path == "cms.webhooks.WebhookGaveUp"
    assert WebhookDelivery.objects.get().status == "failed"
