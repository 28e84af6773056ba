"""Link checker tests run against URL farms on 127.0.0.x that the tests start; nothing reaches the internet."""

from collections.abc import Iterator
from typing import Any

import pytest

from bench.linkfarm import Farm, FarmThread
from cms.linkcheck import probe, run
from tests import factories
from wizard import exchange
from wizard.models import Node

LOOPBACK = ("127.0.0.0/8",)
REAL_RESOLVE = probe.resolve
# Short timeouts and waits, so that the retry and timeout behaviour takes a second, not a minute.
FAST = {"timeout": 1.0, "connect_timeout": 1.0, "backoff": 0.1, "retry_after_cap": 5.0, "allowed_networks": LOOPBACK}


@pytest.fixture(autouse=True)
def _offline(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    """Names other than localhost never resolve, and the settings allow the loopback farm only, with short waits."""
    real = REAL_RESOLVE

    async def resolve(host: str, port: int) -> list:
        if host != "localhost" and not host.replace(".", "").isdigit() and ":" not in host:
            raise probe.HostNotFoundError(f"tests do not resolve {host}")
        return await real(host, port)

    monkeypatch.setattr(probe, "resolve", resolve)
    settings.LINKCHECK_ALLOW_PRIVATE = list(LOOPBACK)
    settings.LINKCHECK_TIMEOUT = FAST["timeout"]
    settings.LINKCHECK_CONNECT_TIMEOUT = FAST["connect_timeout"]
    settings.LINKCHECK_BACKOFF = FAST["backoff"]
    settings.LINKCHECK_RETRY_AFTER_CAP = FAST["retry_after_cap"]


@pytest.fixture
def farm() -> Iterator[Farm]:
    with FarmThread(["127.0.0.1"], hang_limit=10) as running:
        yield running


@pytest.fixture
def farm2() -> Iterator[Farm]:
    """Two hosts: 127.0.0.1 and 127.0.0.2, on one port."""
    with FarmThread(["127.0.0.1", "127.0.0.2"], hang_limit=10) as running:
        yield running


def options(**overrides: Any) -> probe.Options:
    return probe.Options(**{**FAST, **overrides})


class FakeClock(probe.Clock):
    """A clock that moves only when the probe waits: each wait is recorded and passes at once."""

    def __init__(self) -> None:
        self.time, self.waits = 1000.0, []

    def now(self) -> float:
        return self.time

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.time += seconds


def probe_one(
    url: str, *, clock: probe.Clock = probe.SYSTEM_CLOCK, deadline: float | None = None, **overrides: Any
) -> probe.Result:
    """One probe, as the checker makes it, with fast test options."""
    opts = options(**overrides)

    async def go() -> probe.Result:
        async with probe.Clients(opts) as clients:
            return await probe.probe(url, clients=clients, options=opts, clock=clock, deadline=deadline)

    return run.run_blocking(go())


def make_content(links: dict[str, dict[str, str]], bodies: dict[str, Any], slug: str = "demo") -> Node:
    """A wizard whose link targets are `links` ({key: {lang: url}}) and whose tasks have the given bodies."""
    children = [factories.step(name, body=body) for name, body in bodies.items()]
    document = factories.document(slug, children=children)
    document["links"] = [{"key": key, "name": {"fr": key}, "url": urls} for key, urls in links.items()]
    return exchange.load(document)
