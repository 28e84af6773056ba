import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.utils import timezone

from cms import releases, webhooks
from cms.models import Webhook, WebhookDelivery
from tests import factories

SECRET = "a-shared-secret"


class Receiver:
    """A webhook subscriber on 127.0.0.1: records each POST and answers with the next status given to it."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.statuses: list[int] = []
        self.got_one = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append({"headers": dict(self.headers), "body": body, "path": self.path})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                receiver.got_one.set()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    thread = threading.Thread(target=found.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()
    thread.join(5)


@pytest.fixture(autouse=True)
def no_pointer_delay(settings) -> None:
    settings.LIVE_POINTER_TTL = 0  # deliveries are due at once (see test_the_first_attempt_waits_…)


@pytest.fixture
def hook(db, receiver: Receiver) -> Webhook:
    return Webhook.objects.create(name="CDN", url=receiver.url, secret=SECRET)


def test_a_publish_stores_one_delivery_per_active_subscriber_that_wants_it(release, receiver, hook):
    Webhook.objects.create(name="Off", url=receiver.url, is_active=False)
    Webhook.objects.create(name="Rollbacks only", url=receiver.url, events=["rollback"])
    releases.make_live(release, event="publish")
    assert [(delivery.webhook, delivery.event) for delivery in WebhookDelivery.objects.all()] == [(hook, "publish")]


def test_nothing_is_sent_before_the_publish_commits(live_wizard, receiver, hook, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        factories.publish(live_wizard)
    assert WebhookDelivery.objects.get().status == "pending"
    assert len(callbacks) == 2  # live.forget, then the deliveries' first attempt
    assert receiver.received == []


def test_the_post_is_signed_and_says_what_changed(live_wizard, receiver, hook, settings):
    settings.SITE_URL = "https://wizards.example.be"
    release = factories.publish(live_wizard)
    [delivery] = webhooks.deliver_due()
    assert delivery.status == "delivered"
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (1, 200, "")
    assert delivery.delivered_at is not None
    [request] = receiver.received
    headers, body = request["headers"], request["body"]
    assert webhooks.is_signed(body, SECRET, headers["X-Wizard-Signature"])
    assert not webhooks.is_signed(body, "another-secret", headers["X-Wizard-Signature"])
    assert headers["X-Wizard-Signature"].startswith("sha256=")
    assert headers["X-Wizard-Event"] == "publish"
    assert headers["X-Wizard-Delivery"] == str(delivery.uid)
    assert abs(int(headers["X-Wizard-Timestamp"]) - timezone.now().timestamp()) < 60
    assert headers["Content-Type"] == "application/json"
    payload = json.loads(body)
    assert payload["event"] == "publish"
    assert payload["wizard"] == "demo"
    assert (payload["release"], payload["release_id"]) == (release.number, release.pk)
    assert payload["published_at"] == release.published_at.isoformat().replace("+00:00", "Z")
    assert payload["url"] == "https://wizards.example.be/api/v1/wizards/demo/"
    assert payload["delivery"] == str(delivery.uid)


def test_a_rollback_is_an_event_too(live_wizard, receiver, hook):
    first = live_wizard.releases.get()
    factories.publish(live_wizard)
    releases.make_live(first, event="rollback")
    webhooks.deliver_due()
    events = [json.loads(request["body"])["event"] for request in receiver.received]
    assert sorted(events) == ["publish", "rollback"]
    rollback = next(json.loads(r["body"]) for r in receiver.received if json.loads(r["body"])["event"] == "rollback")
    assert rollback["release"] == first.number


def test_the_first_attempt_waits_until_every_server_follows_the_new_release(release, receiver, hook, settings):
    settings.LIVE_POINTER_TTL = 2
    releases.make_live(release)
    created = WebhookDelivery.objects.get().created_at
    assert webhooks.deliver_due(now=created + timedelta(seconds=1)) == []
    assert receiver.received == []
    [delivery] = webhooks.deliver_due(now=created + timedelta(seconds=2))
    assert delivery.status == "delivered"


def test_a_failed_delivery_is_retried_with_growing_delays(release, receiver, hook, settings):
    settings.WEBHOOK_RETRY_DELAY, settings.WEBHOOK_MAX_ATTEMPTS = 60, 5
    receiver.statuses = [500, 503]
    releases.make_live(release)
    start = timezone.now()
    [delivery] = webhooks.deliver_due(now=start)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("retrying", 1, 500)
    assert delivery.last_error.startswith("HTTP 500")
    assert delivery.next_attempt_at == start + timedelta(seconds=60)
    # Not due yet: nothing is sent.
    assert webhooks.deliver_due(now=start + timedelta(seconds=59)) == []
    [delivery] = webhooks.deliver_due(now=start + timedelta(seconds=60))
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("retrying", 2, 503)
    assert delivery.next_attempt_at == start + timedelta(seconds=60 + 120)
    [delivery] = webhooks.deliver_due(now=start + timedelta(seconds=180))
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 3, "")
    assert len(receiver.received) == 3
    # Every attempt carries the same body, so the same signature, and the same delivery id.
    assert len({request["body"] for request in receiver.received}) == 1
    assert len({request["headers"]["X-Wizard-Delivery"] for request in receiver.received}) == 1


def test_the_delay_doubles_up_to_a_ceiling(settings):
    settings.WEBHOOK_RETRY_DELAY, settings.WEBHOOK_MAX_RETRY_DELAY = 60, 600
    delays = [webhooks.retry_delay(attempts).total_seconds() for attempts in range(1, 7)]
    assert delays == [60, 120, 240, 480, 600, 600]


def test_delivery_gives_up_after_the_maximum_attempts(release, receiver, hook, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.statuses = [500] * 10
    releases.make_live(release)
    now = timezone.now()
    for _ in range(3):
        [delivery] = webhooks.deliver_due(now=now)
        now = delivery.next_attempt_at or now
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
    assert webhooks.deliver_due(now=now + timedelta(days=30)) == []
    assert len(receiver.received) == 3


def test_an_unreachable_subscriber_is_retried(release, db, settings):
    settings.WEBHOOK_TIMEOUT = 2
    Webhook.objects.create(name="Gone", url="http://127.0.0.1:9/hook", secret=SECRET)  # port 9: nobody listens
    releases.make_live(release)
    [delivery] = webhooks.deliver_due()
    assert delivery.status == "retrying"
    assert delivery.last_status_code is None
    assert "ConnectError" in delivery.last_error


def test_a_delivery_is_claimed_by_one_sender_only(release, receiver, hook):
    releases.make_live(release)
    delivery = WebhookDelivery.objects.get()
    now = timezone.now()
    assert webhooks._claim(delivery.pk, now)
    assert not webhooks._claim(delivery.pk, now)  # the cron job skips what the publish's thread is sending
    assert webhooks.deliver_due(now=now) == []


def test_the_cron_command_sends_what_is_due(release, receiver, hook, capsys):
    receiver.statuses = [500]
    releases.make_live(release)
    call_command("deliverwebhooks")
    assert "1 due: 0 delivered, 1 to retry, 0 given up." in capsys.readouterr().out
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    call_command("deliverwebhooks")
    out = capsys.readouterr().out
    assert "publish demo → " in out
    assert "1 due: 1 delivered, 0 to retry, 0 given up." in out


@pytest.mark.django_db(transaction=True)
def test_after_a_real_commit_the_first_attempt_is_a_task(receiver):
    Webhook.objects.create(name="CDN", url=receiver.url, secret=SECRET)
    wizard = factories.make_wizard()
    factories.publish(wizard)  # commits: this test runs outside a transaction; the task runs at once in tests
    assert receiver.got_one.is_set()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered"
    assert json.loads(receiver.received[0]["body"])["wizard"] == "demo"


def test_a_ping_and_a_new_try_from_the_admin(admin_client, receiver, hook, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the tasks run once the admin's request commits
        response = admin_client.post(
            "/admin/cms/webhook/", {"action": "send_ping", "_selected_action": [hook.pk]}, follow=True
        )
    assert response.status_code == 200
    ping = WebhookDelivery.objects.get(event="ping")
    assert ping.status == "delivered"
    assert json.loads(receiver.received[0]["body"])["event"] == "ping"
    receiver.statuses = [500]
    failed = webhooks.ping(hook)
    assert failed.status == "failed"  # a test event is not retried behind the editor's back
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/cms/webhookdelivery/", {"action": "send_again", "_selected_action": [failed.pk]}, follow=True
        )
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("delivered", 2)


def test_the_admin_shows_a_webhook_with_its_last_deliveries(admin_client, receiver, hook):
    receiver.statuses = [502]
    webhooks.ping(hook)
    page = admin_client.get(f"/admin/cms/webhook/{hook.pk}/change/").content.decode()
    assert "failed, given up" in page
    assert "HTTP 502" in page
    listing = admin_client.get("/admin/cms/webhookdelivery/").content.decode()
    assert "ping" in listing
    assert admin_client.get("/admin/cms/webhook/").status_code == 200
    assert admin_client.get("/admin/cms/webhookdelivery/add/").status_code == 403


def test_a_webhook_is_added_in_the_admin_with_a_secret_made_for_it(admin_client, receiver, db):
    form = admin_client.get("/admin/cms/webhook/add/").content.decode()
    assert 'name="secret"' in form
    response = admin_client.post(
        "/admin/cms/webhook/add/",
        {"name": "Build", "url": receiver.url, "is_active": "on", "events": ["publish"], "secret": "s3cret-value"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    added = Webhook.objects.get(name="Build")
    assert added.events == ["publish"]
    assert len(Webhook().secret) >= 40  # a new webhook starts with a strong random secret
