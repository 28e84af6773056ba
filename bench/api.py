"""Server time of the JSON API through the whole Django stack (WSGI handler, every middleware, ninja, the view).

Usage: .venv/bin/python bench/api.py [--requests N]
Builds a fresh SQLite database in .bench/, imports and publishes the seed wizard, then calls the WSGI application
directly (no HTTP server, no test client) and prints the median, p95 and p99 of each endpoint, in milliseconds.
"""

import argparse
import io
import os
import statistics
import sys
import time
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = ROOT / ".bench" / "api.sqlite3"


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    DATABASE.parent.mkdir(exist_ok=True)
    DATABASE.unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
    os.environ.pop("DEBUG", None)
    import django

    # whitenoise warns that collectstatic has not run; the API serves no static file.
    warnings.filterwarnings("ignore", "No directory at")
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("importwizard", str(ROOT / "fixtures" / "egov-roles.yaml"), "--publish", stdout=io.StringIO())


def environ(path: str, query: str = "", **headers: str) -> dict:
    env = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8100",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
    env.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
    return env


WSGIApp = Callable[..., Iterable[bytes]]


def measure(application: WSGIApp, env: dict, requests: int) -> tuple[list[float], str, int, dict[str, str]]:
    status, size, answer_headers = "", 0, {}

    def start_response(status_line: str, headers: list) -> None:
        nonlocal status, answer_headers
        status, answer_headers = status_line, dict(headers)

    timings = []
    for _ in range(requests):
        env["wsgi.input"] = io.BytesIO()
        started = time.perf_counter()
        response = application(dict(env), start_response)
        body = b"".join(response)
        response.close()
        timings.append((time.perf_counter() - started) * 1000)
        size = len(body)
    return timings, status, size, answer_headers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per endpoint (default 2000)")
    args = parser.parse_args()
    setup()
    from django.conf import settings

    from cms.wsgi import application

    tree = "/api/v1/wizards/egov-roles/"
    step = "/api/v1/wizards/egov-roles/nodes/profiles/legal-representative/"
    cases = [
        ("list of wizards", environ("/api/v1/wizards/")),
        ("whole tree, fr", environ(tree, "lang=fr")),
        ("whole tree, nl", environ(tree, "lang=nl")),
        ("whole tree, Accept-Language", environ(tree, "", ACCEPT_LANGUAGE="de-BE,de;q=0.9")),
        ("one step, en", environ(step, "lang=en")),
    ]
    # The 304 answer to a client that has the whole tree already.
    etag = measure(application, environ(tree, "lang=fr"), 1)[3]["ETag"]
    cases.append(("whole tree, 304", environ(tree, "lang=fr", IF_NONE_MATCH=etag)))

    print(f"JSON API, seed wizard, {args.requests} requests each, LIVE_POINTER_TTL={settings.LIVE_POINTER_TTL}s")
    print(f"{'endpoint':30} {'status':16} {'bytes':>7} {'median':>8} {'p95':>8} {'p99':>8}  (ms)")
    for name, env in cases:
        measure(application, env, 20)  # warm up: the first request renders and remembers the answer
        timings, status, size, _headers = measure(application, env, args.requests)
        timings.sort()
        p95, p99 = timings[int(len(timings) * 0.95)], timings[int(len(timings) * 0.99)]
        print(f"{name:30} {status:16} {size:7} {statistics.median(timings):8.3f} {p95:8.3f} {p99:8.3f}")
    # The first request after a publish pays for rendering once per language.
    from cms import live

    release = live.wizard("egov-roles")
    release.forget_memos()
    started = time.perf_counter()
    measure(application, environ(tree, "lang=fr"), 1)
    print(f"{'first request after publish':30} {'':16} {'':7} {(time.perf_counter() - started) * 1000:8.3f}")


if __name__ == "__main__":
    main()
