"""Two application servers (two gunicorn processes, two ports) on one PostgreSQL database and one Redis, behind
one (pretend) proxy: what one server does, the other sees."""

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from cms import live
from cms.site import feedback
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
POINTER_TTL = 0.5
PASSWORD = "a-long-test-password"
TASK = "/nl/demo/profiles/citizen/apply/"

pytestmark = [
    pytest.mark.skipif(not REDIS_URL, reason="needs TEST_REDIS_URL (bin/test starts Redis and sets it)"),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="several servers share a PostgreSQL database"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server_urls(django_db_setup, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """Two servers on the test database, started once for this module. They see committed data only (hence
    transactional_db in `servers`) and keep no connection open between requests, so each test's flush goes through.
    """
    tmp_path = tmp_path_factory.mktemp("servers")
    db = connection.settings_dict
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG"}} | {
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CONN_MAX_AGE": "0",  # see above
        "CACHE_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}",  # shared Redis, never flushed: keys of this test only
        "SECRET_KEY": settings.SECRET_KEY,  # the test signs feedback tokens the servers must accept
        "TRUSTED_PROXIES": "127.0.0.1",  # the test plays the proxy: X-Forwarded-For names each client
        "LIVE_POINTER_TTL": str(POINTER_TTL),
        "STATIC_ROOT": str(tmp_path / "static"),
        "LOG_REQUESTS": "0",
    }
    ports = [free_port(), free_port()]
    logs = [tmp_path / f"server-{port}.log" for port in ports]
    processes = []
    for port, log in zip(ports, logs, strict=True):
        with log.open("w") as output:  # the child keeps its own copy of the file descriptor
            command = [sys.executable, "-m", "gunicorn", "cms.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
            processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output))
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for url, log in zip(urls, logs, strict=True):
            wait_until_ready(url, log)
        yield urls
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


@pytest.fixture
def servers(server_urls: list[str], transactional_db) -> list[str]:
    return server_urls


def wait_until_ready(url: str, log: Path) -> None:
    for _ in range(300):
        try:
            if httpx.get(f"{url}/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    pytest.fail(f"{url} never got ready:\n{log.read_text()}")


def client(base_url: str, address: str) -> httpx.Client:
    """A browser at `address`, through the proxy."""
    return httpx.Client(base_url=base_url, headers={"X-Forwarded-For": address}, follow_redirects=False)


def log_in(browser: httpx.Client, password: str) -> httpx.Response:
    page = browser.get("/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    data = {"username": "admin", "password": password, "csrfmiddlewaretoken": token, "next": "/admin/"}
    return browser.post("/admin/login/", data=data, headers={"Referer": f"{browser.base_url}admin/login/"})


@pytest.fixture
def admin(transactional_db):
    user = factories.make_user("admin", superuser=True)
    # The servers run with the production hasher, not the tests' fast one.
    hasher = PBKDF2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save()
    return user


def test_a_publish_shows_on_both_servers_within_the_pointer_ttl(servers):
    wizard = factories.make_wizard()
    factories.publish(wizard)
    time.sleep(POINTER_TTL + 0.1)  # a pointer read before the publish (/readyz, another test) is now too old
    for url in servers:
        assert "Titre demo" in httpx.get(f"{url}/fr/demo/").text  # each server now holds release 1
    factories.edit(wizard, "", title_fr="Démo renouvelée")
    factories.publish(wizard)
    time.sleep(POINTER_TTL + 0.1)  # any pointer read before the publish is now older than the TTL
    for url in servers:
        assert "Démo renouvelée" in httpx.get(f"{url}/fr/demo/").text


def test_the_feedback_limit_counts_across_both_servers(servers):
    factories.publish(factories.make_wizard())
    time.sleep(POINTER_TTL + 0.1)  # both servers see the release
    step = live.wizard("demo").steps["profiles/citizen/apply"]
    answers = []
    for number in range(settings.WIZARD_FEEDBACK_FLOOD_LIMIT + 1):
        token = feedback.make_token(step, now=time.time() - 10)
        with client(servers[number % 2], "203.0.113.9") as browser:
            answers.append(browser.post(TASK, data={"token": token, "helpful": "yes"}))
    assert all(answer.headers["Location"].endswith("feedback=thanks#feedback") for answer in answers[:-1])
    assert answers[-1].status_code == 200  # refused on the other server too: the form again, the answer kept


def test_an_admin_session_opened_on_one_server_works_on_the_other(servers, admin):
    with client(servers[0], "198.51.100.4") as first:
        assert log_in(first, PASSWORD).headers["Location"] == "/admin/"
        cookies = first.cookies
    with client(servers[1], "198.51.100.4") as second:
        second.cookies = cookies
        response = second.get("/admin/")
    assert response.status_code == 200
    assert "Log out" in response.text or "Déconnexion" in response.text


def test_a_lockout_on_one_server_holds_on_the_other_for_that_address_only(servers, admin):
    with client(servers[0], "203.0.113.66") as attacker:
        for _ in range(settings.AXES_FAILURE_LIMIT):
            log_in(attacker, "wrong")
    with client(servers[1], "203.0.113.66") as attacker:
        assert log_in(attacker, PASSWORD).status_code == 429
    with client(servers[1], "198.51.100.4") as administrator:
        assert log_in(administrator, PASSWORD).headers["Location"] == "/admin/"
