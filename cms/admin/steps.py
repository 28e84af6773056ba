from typing import Any

import reversion
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin
from reversion.admin import VersionAdmin
from reversion.models import Version
from treebeard.admin import TreeAdmin
from treebeard.forms import MoveNodeForm, movenodeform_factory

from cms import audit
from cms.admin.editing import LinkTargetEditingMixin, NodeEditingMixin
from cms.admin.feedback import FeedbackSummaryMixin
from cms.admin.linkcheck import LinkStatusMixin
from cms.admin.translations import TranslationStatusMixin  # also registers the translation dashboard
from wizard import history, tree
from wizard.models import LinkTarget, Node

URL_FIELD = {models.URLField: {"assume_scheme": "https"}}


class PositionSearchInput(forms.TextInput):
    class Media:
        js = ("cms/position-search.js",)


class NodeForm(MoveNodeForm):
    """Treebeard's placement fields, plus the rules that depend on where the step ends up.

    "Relative to" lists the places near the step (its wizard, its ancestors, its siblings), never the whole tree: a
    wizard of thousands of steps would send thousands of options. Any other step is chosen by its path in
    "or another step", which the admin's search fills in as one types (position-search.js), and which works
    typed by hand without JavaScript. Validation still accepts any step (treebeard's own queryset).
    """

    treebeard_ref_path = forms.CharField(
        label=_("or another step"),
        required=False,
        help_text=_("Its path, starting with the wizard's slug, e.g. “egov-roles/profiles/user”. Type to search."),
        widget=PositionSearchInput(attrs={"size": 60, "class": "position-search", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["treebeard_ref_node"]
        shown = [(node.pk, field.label_from_instance(node)) for node in self._places_nearby()]
        field.widget.choices = [("", field.empty_label), *shown]
        self.fields["treebeard_ref_path"].widget.attrs["data-search-url"] = reverse("admin:wizard_node_places")

    def _places_nearby(self, siblings: int = 100) -> list[Node]:
        """The wizards, the step's ancestors, up to `siblings` of its siblings and the chosen place, in tree order."""
        node = self.instance if self.instance.pk else None
        chosen = self.data.get(self.add_prefix("treebeard_ref_node")) or self.initial.get("treebeard_ref_node")
        chosen = getattr(chosen, "pk", chosen)
        query = Q(depth=1) | Q(pk__in=[int(chosen)] if str(chosen or "").isdigit() else [])
        if node is not None:
            ancestors = [node.path[:end] for end in range(node.steplen, len(node.path), node.steplen)]
            parent = node.path[: -node.steplen]
            nearby = Node.objects.filter(depth=node.depth, path__startswith=parent).exclude(pk=node.pk)
            before = nearby.filter(path__lt=node.path).order_by("-path").values_list("pk", flat=True)[: siblings // 2]
            after = nearby.filter(path__gt=node.path).order_by("path").values_list("pk", flat=True)[: siblings // 2]
            query |= Q(path__in=ancestors) | Q(pk__in=before) | Q(pk__in=after)
        places = Node.objects.filter(query).order_by("path")
        return list(places.exclude(pk=node.pk) if node is not None else places)

    @property
    def changed_data(self) -> list[str]:
        names = super().changed_data
        # A place typed by path is a move even when the list still shows the old place.
        if "treebeard_ref_path" in names and "treebeard_ref_node" not in names:
            names = [*names, "treebeard_ref_node"]
        return names

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        typed = (cleaned.get("treebeard_ref_path") or "").strip().strip("/")
        if typed:
            found = tree.step_at(typed)
            queryset = self.fields["treebeard_ref_node"].queryset
            if found is None:
                self.add_error("treebeard_ref_path", _("There is no step at “%s”.") % typed)
            elif not queryset.filter(pk=found.pk).exists():
                refusal = _("A step cannot be placed relative to itself or a step below it.")
                self.add_error("treebeard_ref_path", refusal)
            else:
                cleaned["treebeard_ref_node"] = found
        return cleaned

    def _post_clean(self) -> None:
        super()._post_clean()
        reference = self.cleaned_data.get("treebeard_ref_node")
        position = self.cleaned_data.get("treebeard_position", "")
        parent = tree.parent_for(reference, position)
        try:
            if self.instance.pk is None:
                self.instance.validate_placement(parent)
            elif reference is not None or self.instance.depth > 1:
                tree.check_move(self.instance, parent)
        except ValidationError as error:
            self._update_errors(error)


@admin.register(Node)
class NodeAdmin(
    NodeEditingMixin,
    LinkStatusMixin,
    TranslationStatusMixin,
    FeedbackSummaryMixin,
    TreeAdmin,
    TabbedTranslationAdmin,
    VersionAdmin,
):
    form = movenodeform_factory(Node, form=NodeForm)
    # Each mixin brings its own action; listed here, or only the first mixin's would count.
    actions = ["submit_for_review", "check_links_now"]
    list_display = ("title", "slug", "kind", "updated_at")
    search_fields = ("slug", "title_fr", "title_nl", "title_de", "title_en", "body_fr")
    list_filter = ("kind",)
    readonly_fields = ("uid", "step_address", "used_by", "feedback_summary")
    fieldsets = (
        (None, {"fields": ("kind", "slug", "title", "label", "body", "note")}),
        (_("Place in the wizard"), {"fields": ("treebeard_position", "treebeard_ref_node", "treebeard_ref_path")}),
        (_("References"), {"classes": ("collapse",), "fields": ("uid", "step_address", "used_by")}),
        (_("Visitor feedback"), {"fields": ("feedback_summary",)}),
    )
    history_latest_first = True
    delete_confirmation_template = "admin/wizard/delete_confirmation.html"

    def get_urls(self) -> list[URLPattern]:
        places = path("places/", self.admin_site.admin_view(self.places_view), name="wizard_node_places")
        return [places, *super().get_urls()]

    def places_view(self, request: HttpRequest) -> JsonResponse:
        """The steps whose path, slug or title contains ?q=, for the step form's "or another step" (at most 20)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        found = tree.search(request.GET.get("q", ""), limit=20)
        return JsonResponse({"places": [{"path": where, "title": str(node)} for where, node in found]})

    @admin.display(description=_("step path (for node: references)"))
    def step_address(self, node: Node) -> str:
        return node.get_step_path() if node.pk else "–"

    @admin.display(description=_("referred to by"))
    def used_by(self, node: Node) -> str:
        found = tree.referrers(node) if node.pk else []
        return format_html_join(", ", '<a href="{}">{}</a>', ((_change_url(step), step) for step in found)) or "–"

    def save_model(self, request: HttpRequest, obj: Node, form: forms.Form, change: bool) -> None:
        old_path = Node.objects.get(pk=obj.pk).get_step_path() if change else ""
        super().save_model(request, obj, form, change)
        self._follow_references(request, form.instance, old_path)

    def _follow_references(self, request: HttpRequest, node: Node, old_path: str) -> None:
        node.refresh_from_db()
        rewritten = tree.rewrite_references(node.get_wizard(), old_path, node.get_step_path())
        if rewritten:
            names = ", ".join(str(step) for step in rewritten)
            messages.info(request, _("References to this step were updated in: %s.") % names)

    @transaction.atomic
    def move_node(self, request: HttpRequest) -> HttpResponse:
        """Drag and drop in the tree: check the move first, and keep references pointing at the moved step."""
        node = Node.objects.filter(pk=request.POST.get("node")).first()
        target = Node.objects.filter(pk=request.POST.get("target")).first()
        if node is None or target is None or not self.has_change_permission(request, node):
            return super().move_node(request)
        relation = "child" if request.POST.get("relation") == "child" else "left"
        try:
            tree.check_move(node, tree.parent_for(target, relation))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseBadRequest(" ".join(error.messages))
        old_path = node.get_step_path()
        # One revision for the move and for the steps whose references follow it, so that both are versioned.
        with reversion.create_revision():
            response = super().move_node(request)
            if response.status_code == 200:
                self._follow_references(request, node, old_path)
        return response

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        node = self.get_object(request, object_id)
        found = tree.referrers(node) if node else []
        if found and request.method == "POST":
            messages.error(request, _("This step is still linked from other steps; change those links first."))
            return HttpResponseRedirect(request.path)
        refusal = _("This step cannot be deleted: other steps link to it (or to a step below it). Change those first:")
        return super().delete_view(request, object_id, _refused_context(extra_context, found, refusal))

    # Revert and recover restore content, never position (wizard/history.py says why).
    def revision_view(self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None) -> Any:
        version = get_object_or_404(Version.objects.get_for_model(Node), pk=version_id, object_id=object_id)
        node = get_object_or_404(Node, pk=object_id)
        if not self.has_change_permission(request, node) or not self.may_change_structure(request):
            raise PermissionDenied
        return self._confirm_history(request, version, node, history.revert, _("Revert “%s”") % node)

    def recover_view(self, request: HttpRequest, version_id: str, extra_context: Any = None) -> Any:
        if not self.has_add_permission(request):
            raise PermissionDenied
        version = get_object_or_404(Version.objects.get_deleted(Node), pk=version_id)
        return self._confirm_history(request, version, None, history.recover, _("Recover “%s”") % version.object_repr)

    def _confirm_history(
        self, request: HttpRequest, version: Version, node: Node | None, action: Any, title: str
    ) -> Any:
        if request.method == "POST":
            try:
                with transaction.atomic():
                    node = action(version, user=request.user)
                    done = "revert" if action is history.revert else "recover"
                    details = {"version": version.pk, "saved_at": version.revision.date_created.isoformat()}
                    audit.record(node.get_wizard(), done, user=request.user, obj=node, details=details)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Done: “%s” has the content of that version again.") % node)
                return HttpResponseRedirect(_change_url(node))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "version": version,
            "node": node,
            "changes": history.changes(version, node),
        }
        return TemplateResponse(request, "admin/wizard/node/history_confirm.html", context)


def _change_url(node: Node) -> str:
    return reverse("admin:wizard_node_change", args=[node.pk])


def _refused_context(extra_context: dict | None, referrers: list[Node], refusal: str) -> dict:
    """What templates/admin/wizard/delete_confirmation.html shows instead of the deletion, when anything refers."""
    return {**(extra_context or {}), "referrers": [(step, _change_url(step)) for step in referrers], "refusal": refusal}


@admin.register(LinkTarget)
class LinkTargetAdmin(
    LinkTargetEditingMixin, LinkStatusMixin, TranslationStatusMixin, TabbedTranslationAdmin, VersionAdmin
):
    list_display = ("key", "name", "url")
    search_fields = ("key", "name_fr", "name_nl", "url_fr", "url_nl", "url_de", "url_en")
    readonly_fields = ("usages",)
    formfield_overrides = URL_FIELD
    fields = ("key", "name", "url", "usages")
    change_list_template = "admin/wizard/linktarget/change_list.html"  # reversion's, plus the broken links page
    delete_confirmation_template = "admin/wizard/delete_confirmation.html"

    @admin.display(description=_("used in"))
    def usages(self, target: LinkTarget) -> str:
        if not target.pk:
            return "–"
        rows = format_html_join(
            "",
            '<li><a href="{}">{}</a> <small>({})</small></li>',
            ((_change_url(n), n, cols) for n, cols in target.get_usages()),
        )
        return format_html("<ul>{}</ul>", rows) if rows else _("not used by any step")

    # A link target that steps still use cannot go: their bodies would point at nothing.
    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        target = self.get_object(request, object_id)
        found = target.get_usages() if target else []
        if found and request.method == "POST":
            messages.error(request, _("This link target is still used by steps; change those links first."))
            return HttpResponseRedirect(request.path)
        refusal = _("This link target cannot be deleted: steps still link to it. Change those links first:")
        steps = [step for step, _columns in found]
        return super().delete_view(request, object_id, _refused_context(extra_context, steps, refusal))

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        used = [target.key for target in queryset if target.get_usages()]
        if used:
            messages.error(request, _("Not deleted, still used by steps: %s.") % ", ".join(used))
        super().delete_queryset(request, queryset.exclude(key__in=used))
