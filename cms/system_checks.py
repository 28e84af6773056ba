"""Django system checks for the settings the delivery layer relies on (`manage.py check`, `check --deploy`)."""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

SITE_URL_HINT = (
    "Set the SITE_URL environment variable to the public site's address, e.g. https://wizards.example.be. "
    "Absolute links (canonical and language links, the sitemap, the API) are built on it, and the in-memory "
    "caches are keyed on it: without it, each port a client writes in the Host header gets copies of its own."
)


@register(Tags.security, deploy=True)
def site_url_is_set(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """In production (DEBUG off), SITE_URL is required: a deployment must not take its origin from the Host header."""
    if settings.DEBUG or settings.SITE_URL:
        return []
    return [Error("SITE_URL is not set, and DEBUG is off.", hint=SITE_URL_HINT, id="cms.E001")]


@register()
def site_url_is_an_origin(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """SITE_URL, when set, is a scheme and a host (and port): links are made by appending paths to it."""
    if not settings.SITE_URL:
        return []
    parts = urlsplit(settings.SITE_URL)
    if parts.scheme in {"http", "https"} and parts.netloc and not (parts.path or parts.query or parts.fragment):
        return []
    return [
        Error(
            f"SITE_URL must be an origin such as https://wizards.example.be, not “{settings.SITE_URL}”.",
            hint="Only the scheme, the host and, if needed, the port: no path, query or fragment.",
            id="cms.E002",
        )
    ]
