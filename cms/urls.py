from django.contrib import admin
from django.urls import include, path

from wizard.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    # The public site: /, /<lang>/, /<lang>/<wizard>/…, sitemap.xml. Last: its patterns start with a language.
    path("", include("wizard.urls")),
]
# The public site's error pages, translated by the language in the address.
handler404 = "wizard.views.handler404"
handler500 = "wizard.views.handler500"
