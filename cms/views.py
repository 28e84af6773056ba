"""The draft preview: a wizard's current draft shown as the public site shows it, to staff or with a signed link."""

from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from cms import preview as tokens
from cms import releases
from cms.live import LiveWizard, Step
from wizard import markdown
from wizard.models import Node


def preview(request: HttpRequest, lang: str, slug: str, path: str = "") -> HttpResponse:
    """One step of a wizard's draft. Staff see it after logging in; anyone else needs a valid ?token=."""
    if lang not in settings.WIZARD_LANGUAGES:
        raise Http404
    wizard = get_object_or_404(Node.objects.wizards(), slug=slug)
    token = request.GET.get("token", "")
    if not (request.user.is_active and request.user.is_staff):
        if not token:
            return redirect_to_login(request.get_full_path(), reverse("admin:login"))
        if not tokens.is_valid(token, wizard, max_age=settings.PREVIEW_LINK_MAX_AGE):
            return HttpResponseForbidden("This preview link has expired or is not valid. Ask for a new one.")
    draft = LiveWizard.from_snapshot(releases.freeze(wizard), release_id=0, number=0, at=timezone.now())
    path = path.strip("/")
    if path not in draft.steps:
        raise Http404
    try:
        from wizard.views import render_step  # noqa: PLC0415 - the public site's renderer, when it is installed
    except ImportError:
        response = fallback(request, draft, lang, path, token)
    else:
        response = render_step(request, draft, lang, path, preview=True)
    # A draft is nobody's to index or cache; the token must not travel to other sites in a Referer.
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def step_url(lang: str, slug: str, path: str, token: str) -> str:
    args = [lang, slug, path] if path else [lang, slug]
    url = reverse("cms:preview-step" if path else "cms:preview", args=args)
    return f"{url}?token={token}" if token else url


def fallback(request: HttpRequest, draft: LiveWizard, lang: str, path: str, token: str) -> HttpResponse:
    """A plain rendering of one draft step, for as long as the public site's renderer is not there."""
    step = draft.steps[path]

    def node_url(target: str) -> str | None:
        return step_url(lang, draft.slug, target, token) if target in draft.steps else None

    def html(name: str) -> Any:
        text, _actual = step.text(name, lang)
        return markdown.render(text, lang=lang, links=draft.link_urls(lang), node_url=node_url)

    choices = [
        {"url": step_url(lang, draft.slug, child, token), "label": _label(draft.steps[child], lang)}
        for child in ([] if step.kind == Node.Kind.TASK else step.children)
    ]
    trail, parent = [], step.parent
    while parent is not None:
        trail.insert(
            0, {"url": step_url(lang, draft.slug, parent, token), "title": draft.steps[parent].text("title", lang)[0]}
        )
        parent = draft.steps[parent].parent
    languages = [(code, name, step_url(code, draft.slug, path, token)) for code, name in settings.LANGUAGES]
    with override(lang):
        context = {
            "draft": draft,
            "step": step,
            "lang": lang,
            "title": step.text("title", lang)[0],
            "body": html("body"),
            "note": html("note"),
            "choices": choices,
            "trail": trail,
            "languages": languages,
        }
        return TemplateResponse(request, "cms/preview_step.html", context)


def _label(step: Step, lang: str) -> str:
    return step.text("label", lang)[0] or step.text("title", lang)[0]
