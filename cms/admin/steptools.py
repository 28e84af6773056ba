"""The step form's tools, mixed into NodeAdmin: a live preview, the reference choosers, the check as one types.

- **Preview** (POST, change permission, CSRF): the step as the public will see it, from the form's unsaved texts,
  in one language, rendered by the public site's templates (`cms.draftpage`). It answers a whole page for a
  sandboxed frame, with a CSP of its own that allows no script at all. Nothing is written.
- **Search** (GET, JSON): the steps of the step's wizard or the link targets that match, at most `SEARCH_LIMIT`.
- **Check** (POST, JSON): the reference problems of the texts being typed, with "did you mean" (`wizard.lookup`).
Each reads a bounded number of rows in a bounded number of queries, whatever the wizard's size. Without script the
form works as before, and the save-time check says "did you mean" too.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from cms import actions, draftpage
from wizard import lookup
from wizard.models import NODE_TEXT_FIELDS, Node

SEARCH_LIMIT = 20
# The preview's own policy, should its address be opened on its own: no script whatsoever, framed by nobody, and
# sandboxed. The panel shows it in a sandboxed frame (srcdoc) instead, under the admin's policy.
PREVIEW_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'none'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'; sandbox allow-popups allow-popups-to-escape-sandbox"
)
TEXT_LIMIT = 100_000  # characters of one field: more is no text an editor types


def _typed(request: HttpRequest) -> dict[str, str]:
    """The text columns the form posted ("body_nl", …): the others are read from the step as stored."""
    columns = [f"{name}_{lang}" for name in NODE_TEXT_FIELDS for lang in settings.WIZARD_LANGUAGES]
    return {column: request.POST[column][:TEXT_LIMIT] for column in columns if column in request.POST}


class StepToolsMixin:
    """Adds the preview, search and check endpoints and the panel that uses them to the step form."""

    tools_fieldset = "step_tools"

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:object_id>/preview/", view(self.preview_view), name="wizard_node_preview"),
            path("<int:object_id>/references/", view(self.search_view), name="wizard_node_references"),
            path("<int:object_id>/references/check/", view(self.check_view), name="wizard_node_check"),
            *super().get_urls(),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, self.tools_fieldset] if obj is not None else fields

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        fieldsets = list(super().get_fieldsets(request, obj))
        if obj is None:
            return fieldsets
        panel = (_("Preview"), {"classes": ("step-tools",), "fields": [self.tools_fieldset]})
        return [*fieldsets[:1], panel, *fieldsets[1:]]

    @admin.display(description=_("Preview"))
    def step_tools(self, node: Node) -> SafeString:
        """The preview panel and the choosers' dialog (templates/admin/wizard/node/_step_tools.html)."""
        context = {
            "node": node,
            "languages": settings.LANGUAGES,
            "preview_url": reverse("admin:wizard_node_preview", args=[node.pk]),
            "search_url": reverse("admin:wizard_node_references", args=[node.pk]),
            "check_url": reverse("admin:wizard_node_check", args=[node.pk]),
        }
        return render_to_string("admin/wizard/node/_step_tools.html", context)

    def _node(self, request: HttpRequest, object_id: int, *, change: bool) -> Node:
        node = Node.objects.filter(pk=object_id).first()
        if node is None:
            raise Http404(_("Nothing here has the id “%s”.") % object_id)
        allowed = self.has_change_permission(request, node) if change else self.has_view_permission(request, node)
        if not allowed:
            raise PermissionDenied
        return node

    def preview_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return _preview(request, self._node(request, object_id, change=True))

    def search_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return _search(request, self._node(request, object_id, change=False))

    def check_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return _check(request, self._node(request, object_id, change=True))


@require_POST
def _preview(request: HttpRequest, node: Node) -> HttpResponse:
    lang = request.POST.get("preview_lang", "fr")
    if lang not in settings.WIZARD_LANGUAGES:
        return HttpResponseBadRequest("Unknown language.")
    typed = _typed(request)
    live, here = draftpage.build(node, typed)
    wizard = node.get_wizard()
    markdown_typed = {column: typed[column] for column in lookup.markdown_columns() if column in typed}
    found = lookup.check_texts(wizard, markdown_typed)
    problems = [f"{column}: {problem.message}" for column, items in found.items() for problem in items]
    html = draftpage.render(
        live, lang, here, link_to=lambda code, target: _draft_url(code, live.slug, target), problems=problems
    )
    # A <base> makes every link of the framed page open in a new tab (the sandbox allows only that).
    html = html.replace("<head>", '<head>\n<base target="_blank">', 1)
    response = HttpResponse(html)
    response["Content-Security-Policy"] = PREVIEW_POLICY
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Content-Language"] = lang
    return response


def _draft_url(lang: str, slug: str, path: str) -> str:
    args = [lang, slug, path] if path else [lang, slug]
    return reverse("cms:preview-step" if path else "cms:preview", args=args)


@require_GET
def _search(request: HttpRequest, node: Node) -> JsonResponse:
    text = request.GET.get("q", "")[:200]
    if request.GET.get("kind") == "link":
        return JsonResponse({"results": lookup.search_links(text, limit=SEARCH_LIMIT)})
    return JsonResponse({"results": lookup.search_steps(node.get_wizard(), text, limit=SEARCH_LIMIT)})


@require_POST
def _check(request: HttpRequest, node: Node) -> JsonResponse:
    typed = {column: text for column, text in _typed(request).items() if column in lookup.markdown_columns()}
    found = lookup.check_texts(node.get_wizard(), typed)
    return JsonResponse(
        {
            "problems": {
                column: [
                    {"message": problem.message, "target": problem.target, "suggestion": problem.suggestion}
                    for problem in items
                ]
                for column, items in found.items()
            }
        }
    )


class LinkTargetForm(forms.ModelForm):
    """A link target's form: a new key is checked as the rename action will check it (every use rewritable)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "key" in self.fields:
            self.fields["key"].help_text = _(
                "Bodies refer to it as link:KEY. Renaming it rewrites every such reference, in every language."
            )

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.instance.pk and "key" in self.changed_data and not self.errors:
            try:
                actions.check_rename(self.instance, self.cleaned_data["key"])
            except actions.ActionError as error:
                self.add_error("key", str(error))
