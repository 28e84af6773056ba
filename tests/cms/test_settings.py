import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage, staticfiles_storage

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SECRET_KEY": "a-production-secret-that-is-long-and-random-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "wizard.example.be",
    "SITE_URL": "https://wizard.example.be",
    "HTTPS_ONLY": "1",
    "DATABASE_URL": "sqlite:///:memory:",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # The test run itself sets DJANGO_ALLOW_ASYNC_UNSAFE (for Playwright); a deployment never does.
    ignored = {*PRODUCTION, "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {key: value for key, value in os.environ.items() if key not in ignored}
    return subprocess.run(
        [sys.executable, "-W", "error", "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_requires_the_site_url_when_debug_is_off():
    without = {key: value for key, value in PRODUCTION.items() if key != "SITE_URL"}
    result = manage("check", "--deploy", **without)
    assert result.returncode == 1
    assert "(cms.E001) SITE_URL is not set, and DEBUG is off." in result.stderr
    assert "cms.E001" not in manage("check", "--deploy", DEBUG="1", **without).stderr  # a development machine


def test_a_site_url_with_a_path_is_refused():
    result = manage("check", DATABASE_URL="sqlite:///:memory:", SITE_URL="https://example.be/wizards")
    assert result.returncode == 1
    assert "cms.E002" in result.stderr


def test_a_fresh_checkout_runs_with_no_environment_variable():
    result = manage("check", "--database", "default", DATABASE_URL="sqlite:///:memory:")
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
def test_every_response_carries_the_security_headers(client):
    response = client.get("/admin/login/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_the_admin_login_is_throttled_after_five_wrong_passwords(client, admin_user):
    for _ in range(5):
        client.post("/admin/login/", {"username": "admin", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    response = client.post(
        "/admin/login/", {"username": "admin", "password": "a-long-test-password"}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/static/wizard/site.css", "/api/v1/nothing-here", "/fr/"])
def test_static_files_and_api_errors_carry_the_frame_headers_too(client, url):
    response = client.get(url)
    response.close()  # a static file is streamed
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_public_pages_do_not_vary_on_the_browser_language_but_the_admin_follows_it(client, live_wizard):
    page = client.get("/nl/demo/", HTTP_ACCEPT_LANGUAGE="de")
    assert "Accept-Language" not in page.get("Vary", "")
    assert page["Content-Language"] == "nl"
    login = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="nl")
    assert "Accept-Language" in login["Vary"]
    assert 'lang="nl"' in login.content.decode()


def test_the_tests_keep_their_own_static_files_whatever_the_demo_collected():
    # bin/demo's collectstatic fills staticfiles/ with hashed names; the tests must neither read nor write there.
    assert not Path(settings.STATIC_ROOT).is_relative_to(ROOT / "staticfiles")
    assert not isinstance(staticfiles_storage, ManifestStaticFilesStorage)
    assert staticfiles_storage.url("ninja/swagger-ui-bundle.js") == "/static/ninja/swagger-ui-bundle.js"


def test_cache_url_puts_the_shared_cache_on_redis_and_without_it_each_process_keeps_its_own():
    script = "from django.conf import settings as s; c = s.CACHES['default']; print(c['BACKEND'], c.get('LOCATION'))"
    on_redis = manage("shell", "-c", script, CACHE_URL="redis://127.0.0.1:6379/1", DATABASE_URL="sqlite:///:memory:")
    assert on_redis.stdout.splitlines()[-1] == "django.core.cache.backends.redis.RedisCache redis://127.0.0.1:6379/1"
    alone = manage("shell", "-c", script, DATABASE_URL="sqlite:///:memory:")
    assert alone.stdout.splitlines()[-1] == "django.core.cache.backends.locmem.LocMemCache None"
