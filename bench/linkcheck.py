"""Benchmark of the link checker against a local URL farm: `.venv/bin/python bench/linkcheck.py`.

The farm (bench/linkfarm.py) runs in a child process on 127.0.0.2 … 127.0.0.N, one "host" per address. Most hosts
are ordinary: working pages, slow pages, 404s and 500s, redirect chains (some permanent), servers that refuse
HEAD, endless bodies. A few are not: one never answers, one sends its headers a byte a second, one answers at once
but drips its bodies a byte a second, one resets connections (once, or always), one rate-limits with Retry-After,
one loops redirects. The checker judges every URL exactly as `checklinks --urls` does, with the default timeouts.

The bound is what checking needs, not what our policy spends: per URL, the requests its answer requires without
any retry of ours (a server that never answers costs one timeout; a reset, one request; a 429, the request, the
server's Retry-After and the request after it), and per host that time spread over its 4 slots. No checker that
keeps 4 requests per host can beat the larger of the slowest single URL and the busiest host's time / 4.

Only loopback addresses, nothing stored, and the farm stops with the benchmark (or after ten minutes anyway).
"""

import argparse
import asyncio
import json
import multiprocessing
import multiprocessing.connection
import os
import random
import resource
import sys
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")

import django  # noqa: E402

django.setup()

from bench.linkfarm import Farm  # noqa: E402
from cms.linkcheck import probe, run  # noqa: E402
from cms.linkcheck.probe import Options, Outcome  # noqa: E402

FARM_LIFETIME = 600.0  # seconds: the farm exits by itself even if the benchmark is killed
LATENCY = 0.1  # every answer of the farm takes this long, as a distant server's would


@dataclass(frozen=True)
class Kind:
    """One kind of URL: how to ask the farm for it, what the checker should conclude, and what it costs."""

    name: str
    share: int  # URLs of this kind per hundred of its host's URLs
    path: str  # {id} is replaced by a unique number, {lat} by the farm's latency
    expected: Outcome
    need: tuple[tuple[float, float], ...]  # what the answer needs: (seconds holding a slot, then waiting without)
    requests: int = 1  # requests our rules make (HEAD, the GET fallback, redirect hops, a reset tried again)

    @property
    def busy(self) -> float:
        return sum(held for held, _wait in self.need)

    @property
    def longest(self) -> float:
        return sum(held + wait for held, wait in self.need)


@dataclass(frozen=True)
class Host:
    """A kind of server: its URLs (a number, or None for an equal part of what the special hosts leave)."""

    name: str
    kinds: tuple[Kind, ...]
    urls: int | None = None


def hosts(opts: Options) -> list[Host]:
    lat, timeout = LATENCY, opts.timeout
    ok = Kind("ok", 60, "/ok?delay={lat}&id={id}", Outcome.OK, ((lat, 0),))
    ordinary = (
        ok,
        Kind("slow", 5, "/slow/0.5?id={id}", Outcome.OK, ((0.5, 0),)),
        Kind("not found", 8, "/status/404?delay={lat}&id={id}", Outcome.BROKEN, ((2 * lat, 0),), requests=2),
        Kind("server error", 4, "/status/500?delay={lat}&id={id}", Outcome.BROKEN, ((2 * lat, 0),), requests=2),
        Kind("redirect chain", 8, "/chain/3?delay={lat}&id={id}", Outcome.OK, ((4 * lat, 0),), requests=4),
        Kind(
            "moved permanently",
            3,
            "/chain/2?code=301&delay={lat}&id={id}",
            Outcome.REDIRECT,
            ((3 * lat, 0),),
            requests=3,
        ),
        Kind("HEAD refused", 10, "/ok?head=405&delay={lat}&id={id}", Outcome.OK, ((2 * lat, 0),), requests=2),
        Kind("huge body", 2, "/huge?head=405&delay={lat}&id={id}", Outcome.OK, ((2 * lat, 0),), requests=2),
    )
    return [
        Host("never answers", (Kind("hanging", 100, "/hang?id={id}", Outcome.BROKEN, ((timeout, 0),)),), urls=4),
        Host(
            "drips headers",
            (Kind("headers dripped", 100, "/drip-headers?every=1&id={id}", Outcome.BROKEN, ((timeout, 0),)),),
            urls=4,
        ),
        Host(
            "drips bodies",
            (
                Kind(
                    "body dripped",
                    100,
                    "/drip-body?every=1&head=405&delay={lat}&id={id}",
                    Outcome.OK,
                    ((2 * lat, 0),),
                    requests=2,
                ),
            ),
            urls=40,
        ),
        Host(
            "resets",
            (
                Kind("reset once", 75, "/flaky/{id}?times=1&delay={lat}", Outcome.OK, ((lat, 0),), requests=2),
                Kind("always reset", 25, "/reset?delay={lat}&id={id}", Outcome.BROKEN, ((lat, 0),), requests=2),
            ),
            urls=40,
        ),
        Host(
            "rate-limits",
            (
                Kind(
                    "rate limited",
                    100,
                    "/limited/{id}?after=1&delay={lat}",
                    Outcome.OK,
                    ((lat, 1.0), (lat, 0)),
                    requests=2,
                ),
            ),
            urls=40,
        ),
        Host(
            "loops redirects",
            (Kind("redirect loop", 100, "/loop/{id}/0?delay={lat}", Outcome.BROKEN, ((2 * lat, 0),), requests=2),),
            urls=40,
        ),
        Host("ordinary", ordinary),
    ]


def farm_process(hosts: list[str], conn: multiprocessing.connection.Connection) -> None:
    async def serve() -> None:
        farm = Farm(hosts, hang_limit=30)
        await farm.start()
        conn.send(farm.port)
        await asyncio.sleep(FARM_LIFETIME)

    asyncio.run(serve())


def plan(addresses: list[str], port: int, total: int, opts: Options, seed: int) -> list[tuple[str, Kind, str]]:
    """(url, kind, host) for about `total` URLs: the special hosts first, the rest on ordinary ones; shuffled."""
    profiles = hosts(opts)
    special, ordinary = [host for host in profiles if host.urls], next(host for host in profiles if not host.urls)
    if len(addresses) <= len(special):
        raise SystemExit(f"--hosts must be more than {len(special)}: one per special server, and ordinary ones")
    left = total - sum(host.urls or 0 for host in special)
    per_ordinary = max(left // (len(addresses) - len(special)), 1)
    urls, serial = [], 0
    for address, profile in zip(addresses, special + [ordinary] * len(addresses), strict=False):
        count = profile.urls or per_ordinary
        shares = sum(kind.share for kind in profile.kinds)
        for kind in profile.kinds:
            for _ in range(max(1, round(kind.share * count / shares))):
                serial += 1
                path = kind.path.format(id=serial, lat=LATENCY)
                urls.append((f"http://{address}:{port}{path}", kind, address))
    random.Random(seed).shuffle(urls)
    return urls


def bound_seconds(planned: list[tuple[str, Kind, str]], per_host: int) -> tuple[float, float, float]:
    """(bound, slowest single URL, busiest host's time / per_host): what checking needs, without our retries."""
    busy: defaultdict[str, float] = defaultdict(float)
    for _url, kind, host in planned:
        busy[host] += kind.busy
    slowest = max(kind.longest for _u, kind, _h in planned)
    busiest = max(busy.values()) / per_host
    return max(slowest, busiest), slowest, busiest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=20, help="loopback addresses 127.0.0.2 … (default 20)")
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--timeout", type=float, help="one URL's budget (default: LINKCHECK_TIMEOUT, 10 s)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    hosts = [f"127.0.0.{n}" for n in range(2, 2 + args.hosts)]
    # The default timeouts, waits and caps: only the farm's loopback addresses are allowed on top.
    opts = run.options(
        per_host=args.per_host, concurrency=args.concurrency, timeout=args.timeout, allowed_networks=("127.0.0.0/8",)
    )
    receive, send = multiprocessing.Pipe(duplex=False)
    farm = multiprocessing.Process(target=farm_process, args=(hosts, send), daemon=True)
    farm.start()
    try:
        port = receive.recv()
        planned = plan(hosts, port, args.urls, opts, args.seed)
        truth = {url: kind for url, kind, _host in planned}
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        host_of = {url: host for url, _kind, host in planned}
        finished: defaultdict[str, float] = defaultdict(float)  # when each host's last URL was judged
        judge = probe.probe

        async def timed(url: str, **kwargs: object) -> probe.Result:
            result = await judge(url, **kwargs)
            finished[host_of[url]] = time.monotonic() - started
            return result

        probe.probe = timed  # the benchmark only watches: each URL is still judged by the checker's own probe
        cpu_before = time.process_time()
        started = time.monotonic()
        report = run.check([url for url, _kind, _host in planned], opts=opts)
        cpu = time.process_time() - cpu_before
        wall = time.monotonic() - started
        rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        with urllib.request.urlopen(f"http://{hosts[0]}:{port}/_stats", timeout=5) as response:  # noqa: S310
            stats = json.load(response)
    finally:
        farm.terminate()
        farm.join(5)

    predicted = {result.url for result in report.results if result.outcome == Outcome.BROKEN}
    actual = {url for url, kind in truth.items() if kind.expected == Outcome.BROKEN}
    true_positives = len(predicted & actual)
    wrong = [
        (r.url, truth[r.url].name, str(r.outcome), r.error)
        for r in report.results
        if r.outcome != truth[r.url].expected
    ]
    bound, slowest, busiest = bound_seconds(planned, args.per_host)
    figures = {
        "urls": len(planned),
        "hosts": len(hosts),
        "per_host_limit": args.per_host,
        "requests": sum(stats["requests"].values()),
        "requests_the_rules_need": sum(kind.requests for _url, kind, _host in planned),
        "timeout_seconds": opts.timeout,
        "bound_seconds": round(bound, 2),
        "slowest_single_url_seconds": round(slowest, 2),
        "busiest_host_over_slots_seconds": round(busiest, 2),
        "wall_seconds": round(wall, 2),
        "wall_over_bound": round(wall / bound, 3),
        "host_that_never_answers_done_at_seconds": round(finished[hosts[0]], 2),
        "host_that_drips_headers_done_at_seconds": round(finished[hosts[1]], 2),
        "slowest_ordinary_host_done_at_seconds": round(max(finished[host] for host in hosts[6:]), 2),
        "checker_cpu_seconds": round(cpu, 2),  # well below the wall time: the rest is waiting, or a busy machine
        "max_in_flight_per_host": max(stats["max_in_flight"].values()),
        "max_in_flight_all_hosts": stats["max_in_flight_all"],
        "precision": round(true_positives / len(predicted), 4) if predicted else 1.0,
        "recall": round(true_positives / len(actual), 4) if actual else 1.0,
        "broken_expected": len(actual),
        "broken_found": len(predicted),
        "outcomes_wrong": len(wrong),
        "peak_rss_mb": round(rss_peak, 1),
        "rss_growth_mb": round(rss_peak - rss_before, 1),
        "huge_body_bytes_sent_by_farm": stats["body_bytes_sent"],
        "dripped_bytes_sent_by_farm": stats["drip_bytes_sent"],
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),  # other work on the machine slows both sides
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for name, value in figures.items():
            print(f"{name:<30} {value}")
        for url, kind, outcome, error in wrong[:20]:
            print(f"  wrong: {kind}: {outcome} {error} {url}")
    goals = (
        figures["precision"] == 1.0
        and figures["recall"] == 1.0
        and figures["max_in_flight_per_host"] <= args.per_host
        and figures["wall_over_bound"] <= 1.3
    )
    sys.stdout.flush()
    print("goals met" if goals else "GOALS NOT MET", file=sys.stderr, flush=True)
    sys.exit(0 if goals else 1)


if __name__ == "__main__":
    main()
