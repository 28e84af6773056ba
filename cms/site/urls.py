from django.conf import settings
from django.urls import path, register_converter

from cms.site import views


class LanguageConverter:
    """One of the site's languages, as the first part of every public address."""

    regex = "|".join(code for code, _name in settings.LANGUAGES)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(LanguageConverter, "lang")

app_name = "wizard"
# Most requests are for a step: its pattern is tried first (none of these patterns can match another's addresses).
urlpatterns = [
    path("<lang:lang>/<slug:wizard>/<path:path>/", views.step, name="step"),
    path("<lang:lang>/<slug:wizard>/", views.step, name="start"),
    path("<lang:lang>/", views.index, name="index"),
    path("", views.root, name="root"),
    path("sitemap.xml", views.sitemap, name="sitemap"),
    path("robots.txt", views.robots, name="robots"),
]
