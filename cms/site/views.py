"""The public site: server-rendered pages of the live release of each wizard, in FR, NL, DE and EN.

Pages read only `cms.live` (the in-memory live releases), never the tree: a page costs at most the pointer query,
which `cms.live` makes at most once per `LIVE_POINTER_TTL`. Finished pages are kept per release and language, so
serving one is a dictionary lookup; `render_step` also serves draft previews from any `LiveWizard`.
"""

import hashlib
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.cache import patch_vary_headers
from django.utils.html import escape
from django.utils.http import parse_etags
from django.utils.translation import get_language_from_request, gettext, gettext_noop, override
from django.views.decorators.csrf import csrf_exempt

from cms import addresses, pages
from cms import live as live_releases
from cms.live import LiveWizard
from cms.memo import site_origin
from cms.site import feedback

SERVER_ERROR_TEXT = gettext_noop("Something went wrong on our side. Please try again in a few minutes.")
TOKEN_PLACEHOLDER = "__wizard_feedback_token__"
TOKEN_PLACEHOLDER_BYTES = TOKEN_PLACEHOLDER.encode()
FEEDBACK_STATES = {"thanks", "retry"}


def root(request: HttpRequest) -> HttpResponse:
    """/ → /<lang>/, the visitor's language by Accept-Language, French when none of ours is asked for."""
    lang = get_language_from_request(request)
    response = HttpResponseRedirect(f"/{lang if lang in pages.languages() else settings.LANGUAGE_CODE}/")
    response.headers["Vary"] = "Accept-Language"
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def index(request: HttpRequest, lang: str) -> HttpResponse:
    """The list of live wizards; with only one, that wizard's start page."""
    found = live_releases.wizards()
    if len(found) == 1:
        return HttpResponseRedirect(pages.step_url(found[0].slug, lang, ""))
    items = [
        {"url": pages.step_url(each.slug, lang, ""), "label": pages.inline_text(each.root, "title", lang)}
        for each in found
    ]
    with override(lang):
        html = render_to_string(
            "wizard/index.html",
            {
                "lang": lang,
                "title": gettext("Wizards"),
                "home_url": f"/{lang}/",
                "wizards": items,
                "alternates": [
                    {"lang": code, "name": name, "url": f"/{code}/", "href": f"/{code}/"}
                    for code, name in pages.language_names().items()
                ],
                "css": static("wizard/site.css"),
            },
            request=None,
        )
    etag = make_etag(html)
    return _conditional(request, html, etag, lang=lang)


@csrf_exempt  # no cookie, hence no CSRF cookie: the feedback form protects itself (see cms/site/feedback.py)
def step(request: HttpRequest, lang: str, wizard: str, path: str = "") -> HttpResponse:
    found = live_releases.wizard(wizard)
    if found is None:
        return _missing_address(request, lang, wizard, path)
    return render_step(request, found, lang, path)


def render_step(
    request: HttpRequest,
    live: LiveWizard,
    lang: str,
    path: str,
    *,
    preview: bool = False,
    link_to: pages.LinkTo | None = None,
) -> HttpResponse:
    """One step of `live` in `lang`: the page, a 301 to where it moved, a 410 if removed, or a 404.

    A preview (a draft frozen with `LiveWizard.from_snapshot(releases.freeze(wizard), …)`) is never memoized nor
    cached, is marked noindex, shows no feedback form, and links its steps with `link_to` (a preview's own URLs).
    """
    # Pages are kept only with the site's own links: another `link_to` (a preview's) is rendered each time.
    memoize = not preview and link_to is None
    link_to = link_to or pages.site_link_to(live)
    path = path.strip("/")
    if request.method not in {"GET", "HEAD", "POST"}:
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    current = live.steps.get(path)
    if current is None:
        if not memoize:  # a preview or an export: no history of addresses but the live site's
            return not_found_page(request, lang, live=live, link_to=link_to)
        return _missing_address(request, lang, live.slug, path, live=live)
    if request.method == "POST":
        if preview or current.kind != "task":
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return _answer_feedback(request, live, current, lang, link_to)
    # Most requests have no query string: no need to parse one (request.GET builds a QueryDict).
    query = request.GET if request.META.get("QUERY_STRING") else {}
    back_to = pages.came_from(live, path, query.get(pages.CAME_FROM, ""))
    if not memoize:
        context = pages.page_context(live, lang, path, link_to=link_to, memoize=False, back_to=back_to)
        html = _render("wizard/step.html", lang, {**context, "preview": preview})
        response = HttpResponse(html)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        response.headers["Content-Language"] = lang
        return response
    state = query.get("feedback", "")
    state = state if current.kind == "task" and state in FEEDBACK_STATES else ""
    origin = site_origin(request)

    def compute() -> tuple[bytes, str]:
        context = pages.page_context(live, lang, path, link_to=link_to, origin=origin, back_to=back_to)
        html = _render(
            "wizard/step.html",
            lang,
            {
                **context,
                "show_feedback": True,
                "feedback_state": state,
                "token": TOKEN_PLACEHOLDER,
                "honeypot": feedback.HONEYPOT,
            },
        )
        return html.encode(), make_etag(html)

    # `back_to` is a step path or None: at most one page per step a cross-link leads from, never a visitor's text.
    html, etag = pages.page_cache(live, origin).get((lang, path, state, back_to), compute)
    if current.kind == "task" and state != "thanks":
        # The form's token is the request's, not the memoized page's: it says when the form was shown.
        html = html.replace(TOKEN_PLACEHOLDER_BYTES, feedback.current_token(current).encode())
    return _conditional(request, html, etag, lang=lang)


def make_etag(content: str) -> str:
    return '"' + hashlib.sha256(content.encode()).hexdigest()[:32] + '"'


def _render(template: str, lang: str, context: dict[str, Any]) -> str:
    with override(lang):
        return render_to_string(template, {"css": static("wizard/site.css"), **context})


def _conditional(request: HttpRequest, html: str | bytes, etag: str, *, lang: str, status: int = 200) -> HttpResponse:
    """The page, or 304 when the visitor's copy (If-None-Match) is the same."""
    # From META, not request.headers: building the headers' mapping costs a tenth of serving a memoized page.
    header = request.META.get("HTTP_IF_NONE_MATCH")
    tags = parse_etags(header) if header else ()
    if status == 200 and (etag in tags or "*" in tags):
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(html, status=status)
        response.headers["Content-Language"] = lang
    response.headers["ETag"] = etag
    response.headers["Cache-Control"] = f"public, max-age={settings.WIZARD_PAGE_MAX_AGE}"
    return response


def _answer_feedback(
    request: HttpRequest, live: LiveWizard, current: live_releases.Step, lang: str, link_to: pages.LinkTo
) -> HttpResponse:
    back_to = pages.came_from(live, current.path, request.GET.get(pages.CAME_FROM, ""))
    try:
        answer = feedback.check(request, current)
    except feedback.Refused:
        return _feedback_again(request, live, current, lang, link_to, back_to)
    feedback.record(live, current, answer, lang=lang)
    query = {"feedback": "thanks"}
    if back_to:
        query[pages.CAME_FROM] = back_to  # "Back" still leads where the visitor came from
    # 303: the browser shows the page again with GET, and a reload does not post twice.
    return HttpResponseRedirect(f"{link_to(lang, current.path)}?{urlencode(query)}#feedback", status=303)


def _feedback_again(
    request: HttpRequest,
    live: LiveWizard,
    current: live_releases.Step,
    lang: str,
    link_to: pages.LinkTo,
    back_to: str | None,
) -> HttpResponse:
    """The page again, its form still holding the refused answer and comment, with a fresh token: nothing is lost."""
    origin = f"{request.scheme}://{request.get_host()}"
    context = pages.page_context(live, lang, current.path, link_to=link_to, origin=origin, back_to=back_to)
    kept = {
        "helpful": request.POST.get("helpful", ""),
        "comment": request.POST.get("comment", "")[: feedback.COMMENT_MAX],
    }
    extra = {"show_feedback": True, "feedback_state": "retry", "honeypot": feedback.HONEYPOT, "kept": kept}
    html = _render("wizard/step.html", lang, {**context, **extra, "token": feedback.current_token(current)})
    response = HttpResponse(html)
    response.headers["Cache-Control"] = "no-store"  # it holds what this visitor typed
    response.headers["Content-Language"] = lang
    return response


def _missing_address(
    request: HttpRequest, lang: str, slug: str, path: str, *, live: LiveWizard | None = None
) -> HttpResponse:
    """An address that no live release has: 301 if its step (or wizard) moved, 410 if removed, else 404.

    At most one indexed query (`cms.addresses`, written when a release goes live), whatever the wizard's size or
    history; none, under a live wizard's slug, once its addresses are read.
    """
    path = path.strip("/")
    found = live_releases.address(slug, path, live=live)
    if found is not None and found.answer == addresses.Answer.MOVED:
        return HttpResponsePermanentRedirect(pages.step_url(found.live_slug, lang, found.target))
    if found is not None and found.answer == addresses.Answer.GONE:
        now_live = live if live is not None and live.slug == found.live_slug else live_releases.wizard(found.live_slug)
        if now_live is not None and found.target in now_live.steps:
            return _gone_page(lang, now_live, now_live.steps[found.target])
    if live is not None:
        return not_found_page(request, lang, live=live, link_to=pages.site_link_to(live))
    return not_found_page(request, lang)


def _gone_page(lang: str, live: LiveWizard, parent: live_releases.Step) -> HttpResponse:
    """410: the step is no longer there; its nearest live ancestor and that one's other steps are."""
    link_to = pages.site_link_to(live)
    siblings = [live.steps[child] for child in parent.children]
    context = {
        "lang": lang,
        "title": _in(lang, gettext_noop("This page no longer exists")),
        "parent": {"url": link_to(lang, parent.path), "label": pages.label(parent, lang)},
        "others": [{"url": link_to(lang, s.path), "label": pages.label(s, lang)} for s in siblings],
        "home_url": link_to(lang, ""),
        "wizard_name": pages.inline_text(live.root, "title", lang),
    }
    html = _render("wizard/gone.html", lang, context)
    return _error_response(html, lang, status=410)


def not_found_page(
    request: HttpRequest, lang: str, *, live: LiveWizard | None = None, link_to: pages.LinkTo | None = None
) -> HttpResponse:
    start = None
    if live is not None and link_to is not None:
        start = {"url": link_to(lang, ""), "label": pages.inline_text(live.root, "title", lang)}
    title = _in(lang, gettext_noop("Page not found"))
    context = {"lang": lang, "title": title, "start": start, "home_url": f"/{lang}/"}
    return _error_response(_render("wizard/not_found.html", lang, context), lang, status=404)


def _error_response(html: str, lang: str, *, status: int) -> HttpResponse:
    response = HttpResponse(html, status=status)
    response.headers["Content-Language"] = lang
    response.headers["Cache-Control"] = f"public, max-age={settings.WIZARD_PAGE_MAX_AGE}"
    response.headers["ETag"] = make_etag(html)
    return response


def _in(lang: str, message: str) -> str:
    with override(lang):
        return gettext(message)


def _path_language(request: HttpRequest) -> str:
    first = request.path.lstrip("/").split("/", 1)[0]
    if first in pages.languages():
        return first
    lang = get_language_from_request(request)
    return lang if lang in pages.languages() else settings.LANGUAGE_CODE


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    response = not_found_page(request, _path_language(request))
    patch_vary_headers(response, ["Accept-Language"])  # when the address names no language, the header chose
    return response


def handler500(request: HttpRequest) -> HttpResponse:
    """A plain page that needs neither the database nor a template: whatever broke cannot break it too."""
    lang = _path_language(request)
    with override(lang):
        title, text, home = gettext("Server error"), gettext(SERVER_ERROR_TEXT), gettext("Home")
    html = (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
        f'</head><body><main><h1>{escape(title)}</h1><p>{escape(text)}</p><p><a href="/{lang}/">{escape(home)}</a>'
        "</p></main></body></html>"
    )
    response = HttpResponse(html, status=500)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = lang
    return response


def sitemap(request: HttpRequest) -> HttpResponse:
    """Every page of every live wizard in every language, each with its other languages as alternates."""
    origin = site_origin(request)
    rows = [
        found.remember("sitemap", lambda found=found: _sitemap_rows(found, origin), origin=origin)
        for found in live_releases.wizards()
    ]
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">'
        + "".join(rows)
        + "</urlset>\n"
    )
    etag = make_etag(xml)
    response = _conditional(request, xml, etag, lang=settings.LANGUAGE_CODE)
    response.headers["Content-Type"] = "application/xml; charset=utf-8"
    response.headers.pop("Content-Language", None)
    return response


def _sitemap_rows(found: LiveWizard, origin: str) -> str:
    lastmod = found.published_at.date().isoformat()
    rows = []
    for path in found.steps:
        links = "".join(
            f'<xhtml:link rel="alternate" hreflang="{code}" href={quoteattr(href)}/>'
            for code in pages.languages()
            if (href := origin + pages.step_url(found.slug, code, path))
        )
        for lang in pages.languages():
            loc = xml_escape(origin + pages.step_url(found.slug, lang, path))
            rows.append(f"<url><loc>{loc}</loc><lastmod>{lastmod}</lastmod>{links}</url>")
    return "".join(rows)


def robots(request: HttpRequest) -> HttpResponse:
    sitemap_url = f"{site_origin(request)}/sitemap.xml"
    response = HttpResponse(f"User-agent: *\nDisallow: /admin/\nSitemap: {sitemap_url}\n", content_type="text/plain")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
