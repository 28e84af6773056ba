from django.contrib import admin
from django.urls import include, path

from cms import views

# The draft preview (staff, or a signed link): cms/views.py.
preview_patterns = [
    path("<str:lang>/<slug:slug>/", views.preview, name="preview"),
    path("<str:lang>/<slug:slug>/<path:path>/", views.preview, name="preview-step"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("preview/", include((preview_patterns, "cms"))),
]
