import pytest
from axes.models import AccessAttempt
from django.test import RequestFactory
from django.urls import reverse

from cms import clientip, workflow
from cms.models import AuditEntry, ChangeRequest
from tests import factories
from tests.cms.test_settings import manage

PROXY = "10.0.1.5"


def address(remote: str, forwarded: str | None = None) -> str:
    meta = {"REMOTE_ADDR": remote} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {})
    return clientip.address(RequestFactory().get("/", **meta))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_COUNT = [], 0
    assert address("203.0.113.9", "198.51.100.4") == "203.0.113.9"


@pytest.mark.parametrize(
    ("forwarded", "expected"),
    [
        ("198.51.100.4", "198.51.100.4"),
        ("192.0.2.1, 198.51.100.4", "198.51.100.4"),  # the left part was written by the client: ignored
        ("2001:db8::7", "2001:db8::7"),
        (None, PROXY),  # no header: all we know is the proxy
        ("not-an-address", PROXY),
    ],
)
def test_through_a_trusted_proxy_the_client_is_the_address_the_proxy_appended(settings, forwarded, expected):
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_COUNT = ["10.0.1.0/24"], 1
    assert address(PROXY, forwarded) == expected


def test_a_header_from_a_client_that_is_not_a_trusted_proxy_changes_nothing(settings):
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_COUNT = ["10.0.1.0/24"], 1
    assert address("203.0.113.9", "198.51.100.4") == "203.0.113.9"


def test_two_proxies_a_cdn_then_nginx(settings):
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_COUNT = ["10.0.1.0/24"], 2
    # The client wrote 192.0.2.1; the CDN appended the client; nginx appended the CDN's edge.
    assert address(PROXY, "192.0.2.1, 198.51.100.4, 203.0.113.250") == "198.51.100.4"


def test_the_settings_read_the_proxies_from_the_environment():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.TRUSTED_PROXIES, s.TRUSTED_PROXY_COUNT)",
        TRUSTED_PROXIES="127.0.0.1, 10.0.1.0/24",
        DATABASE_URL="sqlite:///:memory:",
    )
    assert result.stdout.splitlines()[-1] == "['127.0.0.1/32', '10.0.1.0/24'] 1", result.stderr


def login(client, password: str, forwarded: str, remote: str = "127.0.0.1"):
    data = {"username": "admin", "password": password}
    return client.post("/admin/login/", data, REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)


@pytest.mark.django_db
def test_behind_the_proxy_an_attacker_cannot_lock_the_administrator_out(client, admin_user, settings):
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_COUNT = ["127.0.0.1/32"], 1
    for _ in range(6):
        login(client, "wrong", forwarded="203.0.113.66")
    assert login(client, "a-long-test-password", forwarded="203.0.113.66").status_code == 429  # the attacker is locked
    assert AccessAttempt.objects.get().ip_address == "203.0.113.66"
    response = login(client, "a-long-test-password", forwarded="198.51.100.4")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(admin_user.pk)


@pytest.mark.django_db
def test_a_spoofed_header_neither_escapes_a_lockout_nor_locks_someone_else_out(client, admin_user, settings):
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_COUNT = ["127.0.0.1/32"], 1
    # Straight to the application, not through the proxy, claiming to be the administrator's address.
    for _ in range(5):
        login(client, "wrong", forwarded="198.51.100.4", remote="203.0.113.66")
    assert login(client, "a-long-test-password", forwarded="192.0.2.99", remote="203.0.113.66").status_code == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.66"
    assert login(client, "a-long-test-password", forwarded="198.51.100.4").status_code == 302


def test_the_audit_log_records_where_an_action_came_from_and_nothing_for_a_job(
    client, editor, reviewer, live_wizard, settings
):
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_COUNT = ["127.0.0.1/32"], 1
    factories.edit(live_wizard, "contact", editor, title_fr="Nous contacter")
    client.force_login(editor)
    submit = reverse("admin:cms_changerequest_submit")
    client.post(submit, {"wizard": live_wizard.pk}, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert AuditEntry.objects.get(action="submit").address == "198.51.100.4"
    workflow.reject(ChangeRequest.objects.get(), reviewer=reviewer, comment="Non")  # no request: a command, a job
    assert AuditEntry.objects.get(action="reject").address is None
    assert clientip.current() is None  # nothing left behind by the request
