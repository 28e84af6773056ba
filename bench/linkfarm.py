"""A URL farm: a small asyncio HTTP/1.1 server whose answer is written in the path, on one or more loopback
addresses (each address is a distinct "host"). The tests and the benchmark point the link checker at it.

Routes (any route also takes ?head=CODE: HEAD is answered with CODE, as servers that refuse HEAD do; and
?delay=SECONDS: every answer, or reset, comes after that delay, like a server far away):
  /ok                      200
  /status/CODE             that status (404, 500, 401…)
  /slow/SECONDS            200 after a delay
  /hang                    never answers; waits until the client gives up
  /chain/N?code=302        a chain of N redirects (code 301, 302, 307 or 308), then 200
  /to?url=URL&code=302     one redirect to any URL
  /loop/ID/I               redirects to /loop/ID/(I+1)%2: a loop
  /no-location             302 without a Location header
  /limited/ID?after=S&times=N&code=429
                           the first N requests for ID get CODE with Retry-After: S, then 200
  /reset                   the connection is reset (RST) before any answer
  /flaky/ID?times=N        the first N connections for ID are reset, then 200
  /huge                    200 with an endless body (a HEAD gets only the headers)
  /drip-headers?every=S    the status line, then the headers one byte every S seconds (default 1), never ending
  /drip-body?every=S       200 and its headers at once, then the body one byte every S seconds, never ending
  /_stats                  JSON: requests and the most requests in flight at once, per host

Only loopback addresses: the farm refuses to bind anything else.
"""

import asyncio
import contextlib
import ipaddress
import json
import socket
import struct
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

CHUNK = b"x" * 65536
REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 307: "Temporary Redirect", 308: "Permanent Redirect"}


@dataclass
class Stats:
    in_flight: Counter = field(default_factory=Counter)
    max_in_flight: Counter = field(default_factory=Counter)
    requests: Counter = field(default_factory=Counter)  # per host
    hits: Counter = field(default_factory=Counter)  # per path (without query)
    log: list[tuple[str, str, str, dict[str, str]]] = field(default_factory=list)  # host, method, target, headers
    body_bytes_sent: int = 0
    drip_bytes_sent: int = 0
    max_in_flight_all: int = 0
    connections: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "max_in_flight": dict(self.max_in_flight),
            "max_in_flight_all": self.max_in_flight_all,
            "body_bytes_sent": self.body_bytes_sent,
            "drip_bytes_sent": self.drip_bytes_sent,
            "connections": self.connections,
        }


class Farm:
    """The server. `await farm.start()` in a running loop, or `FarmThread` to run it beside synchronous code."""

    def __init__(self, hosts: list[str], port: int = 0, *, hang_limit: float = 60.0) -> None:
        for host in hosts:
            if not ipaddress.ip_address(host).is_loopback:
                raise ValueError(f"the farm only serves loopback addresses, not {host}")
        self.hosts, self.port, self.hang_limit = hosts, port, hang_limit
        self.stats = Stats()
        self.servers: list[asyncio.Server] = []
        self._counts: defaultdict[str, int] = defaultdict(int)
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        for host in self.hosts:
            server = await asyncio.start_server(self._serve, host, self.port, reuse_address=True, backlog=1024)
            self.port = server.sockets[0].getsockname()[1]  # every host on the same port as the first
            self.servers.append(server)

    async def stop(self) -> None:
        """Close the listeners and every open connection; return when all handlers are done."""
        for server in self.servers:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        handlers = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)

    def url(self, path: str, host: str | None = None) -> str:
        return f"http://{host or self.hosts[0]}:{self.port}{path}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        host = writer.get_extra_info("sockname")[0]
        self._writers.add(writer)
        self.stats.connections += 1
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _version = lines[0].split(" ", 2)
                headers = {
                    k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                if target.startswith("/_stats"):  # the observer's own request is not part of the figures
                    keep = await self._answer(method, target, headers, reader, writer)
                else:
                    keep = await self._counted(host, method, target, headers, reader, writer)
                if not keep:
                    return
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            self._writers.discard(writer)
            writer.transport.abort()

    async def _counted(
        self,
        host: str,
        method: str,
        target: str,
        headers: dict[str, str],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        self.stats.requests[host] += 1
        self.stats.log.append((host, method, target, headers))
        self.stats.in_flight[host] += 1
        self.stats.max_in_flight[host] = max(self.stats.max_in_flight[host], self.stats.in_flight[host])
        self.stats.max_in_flight_all = max(self.stats.max_in_flight_all, sum(self.stats.in_flight.values()))
        try:
            return await self._answer(method, target, headers, reader, writer)
        finally:
            self.stats.in_flight[host] -= 1

    async def _answer(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        """Answer one request; False when the connection must end."""
        parts = urlsplit(target)
        path, query = parts.path, {k: v[-1] for k, v in parse_qs(parts.query).items()}
        self.stats.hits[path] += 1
        segments = path.strip("/").split("/")
        route, args = segments[0], segments[1:]
        if "delay" in query:
            await asyncio.sleep(float(query["delay"]))
        if method == "HEAD" and "head" in query:
            return await self._send(writer, method, int(query["head"]))
        if route == "ok":
            return await self._send(writer, method, 200)
        if route == "status":
            return await self._send(writer, method, int(args[0]))
        if route == "slow":
            await asyncio.sleep(float(args[0]))
            return await self._send(writer, method, 200)
        if route == "hang":
            # Holds the request open until the client closes its side (or the farm's own limit).
            with contextlib.suppress(TimeoutError, ConnectionError):
                await asyncio.wait_for(reader.read(1), self.hang_limit)
            return False
        if route == "chain":
            left = int(args[0])
            if left <= 0:
                return await self._send(writer, method, 200)
            code = int(query.get("code", 302))
            location = f"/chain/{left - 1}" + (f"?{parts.query}" if parts.query else "")
            return await self._send(writer, method, code, {"Location": location})
        if route == "to":
            return await self._send(writer, method, int(query.get("code", 302)), {"Location": query["url"]})
        if route == "loop":
            location = f"/loop/{args[0]}/{(int(args[1]) + 1) % 2}" + (f"?{parts.query}" if parts.query else "")
            return await self._send(writer, method, 302, {"Location": location})
        if route == "no-location":
            return await self._send(writer, method, 302)
        if route == "limited":
            self._counts[path] += 1
            if self._counts[path] <= int(query.get("times", 1)):
                code = int(query.get("code", 429))
                return await self._send(writer, method, code, {"Retry-After": query.get("after", "1")})
            return await self._send(writer, method, 200)
        if route == "reset" or (route == "flaky" and self._bump(path) <= int(query.get("times", 1))):
            self._reset(writer)
            return False
        if route == "flaky":
            return await self._send(writer, method, 200)
        if route == "huge":
            return await self._huge(writer, method)
        if route in ("drip-headers", "drip-body"):
            return await self._drip(reader, writer, method, route, float(query.get("every", 1)))
        if route == "_stats":
            return await self._send(writer, method, 200, body=json.dumps(self.stats.as_dict()).encode())
        return await self._send(writer, method, 404)

    def _bump(self, path: str) -> int:
        self._counts[path] += 1
        return self._counts[path]

    @staticmethod
    def _reset(writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()

    async def _send(
        self, writer: asyncio.StreamWriter, method: str, status: int, extra: dict | None = None, body: bytes = b""
    ) -> bool:
        body = body or f"{status}\n".encode()
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}", f"Content-Length: {len(body)}"]
        lines += ["Content-Type: text/plain", "Connection: keep-alive"]
        lines += [f"{name}: {value}" for name, value in (extra or {}).items()]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + (b"" if method == "HEAD" else body))
        await writer.drain()
        return True

    async def _huge(self, writer: asyncio.StreamWriter, method: str) -> bool:
        head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000000000\r\n\r\n"
        writer.write(head.encode())
        await writer.drain()
        if method == "HEAD":
            return True
        try:
            while True:  # until the client hangs up
                writer.write(CHUNK)
                await writer.drain()
                self.stats.body_bytes_sent += len(CHUNK)
        except (ConnectionError, OSError):
            return False

    async def _drip(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, method: str, route: str, every: float
    ) -> bool:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000000\r\n\r\n"
        if route == "drip-headers":
            writer.write(head[:17])  # the status line only
            drip = b"X-Slow: " + b"x" * 10_000_000
        else:
            writer.write(head)
            if method == "HEAD":
                await writer.drain()
                return True
            drip = b"x" * 100_000_000
        try:
            await writer.drain()
            for sent, byte in enumerate(drip):  # until the client hangs up (or the farm's own limit)
                with contextlib.suppress(TimeoutError):
                    # Waiting on the reader notices a hang-up at once, so the request counts as in flight no longer.
                    if not await asyncio.wait_for(reader.read(1), every):
                        break
                if sent * every > self.hang_limit:
                    break
                writer.write(bytes([byte]))
                await writer.drain()
                self.stats.drip_bytes_sent += 1
        except (ConnectionError, OSError):
            pass
        return False


class FarmThread:
    """The farm on its own event loop in a daemon thread, for synchronous callers (pytest fixtures)."""

    def __init__(self, hosts: list[str], port: int = 0, **kwargs: Any) -> None:
        self.farm = Farm(hosts, port, **kwargs)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> Farm:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.farm.start(), self.loop).result(10)
        return self.farm

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.farm.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def query(**params: Any) -> str:
    return "?" + urlencode(params)
