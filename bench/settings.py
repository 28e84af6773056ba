"""The project's settings, with a throwaway SQLite database and a bare "hello" view to compare with."""

import os

from cms.settings import *  # noqa: F403

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("BENCH_DB", str(BASE_DIR / ".bench" / "bench.sqlite3")),  # noqa: F405
        "CONN_MAX_AGE": 60,
    }
}
ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# As in production, where `check --deploy` requires it: absolute links use it, not each request's Host header.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1")
# Quiet, except with BENCH_REQUEST_LOG=1: the production logging, a line per request to standard error (bench/site.py
# measures gunicorn's throughput with and without it).
if os.environ.get("BENCH_REQUEST_LOG") != "1":
    LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
# The large benchmark wizard has 5,070 steps: more than an import takes by default (docs/security.md).
WIZARD_IMPORT_MAX_STEPS = 20_000
