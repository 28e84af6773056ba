"""Fixtures for the tests that run the link checker: URL farms on 127.0.0.x, and settings that reach only them.

A pytest plugin (tests/conftest.py loads it): the link checker's own tests use it throughout
(tests/cms/linkcheck/conftest.py), the admin's link-check actions (tests/cms/admin/test_linkcheck.py) too.
"""

from collections.abc import Iterator
from typing import Any

import pytest

from bench.linkfarm import Farm, FarmThread
from cms.linkcheck import probe

LOOPBACK = ("127.0.0.0/8",)
REAL_RESOLVE = probe.resolve
# Short timeouts and waits, so that the retry and timeout behaviour takes a second, not a minute.
FAST = {"timeout": 1.0, "connect_timeout": 1.0, "backoff": 0.1, "retry_after_cap": 5.0, "allowed_networks": LOOPBACK}


@pytest.fixture
def offline_links(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
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
def farm(offline_links: None) -> Iterator[Farm]:
    with FarmThread(["127.0.0.1"], hang_limit=10) as running:
        yield running


@pytest.fixture
def farm2(offline_links: None) -> Iterator[Farm]:
    """Two hosts: 127.0.0.1 and 127.0.0.2, on one port."""
    with FarmThread(["127.0.0.1", "127.0.0.2"], hang_limit=10) as running:
        yield running
