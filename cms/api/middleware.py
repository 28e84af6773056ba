"""Everything under /api/ answers like the API: CORS, HEAD and OPTIONS on every path, and errors as JSON.

A middleware rather than the views: Django's own 404 (an unknown address), ninja's 405 (another method) and a
server error never reach the API's views, and a CDN must get the same headers on those too.
Why not django-cors-headers: the API is read-only and takes no credentials, so CORS here is a few fixed headers;
a small function keeps them right on 304s and errors too, without another app to configure.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBase

from cms.api import http

# The status codes the API documents; Django answers the others (500…) with HTML unless we step in.
MESSAGES = {
    400: "The request could not be understood.",
    404: "There is nothing at this address. The API's paths are listed in /api/v1/openapi.json.",
    405: "The API only reads: use GET (or HEAD).",
    500: "The server failed to answer; it has been logged.",
}


class ApiMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path.startswith(http.PREFIX):
            return self.get_response(request)
        if request.method == "OPTIONS":
            response: HttpResponseBase = self.preflight(request)
        elif request.method == "HEAD":
            # HEAD is GET without the body (RFC 9110); ninja only dispatches the methods an operation declares.
            request.method = "GET"
            response = self.get_response(request)
            request.method = "HEAD"
            if isinstance(response, HttpResponse):
                response.content = b""  # Content-Length (set by CommonMiddleware) stays the GET's
        else:
            response = self.get_response(request)
        response = self.as_json(response)
        vary = getattr(response, "api_vary", None)
        if vary is not None:
            # LocaleMiddleware adds "Vary: Accept-Language" to everything; only the answers that read it vary.
            response.headers.pop("Vary", None)
            for header in vary:
                http.add_vary(response, header)
        http.cors_headers(response, request.headers.get("Origin"))
        return response

    def preflight(self, request: HttpRequest) -> HttpResponse:
        response = HttpResponse(status=204)
        del response["Content-Type"]
        response["Allow"] = http.ALLOWED_METHODS
        if request.headers.get("Origin") and request.headers.get("Access-Control-Request-Method"):
            response["Access-Control-Allow-Methods"] = http.ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = http.ALLOWED_REQUEST_HEADERS
            response["Access-Control-Max-Age"] = "86400"
        return response

    def as_json(self, response: HttpResponseBase) -> HttpResponseBase:
        status = response.status_code
        if status not in MESSAGES or response.get("Content-Type", "").startswith("application/json"):
            return response
        converted = http.error_response(status, http.ERROR_CODES[status], MESSAGES[status])
        if status == 405:
            converted["Allow"] = http.ALLOWED_METHODS
        return converted
