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


def probe_one(url: str, **overrides: Any) -> probe.Result:
    """One probe, as the checker makes it, with fast test options."""
    opts = options(**overrides)

    async def go() -> probe.Result:
        async with probe.Clients(opts) as clients:
            return await probe.probe(url, clients=clients, options=opts)

    return run.run_blocking(go())
