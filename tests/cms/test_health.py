import pytest
from django.db import OperationalError, connection

from cms import live
from cms.models import Release
from tests.cms.test_settings import PRODUCTION, manage


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")  # no db fixture: a query would raise
    assert (response.status_code, response.text) == (200, "ok\n")
    assert "no-store" in response["Cache-Control"]


def test_readyz_checks_the_database_and_loads_the_live_releases(client, live_wizard):
    live._cache.releases.clear()
    response = client.get("/readyz")
    assert (response.status_code, response.text) == (200, "ok\n")
    assert "no-store" in response["Cache-Control"]
    assert live_wizard.releases.get().pk in live._cache.releases  # loaded: the first visitor will not wait for it


def test_readyz_says_unavailable_and_nothing_more_when_a_release_does_not_load(client, live_wizard, caplog):
    release = live_wizard.releases.get()
    # Releases are immutable (a trigger refuses UPDATE); the broken snapshot is only ever in this process's hands.
    broken = Release.objects.get(pk=release.pk)
    broken.snapshot = {"wizard": {}}
    live._cache.releases.clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Release.objects, "get", lambda **_kwargs: broken)
        response = client.get("/readyz")
    assert (response.status_code, response.text) == (503, "unavailable\n")
    assert "Not ready" in caplog.text


def test_readyz_says_unavailable_when_the_database_does_not_answer(client, db):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    with pytest.MonkeyPatch.context() as patch:  # undone before the test database is rolled back
        patch.setattr(connection, "cursor", refuse)
        response = client.get("/readyz")
    assert (response.status_code, response.text) == (503, "unavailable\n")
    assert "refused" not in response.text


def test_the_health_checks_are_not_redirected_to_https():
    script = "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_REDIRECT_EXEMPT)"
    result = manage("shell", "-c", script, **PRODUCTION)
    assert result.stdout.splitlines()[-1] == "True ['^healthz$', '^readyz$']", result.stderr
