"""Link checker tests run against URL farms on 127.0.0.x that the tests start (tests/linkfarm.py)."""

from typing import Any

import pytest

from cms.linkcheck import probe, run
from tests.linkfarm import FAST
from tests.linkfarm import REAL_RESOLVE as REAL_RESOLVE  # test_probe restores it


@pytest.fixture(autouse=True)
def _offline(offline_links: None) -> None:
    """Nothing here reaches the internet, even a test without a farm."""


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
