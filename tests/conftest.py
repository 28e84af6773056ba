import os

import pytest
from django.core.cache import cache
from django.utils import translation

from cms import live
from cms.models import Release
from tests import factories
from wizard.models import Node

# Playwright's sync API runs an event loop in the test thread; live_server's teardown then trips Django's guard.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

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


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Debian's Chromium, kept off the network (playwright cannot download its own browser here)."""
    return {**browser_type_launch_args, "executable_path": "/usr/bin/chromium", "args": CHROMIUM_ARGS}


@pytest.fixture
def wizard(db) -> Node:
    return factories.make_wizard()


@pytest.fixture
def live_wizard(wizard: Node) -> Node:
    factories.publish(wizard)
    return wizard


@pytest.fixture
def release(live_wizard: Node) -> Release:
    return live_wizard.releases.get()


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
def english_messages():
    """Refusals read in English, their source language (the project's default language is French): a test that
    wants another language overrides it."""
    with translation.override("en"):
        yield
