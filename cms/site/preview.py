"""The draft preview: a wizard's current draft shown as the public site shows it, to staff or with a signed link."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from cms import preview as tokens
from cms import releases
from cms.live import LiveWizard
from cms.models import ChangeRequest, Release
from cms.site.views import render_step
from wizard.models import Node


def preview(request: HttpRequest, lang: str, slug: str, path: str = "") -> HttpResponse:
    """One step of a wizard's draft. Staff see it after logging in; anyone else needs a valid ?token=.

    Whoever is neither gets the same answer for a wizard that exists and one that does not (a login redirect
    without a token, 403 with one), so that the slugs of unpublished wizards do not leak.
    """
    if lang not in settings.WIZARD_LANGUAGES:
        raise Http404
    wizard = Node.objects.wizards().filter(slug=slug).first()
    token = request.GET.get("token", "")
    if not (request.user.is_active and request.user.is_staff):
        if not token:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if wizard is None or not tokens.is_valid(token, wizard):
            return HttpResponseForbidden("This preview link has expired or is not valid. Ask for a new one.")
    if wizard is None:
        raise Http404
    draft = LiveWizard.from_snapshot(releases.freeze(wizard), release_id=0, number=0, at=timezone.now())
    path = path.strip("/")
    if path not in draft.steps:
        raise Http404
    response = render_step(
        request, draft, lang, path, preview=True, link_to=lambda code, target: step_url(code, draft.slug, target, token)
    )
    # A draft is nobody's to index or cache; the token must not travel to other sites in a Referer.
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def step_url(lang: str, slug: str, path: str, token: str) -> str:
    args = [lang, slug, path] if path else [lang, slug]
    url = reverse("cms:preview-step" if path else "cms:preview", args=args)
    return f"{url}?token={token}" if token else url


def _snapshot_step(
    request: HttpRequest, frozen: LiveWizard, lang: str, path: str, step_url: Callable[[str, str], str]
) -> HttpResponse:
    """One step of a frozen snapshot (a release's, a request's), as the public would see it: never cached, never
    indexed, its links kept inside the same preview (`step_url(lang, path)`)."""
    path = path.strip("/")
    if path not in frozen.steps:
        raise Http404
    response = render_step(request, frozen, lang, path, preview=True, link_to=step_url)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


def release_preview(request: HttpRequest, pk: int, lang: str, path: str = "") -> HttpResponse:
    """One step of any release (live, earlier or never live), as the public saw or would see it; staff only."""
    if not (request.user.is_active and request.user.is_staff):
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if lang not in settings.WIZARD_LANGUAGES:
        raise Http404
    release = get_object_or_404(Release, pk=pk)
    frozen = LiveWizard.from_snapshot(
        release.snapshot, release_id=release.pk, number=release.number, at=release.published_at
    )
    return _snapshot_step(request, frozen, lang, path, lambda code, target: release_step_url(pk, code, target))


def release_step_url(pk: int, lang: str, path: str) -> str:
    return (
        reverse("cms:preview-release-step", args=[pk, lang, path])
        if path
        else reverse("cms:preview-release", args=[pk, lang])
    )


def change_preview(request: HttpRequest, pk: int, lang: str, path: str = "") -> HttpResponse:
    """One step of a change request as submitted (its snapshot), whatever the draft holds now; for its reviewers."""
    if not (request.user.is_active and request.user.is_staff):
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if not request.user.has_perm("cms.view_changerequest"):
        return HttpResponseForbidden("You may not see change requests.")
    if lang not in settings.WIZARD_LANGUAGES:
        raise Http404
    change = get_object_or_404(ChangeRequest.objects.only("snapshot", "submitted_at"), pk=pk)
    frozen = LiveWizard.from_snapshot(change.snapshot, release_id=0, number=0, at=change.submitted_at)
    return _snapshot_step(request, frozen, lang, path, lambda code, target: change_step_url(pk, code, target))


def change_step_url(pk: int, lang: str, path: str) -> str:
    """The preview of one step of change request `pk`, in `lang`."""
    return (
        reverse("cms:preview-change-step", args=[pk, lang, path])
        if path
        else reverse("cms:preview-change", args=[pk, lang])
    )
