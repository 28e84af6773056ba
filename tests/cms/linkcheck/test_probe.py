import asyncio
import contextlib
import ipaddress
import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from cms.linkcheck import probe
from cms.linkcheck.probe import Outcome
from tests.cms.linkcheck.conftest import REAL_RESOLVE, probe_one


def methods(farm, path: str) -> list[str]:
    return [method for _host, method, target, _headers in farm.stats.log if target == path]


def test_working_page_is_ok_with_one_head_request(farm):
    result = probe_one(farm.url("/ok"))
    assert (result.outcome, result.http_status, result.error) == (Outcome.OK, 200, "")
    assert methods(farm, "/ok") == ["HEAD"]
    assert result.response_ms is not None


@pytest.mark.parametrize("status", [404, 410, 500, 403])
def test_error_status_is_broken(farm, status):
    result = probe_one(farm.url(f"/status/{status}"))
    assert result.outcome == Outcome.BROKEN
    assert result.http_status == status
    assert f"HTTP {status}" in result.error


def test_a_page_behind_a_login_exists(farm):
    assert probe_one(farm.url("/status/401")).outcome == Outcome.OK


@pytest.mark.parametrize("head_status", [405, 501, 400, 403, 404])
def test_get_when_the_server_refuses_head(farm, head_status):
    result = probe_one(farm.url(f"/ok?head={head_status}"))
    assert (result.outcome, result.http_status) == (Outcome.OK, 200)
    assert methods(farm, f"/ok?head={head_status}") == ["HEAD", "GET"]


def test_get_reads_no_more_than_the_headers_of_a_huge_body(farm):
    started = time.monotonic()
    result = probe_one(farm.url("/huge?head=405"))
    assert result.outcome == Outcome.OK
    assert methods(farm, "/huge?head=405") == ["HEAD", "GET"]
    assert time.monotonic() - started < 5
    time.sleep(0.2)  # let the farm notice the hang-up
    # The body is endless; what the farm managed to send is what fits in socket buffers, not the body.
    assert farm.stats.body_bytes_sent < 32 * 1024 * 1024


def test_slow_page_within_the_timeout_is_ok(farm):
    result = probe_one(farm.url("/slow/0.4"))
    assert result.outcome == Outcome.OK
    assert result.response_ms >= 400


def test_hanging_server_times_out_and_is_retried_with_backoff(farm):
    started = time.monotonic()
    result = probe_one(farm.url("/hang"), timeout=0.5, retries=2, backoff=0.2)
    elapsed = time.monotonic() - started
    assert result.outcome == Outcome.BROKEN
    assert result.error == "No answer within 0.5 s (3 tries)."
    assert result.attempts == 3
    assert methods(farm, "/hang") == ["HEAD"] * 3
    assert elapsed >= 3 * 0.5 + 0.2 + 0.4  # three timeouts and two growing waits


@pytest.fixture
def full_backlog():
    """A port whose accept queue is full: the kernel drops new SYNs, so connecting hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(server.getsockname())
        fillers.append(filler)
    time.sleep(0.05)
    yield server.getsockname()[1]
    for sock in [*fillers, server]:
        sock.close()


def test_connect_timeout_is_retried_then_broken(full_backlog):
    started = time.monotonic()
    result = probe_one(f"http://127.0.0.1:{full_backlog}/", connect_timeout=0.3, timeout=3, retries=1, backoff=0.05)
    assert result.outcome == Outcome.BROKEN
    assert result.error == "Could not connect within 0.3 s (2 tries)."
    assert 0.6 <= time.monotonic() - started < 2.5  # the connect timeout, not the 3 s request timeout


def test_refused_connection_is_retried_then_broken(farm):
    # Nothing listens on the farm's port at 127.0.0.3.
    result = probe_one(f"http://127.0.0.3:{farm.port}/ok", retries=1, backoff=0.05)
    assert result.outcome == Outcome.BROKEN
    assert result.attempts == 2
    assert "could not connect" in result.error.lower()


def test_connection_reset_is_retried_and_a_flaky_server_passes(farm):
    result = probe_one(farm.url("/flaky/a?times=2"), retries=2, backoff=0.1)
    assert (result.outcome, result.attempts) == (Outcome.OK, 3)


def test_connection_always_reset_is_broken_after_the_retries(farm):
    started = time.monotonic()
    result = probe_one(farm.url("/reset"), retries=2, backoff=0.1)
    assert result.outcome == Outcome.BROKEN
    assert result.attempts == 3
    assert "reset" in result.error
    assert time.monotonic() - started >= 0.1 + 0.2


def test_redirect_chain_is_followed_and_the_final_url_recorded(farm):
    result = probe_one(farm.url("/chain/3"))
    assert (result.outcome, result.http_status) == (Outcome.OK, 200)
    assert result.final_url == farm.url("/chain/0")
    assert [status for status, _location in result.redirects] == [302, 302, 302]


@pytest.mark.parametrize("code", [301, 308])
def test_permanent_redirect_is_reported(farm, code):
    result = probe_one(farm.url(f"/chain/1?code={code}"))
    assert result.outcome == Outcome.REDIRECT
    assert result.final_url == farm.url(f"/chain/0?code={code}")


@pytest.mark.parametrize("code", [302, 303, 307])
def test_temporary_redirect_is_fine(farm, code):
    assert probe_one(farm.url(f"/chain/1?code={code}")).outcome == Outcome.OK


def test_redirect_loop_is_detected(farm):
    result = probe_one(farm.url("/loop/x/0"))
    assert result.outcome == Outcome.BROKEN
    assert "Redirect loop" in result.error
    assert farm.stats.requests["127.0.0.1"] == 2  # no retry: a loop stays a loop


def test_redirects_beyond_the_limit_are_broken(farm):
    result = probe_one(farm.url("/chain/6"), max_redirects=5)
    assert result.outcome == Outcome.BROKEN
    assert "More than 5 redirects" in result.error
    assert probe_one(farm.url("/chain/5"), max_redirects=5).outcome == Outcome.OK


def test_redirect_without_location_is_broken(farm):
    result = probe_one(farm.url("/no-location"))
    assert (result.outcome, result.http_status) == (Outcome.BROKEN, 302)


def test_redirect_to_another_scheme_is_broken(farm):
    result = probe_one(farm.url("/to?url=ftp://example.org/file"))
    assert result.outcome == Outcome.BROKEN
    assert "only http and https" in result.error


@pytest.mark.parametrize("code", [429, 503])
def test_rate_limited_answer_waits_for_retry_after(farm, code):
    started = time.monotonic()
    result = probe_one(farm.url(f"/limited/a?after=1&code={code}"))
    assert (result.outcome, result.attempts) == (Outcome.OK, 2)
    assert time.monotonic() - started >= 1.0


def test_retry_after_beyond_the_cap_is_not_waited_for(farm):
    started = time.monotonic()
    result = probe_one(farm.url("/limited/b?after=3600&times=5"), retry_after_cap=5)
    assert (result.outcome, result.http_status) == (Outcome.BROKEN, 429)
    assert "3600 s" in result.error
    assert time.monotonic() - started < 3


def test_rate_limit_that_never_ends_is_broken_after_the_retries(farm):
    result = probe_one(farm.url("/limited/c?after=0&times=10"), retries=2)
    assert (result.outcome, result.http_status, result.attempts) == (Outcome.BROKEN, 429, 3)


def test_retry_after_reads_seconds_and_http_dates():
    assert probe.retry_after(httpx.Headers({"Retry-After": "7"})) == 7
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 27 <= probe.retry_after(httpx.Headers({"Retry-After": later})) <= 30
    assert probe.retry_after(httpx.Headers({"Retry-After": "soon"})) is None
    assert probe.retry_after(httpx.Headers({})) is None


def test_user_agent_identifies_the_checker(farm):
    probe_one(farm.url("/ok"), user_agent="wizard-cms-linkcheck/1.0 (test)")
    assert farm.stats.log[0][3]["user-agent"] == "wizard-cms-linkcheck/1.0 (test)"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_private_address_is_refused_without_the_setting(farm, host):
    result = probe_one(f"http://{host}:{farm.port}/ok", allowed_networks=())
    assert result.outcome == Outcome.REFUSED
    assert "private or local address" in result.error
    assert farm.stats.requests["127.0.0.1"] == 0  # refused before connecting


def test_redirect_into_a_refused_network_is_refused(farm2):
    target = farm2.url("/ok", host="127.0.0.2")
    result = probe_one(farm2.url(f"/to?url={target}"), allowed_networks=("127.0.0.1/32",))
    assert result.outcome == Outcome.REFUSED
    assert farm2.stats.requests["127.0.0.2"] == 0


@pytest.mark.parametrize(
    "address",
    ["10.1.2.3", "172.16.0.1", "192.168.1.1", "127.0.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1",
     "fe80::1", "fc00::1", "::ffff:127.0.0.1", "224.0.0.1"],
)  # fmt: skip
def test_private_loopback_and_link_local_addresses_are_forbidden(address):
    assert probe.is_forbidden(ipaddress.ip_address(address), [])


@pytest.mark.parametrize("address", ["8.8.8.8", "193.191.245.10", "2001:4860:4860::8888"])
def test_public_addresses_are_allowed(address):
    assert not probe.is_forbidden(ipaddress.ip_address(address), [])


def test_allowed_network_lifts_the_refusal():
    assert not probe.is_forbidden(ipaddress.ip_address("10.1.2.3"), [ipaddress.ip_network("10.0.0.0/8")])
    assert probe.is_forbidden(ipaddress.ip_address("10.1.2.3"), [ipaddress.ip_network("127.0.0.0/8")])


def test_only_http_and_https_are_checked():
    result = probe_one("mailto:someone@example.org")
    assert result.outcome == Outcome.BROKEN
    assert "only http and https" in result.error


@pytest.mark.parametrize(
    ("errno", "outcome", "attempts", "error"),
    [
        (socket.EAI_NONAME, Outcome.BROKEN, 1, "The host nowhere.test was not found"),
        (socket.EAI_AGAIN, Outcome.BROKEN, 3, "The DNS lookup of nowhere.test failed for now (3 tries)."),
    ],
)
def test_unknown_host_is_broken_at_once_but_a_resolver_hiccup_is_retried(monkeypatch, errno, outcome, attempts, error):
    async def lookup(self, host, *args, **kwargs):
        raise socket.gaierror(errno, "resolver says no")

    monkeypatch.setattr(probe, "resolve", REAL_RESOLVE)
    monkeypatch.setattr(asyncio.base_events.BaseEventLoop, "getaddrinfo", lookup)
    result = probe_one("http://nowhere.test/", backoff=0.01)
    assert (result.outcome, result.attempts) == (outcome, attempts)
    assert result.error.startswith(error)
