"""/api/v1/: the published wizards as JSON, for any front end (a mobile app, a chatbot, another portal).

Reads only the releases held in memory by `cms.live` (a request costs at most the pointer query), except a draft
preview, which freezes the current tree for whoever holds a preview token.
"""

import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Header, NinjaAPI, Path, Query
from ninja.errors import ValidationError
from ninja.openapi.docs import Swagger

from cms import live, preview, releases
from cms.api import content, http, schemas
from cms.api.http import ApiError
from cms.live import LiveWizard
from wizard.models import Node

DESCRIPTION = """
The published wizards, read-only, in French, Dutch, German and English.

* **Language**: `?lang=fr|nl|de|en`; without it, the `Accept-Language` header decides (default French).
  A text missing in the language is given in French and its field is named in `fallback`.
* **Caching**: answers carry an `ETag` (release, language, step) and a `Cache-Control` fit for a CDN;
  send `If-None-Match` to get `304 Not Modified`. CORS lets any origin read (configurable).
* **Links** in `body_html`/`note_html`: link targets resolve to their URL in the language; a reference to
  another step becomes the address of that step's page on the public site, and `references` lists each link
  with its step path, so that a front end can route it itself.
* **A destination without a page in the language** (the portal's employer pages have no English version): the
  link leads to the page of the language editors chose, `url_lang` says which, and `body_html` gives the link
  `hreflang` and a visible note in the asked language ("(in French)"); a front end should do the same.
* **Preview**: `?release=draft&token=…` shows the current draft to whoever has a preview token; never cached.
* **Errors**: always `{"status", "error", "message"}`, with a stable `error` code.
"""

Language = Literal[tuple(settings.WIZARD_LANGUAGES)]  # type: ignore[valid-type]
ReleaseChoice = Literal["live", "draft"]
AcceptLanguage = Annotated[
    str | None, Header(None, alias="Accept-Language", description="Used when `lang` is not given.")
]
Slug = Annotated[str, Path(description="The wizard's slug.", example="egov-roles")]
StepPath = Annotated[
    str, Path(description='Slugs below the wizard, joined by "/".', example="profiles/legal-representative")
]
LangParam = Annotated[
    Language | None, Query(None, description="fr, nl, de or en; without it, the Accept-Language header decides.")
]
ReleaseParam = Annotated[
    ReleaseChoice, Query("live", description="`live` (the default) or `draft`, the current draft: needs `token`.")
]
TokenParam = Annotated[str | None, Query(None, description="A preview token, for `release=draft`.")]
IfNoneMatch = Annotated[str | None, Header(None, alias="If-None-Match", description="An ETag you already have.")]
ERRORS: dict[int, Any] = {400: schemas.Error, 403: schemas.Error, 404: schemas.Error, 405: schemas.Error}
LIST_ERRORS: dict[int, Any] = {400: schemas.Error, 405: schemas.Error}


def cacheable(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The OpenAPI document and its page change only with a deployment."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "public, max-age=300"
        return response

    return wrapper


api = NinjaAPI(
    title="Wizard CMS API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    # Served from the app's own static files: no CDN, and the site's strict Content-Security-Policy holds.
    docs=Swagger(settings={"validatorUrl": None, "defaultModelsExpandDepth": 0, "tryItOutEnabled": True}),
    docs_url="/docs",
    docs_decorator=cacheable,
)


@api.exception_handler(ApiError)
def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return http.error_response(exc.status, exc.error, exc.message)


@api.exception_handler(ValidationError)
def invalid_parameter(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = []
    for error in exc.errors:
        name = str(error["loc"][-1]) if error.get("loc") else "?"
        problems.append(f"{name}: {error.get('msg', 'invalid')}")
    if any(error.get("loc", [None])[-1] == "lang" for error in exc.errors):
        languages = ", ".join(settings.WIZARD_LANGUAGES)
        return http.error_response(400, "unknown_language", f"Unknown language; use one of {languages}.")
    return http.error_response(400, "invalid_parameter", "; ".join(problems))


def find_wizard(slug: str, release: ReleaseChoice, token: str | None) -> LiveWizard:
    if release == "live":
        found = live.wizard(slug)
        if found is None:
            raise ApiError(404, "unknown_wizard", f"No wizard is published under “{slug}”.")
        return found
    # A draft: refused the same way whether the wizard exists or not, so that slugs do not leak.
    wizard = Node.objects.wizards().filter(slug=slug).first()
    if wizard is None or not token or not preview.is_valid(token, wizard):
        raise ApiError(
            403,
            "invalid_preview_token",
            "A draft is shown only with a valid preview token (token=…); tokens expire, ask an editor for a new one.",
        )
    return LiveWizard.from_snapshot(releases.freeze(wizard), release_id=0, number=0, at=timezone.now())


def answer(
    request: HttpRequest,
    wizard: LiveWizard,
    lang: str,
    *,
    negotiated: bool,
    body: Callable[[], bytes],
    part: str = "",
) -> HttpResponse:
    """The JSON of `body()` with its caching headers, or 304 when the client has this version already."""
    vary = ["Accept-Language"] if negotiated else []
    if wizard.release_id:
        suffix = f".{hashlib.sha256(part.encode()).hexdigest()[:12]}" if part else ""
        etag = f'"{wizard.release_id}.{lang}.{content.FORMAT_VERSION}{suffix}"'
        cache_control = settings.API_CACHE_CONTROL
    else:
        etag, cache_control = "", http.NO_STORE
    if etag and http.etag_matches(request, etag):
        response = http.not_modified()
    else:
        response = HttpResponse(body(), content_type="application/json")
    response["Content-Language"] = lang
    if etag:
        response["ETag"] = etag
    response["Cache-Control"] = cache_control
    response.api_vary = vary  # type: ignore[attr-defined]  # read by ApiMiddleware
    return response


@api.get(
    "/wizards/",
    response={200: schemas.WizardList, 304: None, **LIST_ERRORS},
    operation_id="listWizards",
    tags=["wizards"],
    summary="The published wizards",
)
def list_wizards(request: HttpRequest, if_none_match: IfNoneMatch = None) -> HttpResponse:
    """Every wizard the public can see, with its titles, languages and live release."""
    found = live.wizards()
    releases_live = ",".join(f"{wizard.slug}:{wizard.release_id}" for wizard in found)
    etag = f'"{hashlib.sha256(releases_live.encode()).hexdigest()[:16]}.{content.FORMAT_VERSION}"'
    response = (
        http.not_modified()
        if http.etag_matches(request, etag)
        else HttpResponse(content.list_json(found, http.site_root(request)), content_type="application/json")
    )
    response["ETag"], response["Cache-Control"] = etag, settings.API_CACHE_CONTROL
    response["Content-Language"] = ", ".join(settings.WIZARD_LANGUAGES)  # titles in every language
    response.api_vary = []  # type: ignore[attr-defined]
    return response


@api.get(
    "/wizards/{slug}/",
    response={200: schemas.WizardTree, 304: None, **ERRORS},
    operation_id="getWizard",
    tags=["wizards"],
    summary="A wizard's whole tree in one language",
)
def get_wizard(
    request: HttpRequest,
    slug: Slug,
    lang: LangParam = None,
    release: ReleaseParam = "live",
    token: TokenParam = None,
    accept_language: AcceptLanguage = None,
    if_none_match: IfNoneMatch = None,
) -> HttpResponse:
    """Every step of the wizard, nested from the start page down, with texts, rendered bodies and links."""
    wizard = find_wizard(slug, release, token)
    language = lang or content.language_from_header(accept_language)
    site = http.site_root(request)
    return answer(
        request, wizard, language, negotiated=lang is None, body=lambda: content.tree_json(wizard, language, site)
    )


def step_answer(
    request: HttpRequest,
    slug: str,
    path: str,
    lang: str | None,
    release: ReleaseChoice,
    token: str | None,
    accept_language: str | None,
) -> HttpResponse:
    wizard = find_wizard(slug, release, token)
    language = lang or content.language_from_header(accept_language)
    site, path = http.site_root(request), path.strip("/")
    if path not in wizard.steps:  # before any If-None-Match: "*" matches only what exists
        raise ApiError(404, "unknown_step", f"The wizard “{wizard.slug}” has no step “{path}”.")
    return answer(
        request,
        wizard,
        language,
        negotiated=lang is None,
        body=lambda: content.step_json(wizard, path, language, site),
        part=path or "/",
    )


@api.get(
    "/wizards/{slug}/nodes/",
    response={200: schemas.StepPage, 304: None, **ERRORS},
    operation_id="getStartStep",
    tags=["steps"],
    summary="A wizard's start page, with its children",
)
def get_start_step(
    request: HttpRequest,
    slug: Slug,
    lang: LangParam = None,
    release: ReleaseParam = "live",
    token: TokenParam = None,
    accept_language: AcceptLanguage = None,
    if_none_match: IfNoneMatch = None,
) -> HttpResponse:
    """The start page alone, like any step below."""
    return step_answer(request, slug, "", lang, release, token, accept_language)


@api.get(
    "/wizards/{slug}/nodes/{path:path}/",
    response={200: schemas.StepPage, 304: None, **ERRORS},
    operation_id="getStep",
    tags=["steps"],
    summary="One step, with its breadcrumb and children",
)
def get_step(
    request: HttpRequest,
    slug: Slug,
    path: StepPath,
    lang: LangParam = None,
    release: ReleaseParam = "live",
    token: TokenParam = None,
    accept_language: AcceptLanguage = None,
    if_none_match: IfNoneMatch = None,
) -> HttpResponse:
    """One step by its path (slugs joined by "/", e.g. `profiles/legal-representative`)."""
    return step_answer(request, slug, path, lang, release, token, accept_language)


@api.get("/", include_in_schema=False)
def index(request: HttpRequest) -> HttpResponse:
    """Where to start, for whoever opens /api/v1/ in a browser."""
    site = http.site_root(request)
    links = {
        "wizards": f"{site}/api/v1/wizards/",
        "docs": f"{site}/api/v1/docs",
        "openapi": f"{site}/api/v1/openapi.json",
    }
    response = HttpResponse(json.dumps(links), content_type="application/json")
    response["Cache-Control"] = settings.API_CACHE_CONTROL
    response.api_vary = []  # type: ignore[attr-defined]
    return response
