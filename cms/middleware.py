from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class SecurityHeadersMiddleware:
    """Headers that Django's SecurityMiddleware does not set: a Content-Security-Policy and a Permissions-Policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = (
            settings.ADMIN_CONTENT_SECURITY_POLICY
            if request.path.startswith("/admin/")
            else settings.CONTENT_SECURITY_POLICY
        )
        response.headers.setdefault("Content-Security-Policy", policy)
        # Also on what never reaches Django's clickjacking middleware (static files, the API's early answers).
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), geolocation=(), microphone=(), interest-cohort=()"
        )
        return response


class AdminLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware for the admin only: its language follows the editor's browser.

    The public site and the API take their language from the address (or read Accept-Language themselves where
    they must), so their answers do not vary on that header, and a CDN keeps one copy of each page.
    """

    def process_request(self, request: HttpRequest) -> None:
        if request.path.startswith("/admin/"):
            super().process_request(request)
        else:
            # A server thread keeps the language it last activated: never let an editor's leak into a public page.
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        return super().process_response(request, response) if request.path.startswith("/admin/") else response
