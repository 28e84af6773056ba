"""The client's address: the one place that decides it, for the login throttle, the feedback limit and the audit log.

Behind a proxy every request comes from the proxy, and the client's address is in X-Forwarded-For, where anyone
can also write anything. So the header is read only through the proxies the settings trust, and only the part of
it those proxies wrote: each proxy appends the address it received the request from, so the client is the entry
TRUSTED_PROXY_COUNT - 1 places from the right end (what a client wrote itself stays on the left, ignored).
"""

import ipaddress
from collections.abc import Callable
from contextvars import ContextVar
from functools import cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ipware import get_client_ip


def address(request: HttpRequest) -> str:
    """The address the request came from, as the trusted proxies saw it; REMOTE_ADDR when there are none."""
    remote = request.META.get("REMOTE_ADDR", "")
    count: int = settings.TRUSTED_PROXY_COUNT
    if count < 1 or not _is_trusted_proxy(remote, tuple(settings.TRUSTED_PROXIES)):
        return remote
    # The proxy nearest to us is REMOTE_ADDR; the count - 1 others wrote the right end of the header.
    # Not strict: a client may have sent a header of its own, which our proxies extended (that part is skipped).
    client, _is_routable = get_client_ip(
        request, proxy_count=count - 1, request_header_order=["HTTP_X_FORWARDED_FOR"], strict=False
    )
    return client or remote  # no usable header: all we know is the proxy


def _is_trusted_proxy(remote: str, networks: tuple[str, ...]) -> bool:
    """True when no networks are named (a count alone trusts whatever connects), or REMOTE_ADDR is in one."""
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(remote)
    except ValueError:
        return False
    return any(ip in network for network in _networks(networks))


@cache
def _networks(networks: tuple[str, ...]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(network, strict=False) for network in networks]


_current: ContextVar[str | None] = ContextVar("client_address", default=None)


def current() -> str | None:
    """The client address of the request being served, for the audit log; None in a command or a scheduled job."""
    return _current.get()


class ClientAddressMiddleware:
    """Makes `current()` answer while a request is served (the actions that write the audit log never see it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(address(request) or None)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
