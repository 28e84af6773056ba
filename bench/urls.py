from django.http import HttpRequest, HttpResponse
from django.urls import path

from cms.urls import handler404, handler500  # noqa: F401
from cms.urls import urlpatterns as site_patterns


def hello(request: HttpRequest) -> HttpResponse:
    """The floor: a view that does nothing, behind every middleware the site's pages go through."""
    return HttpResponse("hello")


urlpatterns = [path("bench/hello/", hello), *site_patterns]
