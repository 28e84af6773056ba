"""The HTTP side of the API shared by its views and its middleware: errors as JSON, caching headers, CORS."""

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.http import parse_etags

from cms import memo

PREFIX = "/api/"
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
# What a browser may send cross-origin without a preflight failing: the headers the API reads.
ALLOWED_REQUEST_HEADERS = "Accept, Accept-Language, If-None-Match"
EXPOSED_RESPONSE_HEADERS = "ETag, Content-Language"
# Drafts and errors are never kept by a CDN or a browser: a draft is private, an error may be fixed any moment.
NO_STORE = "private, no-store"

ERROR_CODES = {400: "invalid_parameter", 404: "not_found", 405: "method_not_allowed", 500: "server_error"}


class ApiError(Exception):
    """Answer with this status and error code (see schemas.Error)."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def error_response(status: int, error: str, message: str) -> HttpResponse:
    body = json.dumps({"status": status, "error": error, "message": message}, ensure_ascii=False)
    response = HttpResponse(body, status=status, content_type="application/json")
    response["Cache-Control"] = NO_STORE
    return response


def not_modified() -> HttpResponse:
    """304: no body, so no Content-Type either; the caller adds the validators and caching headers."""
    response = HttpResponse(status=304)
    del response["Content-Type"]
    return response


def site_root(request: HttpRequest) -> str:
    """Where absolute links point: settings.SITE_URL, else the address this request came to."""
    return memo.site_origin(request)


def etag_matches(request: HttpRequest, etag: str) -> bool:
    """Whether the client already has this version (If-None-Match; weak comparison, as RFC 9110 says for GET)."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = parse_etags(header)
    return "*" in tags or etag in {tag.removeprefix("W/") for tag in tags}


def cors_headers(response: HttpResponse, origin: str | None) -> None:
    """Let pages on the configured origins (any with "*") read the answer; never with credentials."""
    allowed = settings.API_CORS_ALLOWED_ORIGINS
    if "*" in allowed:
        response["Access-Control-Allow-Origin"] = "*"
    elif origin and origin in allowed:
        response["Access-Control-Allow-Origin"] = origin
    if allowed and "*" not in allowed:
        # The answer differs by origin: a shared cache must keep one per origin.
        add_vary(response, "Origin")
    if response.has_header("Access-Control-Allow-Origin"):
        response["Access-Control-Expose-Headers"] = EXPOSED_RESPONSE_HEADERS


def add_vary(response: HttpResponse, header: str) -> None:
    present = [value.strip() for value in response.get("Vary", "").split(",") if value.strip()]
    if header.lower() not in {value.lower() for value in present}:
        response["Vary"] = ", ".join([*present, header])
