import os
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from django.db.models.signals import post_migrate
from django.test import override_settings
from django.utils import translation
from django_tasks_db.management.commands import db_worker

from cms import live, triggers, workflow
from cms.models import ChangeRequest, Release
from tests import factories
from wizard.models import Node

pytest_plugins = ["tests.linkfarm"]

# Playwright's sync API runs an event loop in the test thread; live_server's teardown then trips Django's guard.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    uses = {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
    return bool(uses or (marker and marker.kwargs.get("transaction")))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """A transactional test ends with Django's flush, which on SQLite deletes every row one by one: the triggers
    that refuse to delete releases and audit entries (cms/triggers.py) step aside for it, and come back with the
    post_migrate signal that the flush sends. (PostgreSQL's flush truncates, which row triggers do not see.)"""
    if not _is_transactional(item):
        return
    for connection in connections.all(initialized_only=True):
        if connection.vendor != "sqlite":
            continue
        try:
            cursor = connection.cursor()
        except RuntimeError:  # pytest-django blocks the database: the test never reached it (skipped), no flush
            continue
        with cursor:
            for table, message in triggers.APPEND_ONLY.items():
                cursor.execute(triggers.refuse_deletes_sql("sqlite", table, message)[1])


def _refuse_deletes_again(using: str, **_kwargs: object) -> None:
    connection = connections[using]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for table, message in triggers.APPEND_ONLY.items():
                cursor.execute(triggers.refuse_deletes_sql("sqlite", table, message)[0])  # CREATE … IF NOT EXISTS


post_migrate.connect(_refuse_deletes_again, dispatch_uid="tests.refuse_deletes_again")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# bin/demo runs collectstatic into staticfiles/, and the settings then switch to hashed file names. The tests keep
# static and media files of their own, whatever the folder holds (their databases are their own already:
# pytest-django creates them), so that the demo and the tests run in any order in one folder.
OWN_FILES = Path(tempfile.gettempdir()) / f"wizard-cms-tests-{os.getpid()}"
OWN_FILES_SETTINGS = override_settings(
    STATIC_ROOT=OWN_FILES / "static",
    MEDIA_ROOT=OWN_FILES / "media",
    STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}},
    WHITENOISE_USE_FINDERS=True,
)


def pytest_configure(config: pytest.Config) -> None:
    OWN_FILES_SETTINGS.enable()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium, kept off the network (playwright cannot download its own browser here)."""
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture
def wizard(db) -> Node:
    return factories.make_wizard()


@pytest.fixture
def history(wizard: Node) -> None:
    """A first version of every step and link target of `wizard`, as an import leaves: for reverts and recovers."""
    factories.record_history(wizard)


@pytest.fixture
def live_wizard(wizard: Node) -> Node:
    factories.publish(wizard)
    return wizard


@pytest.fixture
def release(live_wizard: Node) -> Release:
    return live_wizard.releases.get()


@pytest.fixture
def change(live_wizard: Node, editor) -> ChangeRequest:
    """A change request waiting for review: the editor renamed the contact page of the live wizard."""
    factories.edit(live_wizard, "contact", editor, title_fr="Contactez-nous")
    return workflow.submit(live_wizard, author=editor, note="Nouveau titre")


@pytest.fixture
def editor(db):
    return factories.make_user("editor", "Editors")


@pytest.fixture
def reviewer(db):
    return factories.make_user("reviewer", "Reviewers")


@pytest.fixture
def admin_user(db):
    return factories.make_user("admin", superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture(autouse=True)
def fresh_live_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test reads the live pointers afresh: a rolled-back test's release ids are reused by the next one."""
    monkeypatch.setattr(live, "_cache", live._Cache())
    cache.clear()  # the feedback flood counters


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Test users get real passwords (the browser tests log in), hashed cheaply: PBKDF2 costs ~0.5 s a user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def tasks_at_once(settings) -> None:
    """Tasks run in the process that queues them, once the action commits (tests/cms/test_tasks.py runs them
    through the database queue and its worker instead, as production does)."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default", "linkcheck"]}
    }


class Worker:
    """Runs the queued tasks as production does: `manage.py db_worker`, here until the queue is empty."""

    def __call__(self) -> None:
        call_command("db_worker", batch=True, startup_delay=False, interval=0, queue_name="*", verbosity=0)


@pytest.fixture
def task_queue(settings, monkeypatch: pytest.MonkeyPatch) -> Worker:
    """The database queue (tasks wait for a worker), with `task_queue()` to run a worker until none is left."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "linkcheck"]}}
    # Between tasks a worker closes connections that are not in autocommit mode: inside a test's transaction, that
    # would be the test's own connection (on PostgreSQL). The worker runs in the test's transaction instead.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    return Worker()


@pytest.fixture(autouse=True)
def english_messages():
    """Refusals read in English, their source language (the project's default language is French): a test that
    wants another language overrides it."""
    with translation.override("en"):
        yield
