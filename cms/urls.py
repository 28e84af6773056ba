from django.contrib import admin
from django.urls import include, path

from cms import health
from cms.api import api
from cms.site import preview

# The draft preview (staff, or a signed link): cms/site/preview.py.
# A release's or a change request's pages (staff): declared first, as "release" or "change" would otherwise be taken
# for a language code.
preview_patterns = [
    path("release/<int:pk>/<str:lang>/", preview.release_preview, name="preview-release"),
    path("release/<int:pk>/<str:lang>/<path:path>/", preview.release_preview, name="preview-release-step"),
    path("change/<int:pk>/<str:lang>/", preview.change_preview, name="preview-change"),
    path("change/<int:pk>/<str:lang>/<path:path>/", preview.change_preview, name="preview-change-step"),
    path("<str:lang>/<slug:slug>/", preview.preview, name="preview"),
    path("<str:lang>/<slug:slug>/<path:path>/", preview.preview, name="preview-step"),
]

urlpatterns = [
    # The public site first, the hot path: /, /<lang>/, /<lang>/<wizard>/…, sitemap.xml, robots.txt. Its patterns
    # start with a language code (or are exact), so they never take an address of the admin, the API or previews.
    path("", include("cms.site.urls")),
    path("healthz", health.healthz, name="healthz"),  # load balancers: cms/health.py
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("preview/", include((preview_patterns, "cms"))),
]
# The public site's error pages, translated by the language in the address.
handler404 = "cms.site.views.handler404"
handler500 = "cms.site.views.handler500"
