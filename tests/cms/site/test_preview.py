import time

import pytest
from django.core import signing
from django.urls import reverse

from cms import preview
from tests import factories
from wizard.models import wizard_step_paths


def preview_url(wizard, path: str = "", lang: str = "fr") -> str:
    if path:
        return reverse("cms:preview-step", args=[lang, wizard.slug, path])
    return reverse("cms:preview", args=[lang, wizard.slug])


@pytest.fixture
def draft(live_wizard):
    contact = wizard_step_paths(live_wizard)["contact"]
    contact.title_fr = "Brouillon du contact"
    contact.save()
    return live_wizard


def test_staff_see_the_draft_not_the_live_release(client, draft):
    client.force_login(factories.make_user("editor", "Editors"))
    response = client.get(preview_url(draft, "contact"))
    assert response.status_code == 200
    assert "Brouillon du contact" in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]


def test_anonymous_visitors_are_sent_to_log_in(client, draft):
    response = client.get(preview_url(draft, "contact"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_non_staff_account_needs_a_token_too(client, draft):
    client.force_login(factories.make_user("citizen", staff=False))
    assert client.get(preview_url(draft)).status_code == 302


def test_a_signed_link_opens_the_draft_without_an_account(client, draft):
    token = preview.make_token(draft)
    response = client.get(preview_url(draft, "contact"), {"token": token})
    assert response.status_code == 200
    assert "Brouillon du contact" in response.content.decode()
    assert response["Referrer-Policy"] == "no-referrer"
    start = client.get(preview_url(draft), {"token": token}).content.decode()
    assert f"?token={token}" in start  # links inside the preview keep the token


def test_a_token_for_another_wizard_or_a_forged_one_is_refused(client, draft):
    other = factories.make_wizard("autre")
    assert client.get(preview_url(draft), {"token": preview.make_token(other)}).status_code == 403
    assert client.get(preview_url(draft), {"token": "forged:token"}).status_code == 403


def test_an_expired_link_is_refused(client, draft, settings, monkeypatch):
    settings.PREVIEW_LINK_MAX_AGE = 60
    token = preview.make_token(draft)
    later = time.time() + 61
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert client.get(preview_url(draft), {"token": token}).status_code == 403


def test_unknown_steps_and_languages_are_not_found(admin_client, draft):
    assert admin_client.get(preview_url(draft, "nowhere")).status_code == 404
    assert admin_client.get(preview_url(draft, lang="xx")).status_code == 404


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_the_preview_renders_links_in_the_page_language(admin_client, draft, lang):
    html = admin_client.get(preview_url(draft, "contact", lang)).content.decode()
    assert f"https://www.example.org/{lang}/contact" in html


def test_the_preview_is_the_public_page_of_the_draft_with_its_links_kept_inside(admin_client, draft):
    html = admin_client.get(preview_url(draft, "profiles")).content.decode()
    assert 'href="/preview/fr/demo/profiles/citizen/"' in html
    assert 'href="/preview/fr/demo/profiles/company/"' in html
    assert 'href="/fr/demo/profiles/citizen/"' not in html  # never a way out to the live site's pages
    assert '<meta name="robots" content="noindex' in html
    assert "<h1" in html
