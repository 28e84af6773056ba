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


def test_the_public_sites_renderer_is_used_when_it_exists(admin_client, draft, monkeypatch):
    """The preview shows the draft exactly as the public site would, through its own step renderer."""
    import sys
    import types

    from django.http import HttpResponse

    calls = []

    def render_step(request, live_wizard, lang, path, *, preview):
        calls.append((live_wizard.release_id, live_wizard.steps[path].text("title", lang)[0], lang, path, preview))
        return HttpResponse("rendered by the public site")

    monkeypatch.setitem(sys.modules, "wizard.views", types.SimpleNamespace(render_step=render_step))
    response = admin_client.get(preview_url(draft, "contact", "nl"))
    assert response.content == b"rendered by the public site"
    assert calls == [(0, "Titel contact", "nl", "contact", True)]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_the_fallback_preview_lists_the_choices_of_a_step(admin_client, draft):
    html = admin_client.get(preview_url(draft, "profiles")).content.decode()
    assert '<a href="/preview/fr/demo/profiles/citizen/">Citoyen</a>' in html
    assert '<a href="/preview/fr/demo/profiles/company/">Entreprise</a>' in html
