"""Benchmark of the public site, through the whole Django stack: .venv/bin/python bench/site.py [--quick]

1. Latency: a step page against a bare "hello" view, both called through Django's WSGI handler with every
   middleware, in CPU time of this process (goal: the page at most 1.25× the hello view).
2. Size: the same page with the seed wizard, then with 5,000 more steps in the live release (goal: ≤ 1.1× apart).
3. Throughput: gunicorn on 127.0.0.1 with concurrent clients, each on its own keep-alive connection (no errors),
   without the request log and with it (to a file), runs interleaved.

It uses its own SQLite database under .bench/ and never touches the project's.
"""

import argparse
import copy
import http.client
import io
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
os.environ.setdefault("BENCH_DB", str(ROOT / ".bench" / "bench.sqlite3"))

HELLO = "/bench/hello/"
TASK = "/fr/egov-roles/profiles/legal-representative/activate-capacity/"
INFO = "/nl/egov-roles/definitions/"
PORT = int(os.environ.get("BENCH_PORT", "8151"))  # BENCH_PORT=… to keep clear of others' servers


def setup_database() -> None:
    import django

    db = Path(os.environ["BENCH_DB"])
    db.parent.mkdir(exist_ok=True)
    db.unlink(missing_ok=True)
    django.setup()
    from django.core.management import call_command

    from cms import releases
    from wizard import exchange

    call_command("migrate", verbosity=0)
    wizard = exchange.load(exchange.read((ROOT / "fixtures" / "egov-roles.yaml").read_bytes()))
    releases.make_live(releases.create(wizard, user=None))


def grow_by(extra: int) -> None:
    """A new live release: the seed plus `extra` info steps (100 under each of extra/100 new sections)."""
    from cms import live, releases
    from cms.models import LiveRelease

    pointer = LiveRelease.objects.select_related("release", "wizard").get(slug="egov-roles")
    snapshot = copy.deepcopy(pointer.release.snapshot)
    for section in range(extra // 100):
        snapshot["wizard"]["children"].append(
            {
                "uid": str(uuid.uuid4()),
                "slug": f"section-{section}",
                "kind": "info",
                "title": {"fr": f"Section {section}"},
                "children": [
                    {
                        "uid": str(uuid.uuid4()),
                        "slug": f"step-{n}",
                        "kind": "info",
                        "title": {"fr": f"Étape {section}.{n}", "nl": f"Stap {section}.{n}"},
                        "body": {
                            "fr": f"Voir [le Centre de contact](link:contact-center) et [Contact](node:contact) {n}."
                        },
                    }
                    for n in range(100)
                ],
            }
        )
    releases.make_live(releases.create(pointer.wizard, snapshot=snapshot, user=None))
    live.forget()


def environ(path: str) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": str(PORT),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": f"127.0.0.1:{PORT}",
        "HTTP_ACCEPT_LANGUAGE": "fr-BE,fr;q=0.9",
        "HTTP_USER_AGENT": "bench",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def measure(handler, paths: list[str], *, count: int, rounds: int) -> dict[str, float]:
    """µs per request for each path: the fastest of `rounds` batches of `count`, batches of the paths interleaved.

    Interleaving and keeping the fastest batch make the figures robust to other work on the machine.
    """
    statuses = []

    def start_response(status: str, headers: list) -> None:
        statuses.append(status)

    for path in paths:
        for _ in range(200):
            b"".join(handler(environ(path), start_response))
    best = dict.fromkeys(paths, float("inf"))
    for _ in range(rounds):
        for path in paths:
            started = time.process_time()  # CPU time: other people's work on the machine does not count
            for _ in range(count):
                b"".join(handler(environ(path), start_response))
            best[path] = min(best[path], (time.process_time() - started) / count * 1e6)
    bad = {status for status in statuses if not status.startswith("200")}
    if bad:
        raise SystemExit(f"Some requests answered {bad}")
    return best


def request_log_cost(*, count: int, rounds: int) -> dict[str, float]:
    """CPU µs per request of the request log alone (its middleware around a view that does nothing), with the
    production logging writing to /dev/null: in the text and the JSON format, and off (LOG_REQUESTS=0)."""
    import logging
    import logging.config

    from django.conf import settings
    from django.http import HttpResponse
    from django.test import RequestFactory

    from cms import settings as production
    from cms.requestlog import RequestLogMiddleware

    request, response = RequestFactory().get(TASK, REMOTE_ADDR="127.0.0.1"), HttpResponse(b"page")
    middleware = RequestLogMiddleware(lambda request: response)
    found = {}
    with open(os.devnull, "w") as devnull:
        for label, formatter, level in (("text", "text", "INFO"), ("json", "json", "INFO"), ("off", "text", "WARNING")):
            handler = {"class": "logging.StreamHandler", "formatter": formatter, "stream": devnull}
            logging.config.dictConfig(
                {
                    **production.LOGGING,
                    "handlers": {"console": handler},
                    "loggers": {"cms.requests": {"level": level}},
                }
            )
            best = float("inf")
            for _ in range(rounds):
                started = time.process_time()
                for _ in range(count):
                    middleware(request)
                best = min(best, (time.process_time() - started) / count * 1e6)
            found[label] = best
    logging.config.dictConfig(settings.LOGGING)  # the benchmark's own again
    logging.getLogger("cms.requests").setLevel(logging.NOTSET)
    return found


def client(seconds: float, paths: list[str], results: "multiprocessing.Queue") -> None:
    ok = errors = 0
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        path = paths[n % len(paths)]
        n += 1
        try:
            connection.request("GET", path, headers={"Accept-Language": "fr"})
            response = connection.getresponse()
            response.read()
            if response.status == 200:
                ok += 1
            else:
                errors += 1
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        except (OSError, http.client.HTTPException):
            errors += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    results.put((ok, errors))


def throughput(
    *, clients: int, seconds: float, workers: int, threads: int, request_log: bool = False
) -> tuple[float, int, int]:
    """Pages per second answered by gunicorn; with `request_log`, a line per request to a file (as to a journal)."""
    gunicorn = shutil.which("gunicorn", path=str(ROOT / ".venv" / "bin")) or "gunicorn"
    log = (ROOT / ".bench" / "requests.log").open("w") if request_log else None
    server = subprocess.Popen(
        [
            gunicorn,
            "cms.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--keep-alive",
            "5",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "BENCH_REQUEST_LOG": "1" if request_log else "0"},
        stderr=log,
    )
    try:
        for _ in range(100):
            try:
                connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                connection.request("GET", TASK)
                connection.getresponse().read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("gunicorn did not start")
        paths = [TASK, INFO, "/de/egov-roles/", "/en/egov-roles/profiles/user/change-email/"]
        results: multiprocessing.Queue = multiprocessing.Queue()
        # Not counted: every worker first loads the live release of 5,000 steps (about a second of CPU each).
        warmup = [multiprocessing.Process(target=client, args=(2.0, paths, results)) for _ in range(clients)]
        for proc in warmup:
            proc.start()
        for _proc in warmup:
            results.get()
        for proc in warmup:
            proc.join()
        procs = [multiprocessing.Process(target=client, args=(seconds, paths, results)) for _ in range(clients)]
        started = time.perf_counter()
        for proc in procs:
            proc.start()
        totals = [results.get() for _ in procs]
        elapsed = time.perf_counter() - started
        for proc in procs:
            proc.join()
        ok, errors = sum(t[0] for t in totals), sum(t[1] for t in totals)
        return ok / elapsed, ok, errors
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if log is not None:
            log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests (a smoke run, noisier figures)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    count, rounds = (300, 3) if args.quick else (1000, 15)

    setup_database()
    from django.core.wsgi import get_wsgi_application

    handler = get_wsgi_application()
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPU(s); fastest of {rounds} batches of {count}:")
    seed = measure(handler, [HELLO, TASK, INFO], count=count, rounds=rounds)
    hello, task, info = seed[HELLO], seed[TASK], seed[INFO]
    print(f"  hello view                       {hello:6.0f} µs")
    print(f"  task page, seed                  {task:6.0f} µs   {task / hello:.2f}× hello   (goal ≤ 1.25×)")
    print(f"  info page, seed                  {info:6.0f} µs   {info / hello:.2f}× hello")

    grow_by(5000)
    deep = "/fr/egov-roles/section-49/step-99/"
    big = measure(handler, [HELLO, TASK, INFO, deep], count=count, rounds=rounds)
    print(f"  hello view, again                {big[HELLO]:6.0f} µs")
    print(f"  task page, seed + 5,000 steps    {big[TASK]:6.0f} µs   {big[TASK] / task:.2f}× the seed's (goal ≤ 1.1×)")
    print(f"  info page, seed + 5,000 steps    {big[INFO]:6.0f} µs   {big[INFO] / info:.2f}× the seed's")
    print(f"  a new step, seed + 5,000 steps   {big[deep]:6.0f} µs   {big[deep] / big[HELLO]:.2f}× hello")

    cost = request_log_cost(count=count * 10, rounds=rounds)
    print(
        f"  the request log alone: {cost['text']:.1f} µs a request (LOG_FORMAT=text), {cost['json']:.1f} µs (json), "
        f"{cost['off']:.1f} µs off (LOG_REQUESTS=0)"
    )

    seconds = 3 if args.quick else args.seconds
    print(
        f"gunicorn (2 workers × 4 threads, gthread), {args.clients} concurrent keep-alive clients on 127.0.0.1, "
        f"seed + 5,000 steps, 4 pages in turn, {seconds:.0f} s each run, runs interleaved:"
    )
    failed = False
    for request_log in (False, True, False, True):
        rate, ok, errors = throughput(
            clients=args.clients, seconds=seconds, workers=2, threads=4, request_log=request_log
        )
        label = "request log to a file" if request_log else "no request log (LOG_REQUESTS=0)"
        print(f"  {rate:8.0f} pages/s   {ok} answered 200, {errors} error(s)   {label}")
        failed = failed or bool(errors)
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
