"""Settings for every machine: they differ only by environment variables, each with a working default."""

import ipaddress
import os
import secrets
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable ("1", "true", "yes", "on" mean yes)."""
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def local_secret_key(path: Path) -> str:
    """A key made once per checkout and kept beside it, so that a fresh clone needs no SECRET_KEY."""
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_flag("DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY") or local_secret_key(BASE_DIR / ".secret_key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # modeltranslation patches the models before the admin and reversion look at their fields.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "treebeard",
    "reversion",
    "axes",
    "ninja",  # the API's documentation page and its Swagger UI files, served locally
    "django_tasks",
    "django_tasks_db",  # the task queue's table, its admin (failed tasks) and `manage.py db_worker`
    "cms",
    "wizard",
]

MIDDLEWARE = [
    "cms.requestlog.RequestLogMiddleware",  # first: its duration covers everything below
    "cms.clientip.ClientAddressMiddleware",  # the audit log records where each action came from
    "django.middleware.security.SecurityMiddleware",
    "cms.middleware.SecurityHeadersMiddleware",
    "cms.api.middleware.ApiMiddleware",  # /api/: CORS, HEAD/OPTIONS, errors as JSON
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cms.middleware.AdminLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cms.urls"
WSGI_APPLICATION = "cms.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before checking the password
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Five wrong passwords for one user from one address lock that pair out for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The client's address behind the proxies (TRUSTED_PROXIES below), never the proxy's: otherwise every login would
# come from one address, and a stranger's wrong passwords would lock the administrator out.
AXES_CLIENT_IP_CALLABLE = "cms.clientip.address"
# Attempts and lockouts live in the database, which every server shares.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_ENABLED = env_flag("AXES_ENABLED", True)

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("nl", "Nederlands"), ("de", "Deutsch"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
MODELTRANSLATION_DEFAULT_LANGUAGE = "fr"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("fr",)
# The admin's language tabs need jQuery UI; modeltranslation would load it from a CDN, which the CSP (and an
# administration's network) refuses. A copy is kept in static/vendor (MIT, see its LICENSE.txt).
JQUERY_UI_URL = "vendor/jquery-ui/jquery-ui.min.js"
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where collectstatic writes; the tests (tests/conftest.py) and their server processes use a folder of their own.
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# After collectstatic (the demo and production run it), files get hashed names and far-future caching;
# before it (tests, a quick runserver), whitenoise serves them straight from the apps.
# collectstatic itself must run with the hashing storage, or it would never write the manifest.
STATIC_COLLECTED = (STATIC_ROOT / "staticfiles.json").exists() or "collectstatic" in sys.argv
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_COLLECTED
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_COLLECTED

# CACHE_URL ("redis://host:6379/0"): one cache for every server process and machine, on Redis (Django's own backend);
# the feedback flood limit counts there. Unset: each process keeps its own cache in memory, right for one process.
# CACHE_KEY_PREFIX keeps the keys of two sites on one Redis apart.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "cms"),
    }
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Reverse proxies in front of the application (cms/clientip.py, docs/operations.md). TRUSTED_PROXY_COUNT: how many a
# request passes through (nginx alone: 1; a CDN then nginx: 2); 0, the default, ignores X-Forwarded-For.
# TRUSTED_PROXIES: the addresses or networks the nearest proxy connects from ("127.0.0.1,10.0.1.0/24"); a request
# from anywhere else is taken at its own address, header or not. Setting it alone means one proxy.
TRUSTED_PROXIES = [str(ipaddress.ip_network(net, strict=False)) for net in env_list("TRUSTED_PROXIES", "")]
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT") or (1 if TRUSTED_PROXIES else 0))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "wizard-cms@localhost")

# Security headers on every response; HTTPS_ONLY adds what only makes sense behind TLS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
HTTPS_ONLY = env_flag("HTTPS_ONLY")
if HTTPS_ONLY:
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # load balancers ask the servers over plain HTTP
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The Django admin and its add-ons still write a few inline style attributes.
ADMIN_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")

# The wizard's content rules.
WIZARD_LANGUAGES = [code for code, _name in LANGUAGES]

# Logs go to standard error (systemd's journal). LOG_FORMAT=json writes one JSON object a line for log tools;
# LOG_REQUESTS=0 drops the line per request (method, path, status, duration, client; cms/requestlog.py).
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"class": "cms.requestlog.TextFormatter", "format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "cms.requestlog.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json" if LOG_FORMAT == "json" else "text"}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"cms.requests": {"level": "INFO" if env_flag("LOG_REQUESTS", True) else "WARNING"}},
}
# How long a server process trusts its copy of "which release is live" before reading it again (seconds).
LIVE_POINTER_TTL = float(os.environ.get("LIVE_POINTER_TTL", "1.0"))
# What the site and the API derive from a live release (rendered Markdown, JSON answers, the sitemap) is kept in
# bounded memos (docs/delivery.md): at most LIVE_MEMO_SIZE values per release, and for values holding absolute
# links, per origin, for at most LIVE_MEMO_ORIGINS origins (only one is ever used when SITE_URL is set).
LIVE_MEMO_SIZE = int(os.environ.get("LIVE_MEMO_SIZE", "50000"))
LIVE_MEMO_ORIGINS = int(os.environ.get("LIVE_MEMO_ORIGINS", "2"))

# Translation management (wizard/translations/): may a wizard be published while some French text has no
# translation? When yes, the public site and the API show the French text, marked as such, in its place.
WIZARD_PUBLISH_WITH_MISSING_TRANSLATIONS = env_flag("WIZARD_PUBLISH_WITH_MISSING_TRANSLATIONS", True)

# Importing an exchange file (importwizard, wizard/exchange.py): what a file may hold at most, checked before any
# work. The seed wizard is a 72 kB file of 30 steps, 4 levels deep, its longest text 1,540 characters.
WIZARD_IMPORT_MAX_BYTES = int(os.environ.get("WIZARD_IMPORT_MAX_BYTES", str(10 * 1024 * 1024)))
WIZARD_IMPORT_MAX_STEPS = int(os.environ.get("WIZARD_IMPORT_MAX_STEPS", "5000"))
WIZARD_IMPORT_MAX_DEPTH = int(os.environ.get("WIZARD_IMPORT_MAX_DEPTH", "20"))  # levels, the wizard itself is 1
WIZARD_IMPORT_MAX_TEXT = int(os.environ.get("WIZARD_IMPORT_MAX_TEXT", "50000"))  # characters in one text

# The headless JSON API (/api/v1/) and its webhooks.
# The public site's origin, e.g. "https://wizards.example.be": absolute links of the site (canonical, language
# alternates, sitemap, robots.txt), the API and webhook payloads point there, and the in-memory caches key on it.
# Required when DEBUG is off (`check --deploy` says so). Empty, on a development machine: the address each
# request came to, webhook payloads carry paths only, and notification emails link to http://127.0.0.1:8000.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
# Origins whose pages may read the API ("*": any), comma-separated; empty: none.
API_CORS_ALLOWED_ORIGINS = env_list("API_CORS_ALLOWED_ORIGINS", "*")
# Published answers: browsers keep them a minute, a CDN may serve a stale copy while it refetches, and through
# an outage; webhooks tell a CDN to purge on publish and rollback.
API_CACHE_CONTROL = os.environ.get(
    "API_CACHE_CONTROL", "public, max-age=60, stale-while-revalidate=300, stale-if-error=86400"
)
WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", "5"))  # seconds for one delivery attempt
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "8"))
WEBHOOK_RETRY_DELAY = 60  # seconds before the first retry, doubled after each failure …
WEBHOOK_MAX_RETRY_DELAY = 6 * 3600  # … up to this
# Each attempt, and each retry, is a task (cms/queue.py); `manage.py deliverwebhooks` sends whatever is due, should
# a task ever be lost.

# The public site (cms/site/views.py).
# Browsers and proxies keep a page this many seconds, then revalidate it with its ETag (a 304 is cheap).
WIZARD_PAGE_MAX_AGE = int(os.environ.get("WIZARD_PAGE_MAX_AGE", "60"))
# Finished pages kept in memory per live release (least recently used dropped first).
WIZARD_PAGE_CACHE_SIZE = int(os.environ.get("WIZARD_PAGE_CACHE_SIZE", "5000"))
# "Did this page help you?": answers from a form older than a day are refused, and one address may answer at most
# LIMIT times per WINDOW seconds (however fast: see cms/site/feedback.py for why there is no minimum time).
WIZARD_FEEDBACK_MAX_SECONDS = 24 * 3600
WIZARD_FEEDBACK_FLOOD_LIMIT = 10
WIZARD_FEEDBACK_FLOOD_WINDOW = 600

# Background tasks (cms/queue.py): link checks, notification emails, webhook deliveries. They wait in the database
# until a worker (`manage.py db_worker`, see docs/tasks.md) runs them; TASKS_BACKEND
# "django_tasks.backends.immediate.ImmediateBackend" runs each at once, in the process that enqueued it.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "linkcheck"],
    }
}
# Notification emails: tries before a task gives up (it then shows as failed in the admin), and the first wait.
TASK_EMAIL_ATTEMPTS = int(os.environ.get("TASK_EMAIL_ATTEMPTS", "4"))
TASK_EMAIL_RETRY_DELAY = 60  # seconds, doubled after each failure

# The link checker (cms/linkcheck/): how politely and how long it checks external URLs.
# LINKCHECK_ALLOW_PRIVATE: "1" lets it check private, loopback and link-local addresses (an intranet's own links);
# a comma-separated list of networks ("127.0.0.0/8,10.1.0.0/16") allows only those. Off by default: the checker
# must not become a way to probe the internal network.
_allow_private = os.environ.get("LINKCHECK_ALLOW_PRIVATE", "")
LINKCHECK_ALLOW_PRIVATE = (
    ["0.0.0.0/0", "::/0"]
    if env_flag("LINKCHECK_ALLOW_PRIVATE")
    else [network.strip() for network in _allow_private.split(",") if "/" in network]
)
LINKCHECK_CONCURRENCY = int(os.environ.get("LINKCHECK_CONCURRENCY", "32"))  # requests in flight, all hosts together
LINKCHECK_PER_HOST = int(os.environ.get("LINKCHECK_PER_HOST", "4"))  # requests in flight to one host
LINKCHECK_CONNECT_TIMEOUT = float(os.environ.get("LINKCHECK_CONNECT_TIMEOUT", "5"))
# One URL's network time in a run (all its requests, redirects and its one retry after a reset), plus the time its
# connections took to open: a URL costs at most TIMEOUT + CONNECT_TIMEOUT seconds, whatever the server does.
LINKCHECK_TIMEOUT = float(os.environ.get("LINKCHECK_TIMEOUT", "10"))
LINKCHECK_RETRIES = 2  # more tries after a 429/503 (a reset is tried once more at once; a timeout never)
LINKCHECK_BACKOFF = 1.0  # seconds before retrying a 429/503 that gave no Retry-After
LINKCHECK_RETRY_AFTER_CAP = 30.0  # the longest Retry-After we wait for; longer: "not checked this run"
# A run stops waiting for rate-limited servers once a wait would end past this many seconds after its start.
LINKCHECK_RUN_BUDGET = float(os.environ.get("LINKCHECK_RUN_BUDGET", "1800"))
LINKCHECK_MAX_REDIRECTS = 10
# Where the admin is reached, for the links in the "links broke" email and the User-Agent (empty: paths only).
LINKCHECK_SITE_URL = os.environ.get("LINKCHECK_SITE_URL", "").rstrip("/")
LINKCHECK_USER_AGENT = "wizard-cms-linkcheck/1.0 (checks the links of a public decision wizard{})".format(
    f"; +{LINKCHECK_SITE_URL}" if LINKCHECK_SITE_URL else ""
)

# Editorial workflow (cms/workflow/): change requests, review, scheduled publishing, notifications.
# Every text field a step has must exist in these languages before a change can be approved.
WIZARD_REQUIRED_LANGUAGES = env_list("WIZARD_REQUIRED_LANGUAGES", "fr")
# How long a signed preview link works (seconds).
PREVIEW_LINK_MAX_AGE = int(os.environ.get("PREVIEW_LINK_MAX_AGE", str(3 * 24 * 3600)))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's two server processes and the publish_scheduled cron job share one SQLite file: a transaction
    # takes the write lock when it starts, so concurrent ones queue instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
