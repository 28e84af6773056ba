import asyncio
import contextlib
import ipaddress
import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from cms.linkcheck import probe, run
from cms.linkcheck.probe import Outcome
from tests.cms.linkcheck.conftest import REAL_RESOLVE, FakeClock, probe_one


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
    result = probe_one(farm.url("/huge?head=405"))
    assert result.outcome == Outcome.OK
    assert methods(farm, "/huge?head=405") == ["HEAD", "GET"]
    time.sleep(0.2)  # let the farm notice the hang-up
    # The body is endless; what the farm managed to send is what fits in socket buffers, not the body.
    assert farm.stats.body_bytes_sent < 32 * 1024 * 1024


def test_slow_page_within_the_timeout_is_ok(farm):
    result = probe_one(farm.url("/slow/0.4"))
    assert result.outcome == Outcome.OK
    assert result.response_ms >= 400


def test_a_server_that_never_answers_costs_one_timeout_and_is_not_retried(farm):
    result = probe_one(farm.url("/hang"), timeout=2)
    assert (result.outcome, result.error, result.attempts) == (Outcome.BROKEN, "No answer within 2 s.", 1)
    assert methods(farm, "/hang") == ["HEAD"]  # the two-run rule, not a retry, confirms a timeout


def test_headers_sent_a_byte_at_a_time_hit_the_urls_budget(farm):
    # Every read gets a byte before any per-read timeout: only an overall deadline ends this.
    result = probe_one(farm.url("/drip-headers?every=0.05"), timeout=2)
    assert (result.outcome, result.error, result.attempts) == (Outcome.BROKEN, "No answer within 2 s.", 1)
    assert methods(farm, "/drip-headers?every=0.05") == ["HEAD"]
    # The checker hung up: the farm sees the connection end (it would drip for 10 s otherwise).
    assert eventually(lambda: farm.stats.in_flight["127.0.0.1"] == 0)


def eventually(condition, within: float = 5.0) -> bool:
    """Whether `condition()` becomes true within `within` seconds (another thread has to catch up)."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_a_body_sent_a_byte_at_a_time_is_not_waited_for(farm):
    result = probe_one(farm.url("/drip-body?every=0.5&head=405"), timeout=5)
    assert (result.outcome, result.http_status, result.attempts) == (Outcome.OK, 200, 1)
    assert methods(farm, "/drip-body?every=0.5&head=405") == ["HEAD", "GET"]


def test_endless_slow_redirects_share_one_budget(farm):
    # Each hop answers in time, but the chain would take far longer than the URL's budget.
    result = probe_one(farm.url("/chain/1000?delay=0.1"), timeout=0.5, max_redirects=1000)
    assert (result.outcome, result.error, result.attempts) == (Outcome.BROKEN, "No answer within 0.5 s.", 1)
    assert farm.stats.requests["127.0.0.1"] < 1000


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


def test_connect_timeout_is_not_retried(full_backlog):
    result = probe_one(f"http://127.0.0.1:{full_backlog}/", connect_timeout=0.3, timeout=3)
    assert (result.outcome, result.attempts) == (Outcome.BROKEN, 1)
    assert result.error == "Could not connect within 0.3 s."  # the connect timeout, not the 3 s budget


def test_the_time_spent_connecting_is_added_to_the_budget():
    async def go() -> tuple[float, float]:
        budget = probe.Budget(1.0)
        async with budget.spending():
            budget.add(0.25)
            left_inside = budget.left
        return left_inside, budget.left

    left_inside, left_after = run.run_blocking(go())  # asyncio.run, also beside Playwright's loop
    assert left_inside == 1.25
    assert 1.0 < left_after <= 1.25  # what the body used is taken off what it was given


def test_refused_connection_is_tried_once_more_at_once_then_broken(farm):
    # Nothing listens on the farm's port at 127.0.0.3.
    clock = FakeClock()
    result = probe_one(f"http://127.0.0.3:{farm.port}/ok", clock=clock)
    assert (result.outcome, result.attempts, clock.waits) == (Outcome.BROKEN, 2, [])
    assert "could not connect" in result.error.lower()


def test_connection_reset_is_tried_once_more_and_a_flaky_server_passes(farm):
    clock = FakeClock()
    result = probe_one(farm.url("/flaky/a?times=1"), clock=clock)
    assert (result.outcome, result.attempts, clock.waits) == (Outcome.OK, 2, [])


def test_connection_always_reset_is_broken_after_one_more_try(farm):
    result = probe_one(farm.url("/reset"))
    assert (result.outcome, result.attempts) == (Outcome.BROKEN, 2)
    assert "reset" in result.error
    assert farm.stats.requests["127.0.0.1"] == 2


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
    clock = FakeClock()
    result = probe_one(farm.url(f"/limited/a?after=7&code={code}"), clock=clock, retry_after_cap=30)
    assert (result.outcome, result.attempts, clock.waits) == (Outcome.OK, 2, [7.0])


def test_retry_after_beyond_the_cap_is_not_checked_this_run(farm):
    clock = FakeClock()
    result = probe_one(farm.url("/limited/b?after=3600&times=5"), clock=clock, retry_after_cap=30)
    assert (result.outcome, result.http_status, clock.waits) == (Outcome.RATE_LIMITED, 429, [])
    assert result.error == "Not checked this run: HTTP 429 Too Many Requests, and the server asks to wait 3600 s."


def test_a_wait_past_the_runs_budget_is_not_checked_this_run(farm):
    clock = FakeClock()
    result = probe_one(farm.url("/limited/d?after=20"), clock=clock, retry_after_cap=30, deadline=clock.now() + 10)
    assert (result.outcome, clock.waits) == (Outcome.RATE_LIMITED, [])
    assert farm.stats.requests["127.0.0.1"] == 1
    clock = FakeClock()
    result = probe_one(farm.url("/limited/e?after=5"), clock=clock, retry_after_cap=30, deadline=clock.now() + 10)
    assert (result.outcome, clock.waits) == (Outcome.OK, [5.0])  # within the run's budget: waited for


def test_rate_limit_that_never_ends_is_broken_after_the_retries(farm):
    clock = FakeClock()
    result = probe_one(farm.url("/limited/c?after=2&times=10"), retries=2, clock=clock)
    assert (result.outcome, result.http_status, result.attempts) == (Outcome.BROKEN, 429, 3)
    assert clock.waits == [2.0, 2.0]


def test_a_rate_limit_without_retry_after_backs_off(farm):
    clock = FakeClock()
    result = probe_one(farm.url("/status/503"), retries=2, backoff=1.5, clock=clock)
    assert (result.outcome, result.attempts, clock.waits) == (Outcome.BROKEN, 3, [1.5, 3.0])


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
        (socket.EAI_AGAIN, Outcome.BROKEN, 2, "The DNS lookup of nowhere.test failed for now (2 tries)."),
    ],
)
def test_unknown_host_is_broken_at_once_but_a_resolver_hiccup_is_retried(monkeypatch, errno, outcome, attempts, error):
    async def lookup(self, host, *args, **kwargs):
        raise socket.gaierror(errno, "resolver says no")

    monkeypatch.setattr(probe, "resolve", REAL_RESOLVE)
    monkeypatch.setattr(asyncio.base_events.BaseEventLoop, "getaddrinfo", lookup)
    result = probe_one("http://nowhere.test/")
    assert (result.outcome, result.attempts) == (outcome, attempts)
    assert result.error.startswith(error)
