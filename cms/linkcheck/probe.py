"""One HTTP check of one URL, without the database: HEAD (GET when HEAD is refused), redirects followed by hand.

A probe is polite (an identifying User-Agent, a slot from the caller's concurrency limiter for every request,
Retry-After honoured), patient with flaky servers (resets and timeouts are retried with doubling waits) and
safe: the client connects only to addresses it has checked itself, so a URL, a redirect or a DNS answer cannot
send it into the internal network unless `allowed_networks` says so.
"""

import asyncio
import contextlib
import email.utils
import ipaddress
import logging
import socket
import ssl
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import certifi
import httpcore
import httpx

logger = logging.getLogger(__name__)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
PERMANENT_REDIRECTS = frozenset({301, 308})
# Answers that mean "not now": retried after the server's Retry-After (within a cap) or a backoff.
RATE_LIMITED = frozenset({429, 503})
# A page that asks for a login exists: editors link to portals that need one.
WORKING_STATUSES = frozenset({401})

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Slot = Callable[[str], AbstractAsyncContextManager[Any]]


class Outcome(StrEnum):
    """What one probe concludes, by itself (run.py adds the history: unstable before broken)."""

    OK = "ok"
    REDIRECT = "redirect"  # works, but moved permanently: the link should be updated
    BROKEN = "broken"
    REFUSED = "refused"  # not checked: the host is on a private, loopback or link-local address


@dataclass(frozen=True)
class Options:
    connect_timeout: float = 5.0
    timeout: float = 15.0  # one request, from its start until the status line and headers are in
    concurrency: int = 32  # requests in flight, all hosts together (run.py enforces it)
    per_host: int = 4  # requests in flight to one host (run.py enforces it)
    retries: int = 2  # tries after the first, for resets, timeouts and 429/503 answers
    backoff: float = 1.0  # seconds before the first retry; each further retry waits twice as long
    retry_after_cap: float = 30.0
    max_redirects: int = 10
    user_agent: str = "wizard-cms-linkcheck/1.0"
    allowed_networks: tuple[str, ...] = ()  # private networks the checker may still reach


@dataclass
class Result:
    url: str
    outcome: Outcome
    http_status: int | None = None
    final_url: str = ""
    error: str = ""
    response_ms: int | None = None
    attempts: int = 0
    redirects: list[tuple[int, str]] = field(default_factory=list)  # (status, where it sent us), in order

    @property
    def is_failure(self) -> bool:
        return self.outcome == Outcome.BROKEN

    def as_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "outcome": str(self.outcome),
            "http_status": self.http_status,
            "final_url": self.final_url,
            "error": self.error,
            "response_ms": self.response_ms,
            "attempts": self.attempts,
            "redirects": [{"status": status, "location": location} for status, location in self.redirects],
        }


class PrivateAddressError(Exception):
    """The host resolves to an address the checker must not reach."""


class HostNotFoundError(Exception):
    """The host name does not resolve."""


class _Transient(Exception):
    """A failure worth another try: a reset, a timeout, a refused connection, a 429 or 503."""

    def __init__(self, message: str, *, wait: float | None = None, http_status: int | None = None) -> None:
        super().__init__(message)
        self.wait, self.http_status = wait, http_status


class _Final(Exception):
    """A failure no retry will cure: a redirect loop, an unsupported scheme, a bad certificate."""


# IPv6 ranges that carry an IPv4 address, which a gateway on the path may turn into a connection to it.
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052's well-known prefix: the last 32 bits are the IPv4 address
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: local use only, never on the public internet
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # ::a.b.c.d, deprecated by RFC 4291 (:: and ::1 are in it too)


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 transition address leads to: IPv4-mapped, 6to4, NAT64 or IPv4-compatible."""
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address in NAT64 or address in IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_forbidden(address: Address, allowed: Sequence[Network]) -> bool:
    """True for every address that is not on the public internet (private, loopback, link-local, reserved…).

    An IPv6 address that embeds an IPv4 one is judged by the IPv4 address it leads to: 64:ff9b::7f00:1 is
    127.0.0.1 behind a NAT64 gateway. (Teredo, 2001::/32, is not global: refused as it is.)
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address in LOCAL_NAT64 and not any(address in network for network in allowed):
            return True
        address = embedded_ipv4(address) or address
    if any(address in network for network in allowed):
        return False
    return not address.is_global or address.is_multicast


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host itself, refuses forbidden addresses, then connects to a checked address.

    Checking before the request and letting the connection resolve again would leave a gap: a DNS answer that
    changes between the two (DNS rebinding) would reach the internal network. Here the checked address is the
    one connected to.
    """

    def __init__(self, allowed: Sequence[Network]) -> None:
        self.allowed = list(allowed)
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = await resolve(host, port)
        refused = [str(address) for address in addresses if is_forbidden(address, self.allowed)]
        if refused:
            raise PrivateAddressError(f"{host} resolves to a private or local address ({', '.join(refused)})")
        error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as failure:
                error = failure
        assert error is not None  # resolve() never returns an empty list
        raise error

    async def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None) -> Any:
        raise PrivateAddressError("Unix sockets are never checked")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


async def resolve(host: str, port: int) -> list[Address]:
    """Every address of `host` (an IP literal resolves to itself), in the resolver's order, without repeats."""
    with contextlib.suppress(ValueError):
        return [ipaddress.ip_address(host.strip("[]"))]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        if error.errno == socket.EAI_AGAIN:  # the resolver could not answer now: worth another try
            raise _Transient(f"the DNS lookup of {host} failed for now") from None
        raise HostNotFoundError(f"the host {host} was not found ({error.strerror})") from None
    found = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))
    if not found:
        raise HostNotFoundError(f"the host {host} has no address")
    return found


def make_client(
    options: Options, *, connections: int | None = None, tls: ssl.SSLContext | None = None
) -> httpx.AsyncClient:
    """An HTTP client for probes: no automatic redirects or retries (probe() does both), guarded connections."""
    size = max(connections or options.concurrency, 1)
    limits = httpx.Limits(max_connections=size, max_keepalive_connections=size, keepalive_expiry=5.0)
    # trust_env=False: a proxy from the environment would be the only address the guard ever saw.
    tls = tls or ssl.create_default_context(cafile=certifi.where())
    transport = httpx.AsyncHTTPTransport(verify=tls, limits=limits, trust_env=False)
    # httpx does not pass a network backend through to httpcore; the pool is rebuilt with ours (httpx is pinned).
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=tls,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend([ipaddress.ip_network(net, strict=False) for net in options.allowed_networks]),
    )
    return httpx.AsyncClient(
        transport=transport,
        follow_redirects=False,
        timeout=httpx.Timeout(options.timeout, connect=options.connect_timeout),
        headers={
            "User-Agent": options.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        },
        trust_env=False,
    )


class Clients:
    """One HTTP client per host, made when first needed, all closed together (`async with Clients(options)`).

    Per host, because httpcore scans its whole pool on every request and at every release: one pool of a few
    connections per host costs a fraction of one big pool for all of them.
    """

    def __init__(self, options: Options) -> None:
        self.options = options
        self._clients: dict[str, httpx.AsyncClient] = {}
        self._tls: ssl.SSLContext | None = None

    def get(self, host: str) -> httpx.AsyncClient:
        client = self._clients.get(host)
        if client is None:
            # Loading the CA bundle takes tens of milliseconds: one TLS context serves every client.
            self._tls = self._tls or ssl.create_default_context(cafile=certifi.where())
            client = self._clients[host] = make_client(self.options, connections=self.options.per_host, tls=self._tls)
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    async def __aenter__(self) -> "Clients":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


@contextlib.asynccontextmanager
async def unlimited(host: str) -> AsyncIterator[None]:
    yield


async def probe(url: str, *, clients: Clients, options: Options, slot: Slot = unlimited) -> Result:
    """Check one URL, with its retries; never raises for anything the network or the server does."""
    attempts = 0
    while True:
        attempts += 1
        started = time.monotonic()
        try:
            result = await _follow(url, clients=clients, options=options, slot=slot)
        except PrivateAddressError as error:
            return Result(url, Outcome.REFUSED, error=f"Not checked: {error}.", attempts=attempts)
        except (HostNotFoundError, _Final) as error:
            return Result(url, Outcome.BROKEN, error=_sentence(error), attempts=attempts)
        except _Transient as error:
            if attempts > options.retries:
                message = _tries(error, attempts)
                return Result(url, Outcome.BROKEN, http_status=error.http_status, error=message, attempts=attempts)
            wait = options.backoff * 2 ** (attempts - 1) if error.wait is None else error.wait
            if wait > options.retry_after_cap:
                message = f"{_sentence(error)} The server asks to wait {wait:.0f} s, longer than we wait."
                return Result(url, Outcome.BROKEN, http_status=error.http_status, error=message, attempts=attempts)
            await asyncio.sleep(wait)
            continue
        except Exception as error:  # a probe must not take the whole run down with it
            logger.exception("Unexpected failure while checking %s", url)
            return Result(url, Outcome.BROKEN, error=f"Unexpected error: {error!r}", attempts=attempts)
        result.attempts = attempts
        result.response_ms = round((time.monotonic() - started) * 1000)
        return result


def _sentence(error: Exception) -> str:
    text = str(error) or type(error).__name__
    text = text[0].upper() + text[1:]
    return text if text.endswith(".") else f"{text}."


def _tries(error: Exception, attempts: int) -> str:
    return f"{_sentence(error)[:-1]} ({attempts} tries)." if attempts > 1 else _sentence(error)


async def _follow(url: str, *, clients: Clients, options: Options, slot: Slot) -> Result:
    """One pass through the redirect chain, from `url` to an answer that is not a redirect.

    The host's slot is kept from one request to the next while the chain stays on that host, so that a URL, once
    started, finishes without queueing again behind every other URL of the host. It is released before another
    host's slot is awaited: holding one while waiting for another could deadlock.
    """
    current, seen, hops = url, {urldefrag(url).url}, []
    async with contextlib.AsyncExitStack() as held:
        held_host = None
        for _hop in range(options.max_redirects + 1):
            host = _host(current)
            if host != held_host:
                await held.aclose()
                await held.enter_async_context(slot(host))
                held_host = host
            status, headers = await _ask(current, client=clients.get(host), options=options)
            location = headers.get("location", "").strip()
            if status in REDIRECT_STATUSES and location:
                target = urljoin(current, location)
                hops.append((status, target))
                if urldefrag(target).url in seen:
                    raise _Final(f"redirect loop: {target} was already visited")
                seen.add(urldefrag(target).url)
                current = target
                continue
            return _judge(url, status, current, hops, headers)
    raise _Final(f"more than {options.max_redirects} redirects")


def _host(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise _Final(f"cannot check {url!r}: only http and https addresses are checked")
    return parts.hostname.lower()


def _judge(url: str, status: int, final_url: str, hops: list[tuple[int, str]], headers: httpx.Headers) -> Result:
    if status in RATE_LIMITED:
        raise _Transient(f"HTTP {status} {_reason(status)}", wait=retry_after(headers), http_status=status)
    if 200 <= status < 300 or status in WORKING_STATUSES:
        moved = bool(hops) and hops[0][0] in PERMANENT_REDIRECTS
        outcome = Outcome.REDIRECT if moved else Outcome.OK
        return Result(url, outcome, http_status=status, final_url=final_url if hops else "", redirects=hops)
    error = f"HTTP {status} {_reason(status)}"
    if status in REDIRECT_STATUSES:
        error = f"HTTP {status}: a redirect without a Location header"
    return Result(
        url, Outcome.BROKEN, http_status=status, final_url=final_url if hops else "", error=error, redirects=hops
    )


def _reason(status: int) -> str:
    return httpx.codes.get_reason_phrase(status) or "error"


async def _ask(url: str, *, client: httpx.AsyncClient, options: Options) -> tuple[int, httpx.Headers]:
    """HEAD, then GET when the server refuses HEAD: status and headers, with no more of a body than that."""
    status, headers = await _send("HEAD", url, client=client, options=options)
    # Many servers answer HEAD with 405, 501 or another 4xx (403, 404, 400) while GET works.
    if status >= 400 and status not in RATE_LIMITED:
        status, headers = await _send("GET", url, client=client, options=options)
    return status, headers


async def _send(method: str, url: str, *, client: httpx.AsyncClient, options: Options) -> tuple[int, httpx.Headers]:
    try:
        async with asyncio.timeout(options.timeout):
            # Streaming, and leaving without reading: the body of a GET is never downloaded.
            async with client.stream(method, url) as response:
                if method == "HEAD":
                    # A HEAD answer has no body; reading its end lets the connection serve the next request.
                    await response.aread()
                return response.status_code, response.headers
    except TimeoutError:
        raise _Transient(f"no answer within {options.timeout:g} s") from None
    except httpx.ConnectTimeout:
        raise _Transient(f"could not connect within {options.connect_timeout:g} s") from None
    except httpx.TimeoutException:
        raise _Transient(f"no answer within {options.timeout:g} s") from None
    except httpx.ConnectError as error:
        if "CERTIFICATE" in str(error).upper() or isinstance(error.__cause__, ssl.SSLError):
            raise _Final(f"TLS error: {error}") from None
        raise _Transient(f"could not connect: {error}" if str(error) else "could not connect") from None
    except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as error:
        detail = str(error) or type(error).__name__
        raise _Transient(f"the connection was reset or closed early ({detail})") from None
    except (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.LocalProtocolError) as error:
        raise _Final(f"cannot check this address: {error}") from None


def retry_after(headers: httpx.Headers) -> float | None:
    """Seconds the server asks us to wait (Retry-After as seconds or as an HTTP date), or None."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)
