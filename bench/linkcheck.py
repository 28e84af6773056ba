"""Benchmark of the link checker against a local URL farm: `.venv/bin/python bench/linkcheck.py`.

The farm (bench/linkfarm.py) runs in a child process on 127.0.0.2 … 127.0.0.N, one "host" per address, and serves
a known mix of answers: working pages, slow pages, 404s and 500s, redirect chains (some permanent), redirect loops,
servers that refuse HEAD, rate limiting with Retry-After, connections reset once or always, servers that hang, and
endless bodies. The checker judges 2,000 URLs exactly as `checklinks --urls` does; the benchmark reports its wall
time, memory, the most requests the farm saw in flight per host, precision and recall on the broken ones, and the
ideal time: what a checker with the same rules (per-host limit, timeouts, retries, waits) could not beat.

Only loopback addresses, nothing stored, and the farm stops with the benchmark (or after ten minutes anyway).
"""

import argparse
import asyncio
import heapq
import json
import multiprocessing
import multiprocessing.connection
import os
import random
import resource
import sys
import time
import urllib.request
from collections import defaultdict, deque
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")

import django  # noqa: E402

django.setup()

from bench.linkfarm import Farm  # noqa: E402
from cms.linkcheck import run  # noqa: E402
from cms.linkcheck.probe import Options, Outcome  # noqa: E402

FARM_LIFETIME = 600.0  # seconds: the farm exits by itself even if the benchmark is killed
LATENCY = 0.1  # every answer of the farm takes this long, as a distant server's would


@dataclass(frozen=True)
class Kind:
    """One kind of URL: how to ask the farm for it, what the checker should conclude, and what it costs."""

    name: str
    share: int  # URLs of this kind per 250
    path: str  # {id} is replaced by a unique number
    expected: Outcome
    requests: int  # requests the rules require (HEAD, GET fallback, redirect hops, retries)
    steps: tuple[tuple[float, float], ...]  # (seconds holding a request slot, then seconds waiting without one)

    @property
    def busy(self) -> float:
        return sum(held for held, _wait in self.steps)

    @property
    def longest(self) -> float:
        return sum(held + wait for held, wait in self.steps)


def kinds(opts: Options) -> list[Kind]:
    lat, timeout, b = LATENCY, opts.timeout, opts.backoff
    return [
        Kind("ok", 150, "/ok?delay={lat}&id={id}", Outcome.OK, 1, ((lat, 0),)),
        Kind("slow", 12, "/slow/0.5?id={id}", Outcome.OK, 1, ((0.5, 0),)),
        Kind("not found", 20, "/status/404?delay={lat}&id={id}", Outcome.BROKEN, 2, ((2 * lat, 0),)),
        Kind("server error", 10, "/status/500?delay={lat}&id={id}", Outcome.BROKEN, 2, ((2 * lat, 0),)),
        Kind("redirect chain", 15, "/chain/3?delay={lat}&id={id}", Outcome.OK, 4, ((4 * lat, 0),)),
        Kind("moved permanently", 6, "/chain/2?code=301&delay={lat}&id={id}", Outcome.REDIRECT, 3, ((3 * lat, 0),)),
        Kind("redirect loop", 5, "/loop/{id}/0?delay={lat}", Outcome.BROKEN, 2, ((2 * lat, 0),)),
        Kind("HEAD refused", 15, "/ok?head=405&delay={lat}&id={id}", Outcome.OK, 2, ((2 * lat, 0),)),
        Kind("rate limited", 6, "/limited/{id}?after=1&delay={lat}", Outcome.OK, 2, ((lat, 1.0), (lat, 0))),
        Kind("reset once", 5, "/flaky/{id}?times=1&delay={lat}", Outcome.OK, 2, ((lat, b), (lat, 0))),
        Kind("always reset", 2, "/reset?delay={lat}&id={id}", Outcome.BROKEN, 3, ((lat, b), (lat, 2 * b), (lat, 0))),
        Kind("hanging", 1, "/hang?id={id}", Outcome.BROKEN, 3, ((timeout, b), (timeout, 2 * b), (timeout, 0))),
        Kind("huge body", 3, "/huge?head=405&delay={lat}&id={id}", Outcome.OK, 2, ((2 * lat, 0),)),
    ]


def farm_process(hosts: list[str], conn: multiprocessing.connection.Connection) -> None:
    async def serve() -> None:
        farm = Farm(hosts, hang_limit=30)
        await farm.start()
        conn.send(farm.port)
        await asyncio.sleep(FARM_LIFETIME)

    asyncio.run(serve())


def plan(hosts: list[str], port: int, total: int, opts: Options, seed: int) -> list[tuple[str, Kind, str]]:
    """(url, kind, host) for about `total` URLs spread evenly over the hosts, in a shuffled order."""
    table = kinds(opts)
    per_host, per_batch = total / len(hosts), sum(kind.share for kind in table)
    urls, serial = [], 0
    for host in hosts:
        for kind in table:
            for _ in range(max(1, round(kind.share * per_host / per_batch))):
                serial += 1
                urls.append((f"http://{host}:{port}{kind.path.format(id=serial, lat=LATENCY)}", kind, host))
    random.Random(seed).shuffle(urls)
    return urls


def ideal_seconds(planned: list[tuple[str, Kind, str]], per_host: int) -> float:
    """The least time any checker with these rules needs: per host, the slot time spread over its slots, and
    never less than the longest single URL (its requests and waits in a row)."""
    busy: defaultdict[str, float] = defaultdict(float)
    for _url, kind, host in planned:
        busy[host] += kind.busy
    return max(max(total / per_host for total in busy.values()), max(kind.longest for _u, kind, _h in planned))


def first_come_seconds(planned: list[tuple[str, Kind, str]], per_host: int) -> float:
    """What a first-come-first-served checker without any overhead needs on this order, as ours queues: every
    URL asks for a slot at the start, and a retry asks again, behind them, when its wait is over. The gap to the
    ideal is the price of not knowing in advance which URLs will hang."""
    finish = 0.0
    for host in {host for _url, _kind, host in planned}:
        queue = deque((kind.steps, 0) for _url, kind, h in planned if h == host)
        slots = [0.0] * per_host  # when each slot is free again
        retries: list[tuple[float, int, tuple, int]] = []  # (ready at, order, steps, step index)
        order = 0
        while queue or retries:
            slot = min(range(per_host), key=slots.__getitem__)
            now = slots[slot]
            while retries and retries[0][0] <= now:  # retries whose wait ended join the back of the queue
                _ready, _order, steps, index = heapq.heappop(retries)
                queue.append((steps, index))
            if not queue:
                slots[slot] = retries[0][0]  # idle until the next retry is ready
                continue
            steps, index = queue.popleft()
            held, wait = steps[index]
            slots[slot] = now + held
            finish = max(finish, now + held)
            if index + 1 < len(steps):
                order += 1
                heapq.heappush(retries, (now + held + wait, order, steps, index + 1))
    return finish


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--hosts", type=int, default=8, help="loopback addresses 127.0.0.2 … (default 8)")
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--timeout", type=float, default=1.0, help="per request (the hanging URLs wait this long)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()

    hosts = [f"127.0.0.{n}" for n in range(2, 2 + args.hosts)]
    opts = run.options(
        per_host=args.per_host,
        concurrency=args.concurrency,
        timeout=args.timeout,
        connect_timeout=args.timeout,
        backoff=0.25,
        retry_after_cap=5.0,
        allowed_networks=("127.0.0.0/8",),
    )
    receive, send = multiprocessing.Pipe(duplex=False)
    farm = multiprocessing.Process(target=farm_process, args=(hosts, send), daemon=True)
    farm.start()
    try:
        port = receive.recv()
        planned = plan(hosts, port, args.urls, opts, args.seed)
        truth = {url: kind for url, kind, _host in planned}
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.monotonic()
        report = run.check([url for url, _kind, _host in planned], opts=opts)
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
    ideal = ideal_seconds(planned, args.per_host)
    figures = {
        "urls": len(planned),
        "hosts": len(hosts),
        "per_host_limit": args.per_host,
        "requests": sum(stats["requests"].values()),
        "requests_the_rules_need": sum(kind.requests for _url, kind, _host in planned),
        "wall_seconds": round(wall, 2),
        "ideal_seconds": round(ideal, 2),
        "wall_over_ideal": round(wall / ideal, 3),
        "first_come_model_seconds": round(first_come_seconds(planned, args.per_host), 2),
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
        and figures["wall_over_ideal"] <= 1.3
    )
    sys.stdout.flush()
    print("goals met" if goals else "GOALS NOT MET", file=sys.stderr, flush=True)
    sys.exit(0 if goals else 1)


if __name__ == "__main__":
    main()
