from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q, QuerySet
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

from cms import actions
from cms.admin.drafts import DraftsAdminMixin
from cms.admin.editing import LinkTargetEditingMixin, NodeEditingMixin, placement
from cms.admin.feedback import FeedbackSummaryMixin
from cms.admin.linkcheck import LinkStatusMixin
from cms.admin.steptools import LinkTargetForm, StepToolsMixin
from cms.admin.steptree import SOURCE_LANGUAGE, StepTreeMixin, prefill_new_step
from cms.admin.translations import TranslationStatusMixin  # also registers the translation dashboard
from cms.admin.wizardmap import WizardMapMixin
from wizard import tree
from wizard.models import MARKDOWN_FIELDS, LinkTarget, Node

URL_FIELD = {models.URLField: {"assume_scheme": "https"}}
MARKDOWN_COLUMNS = [f"{name}_{lang}" for name in MARKDOWN_FIELDS for lang in settings.WIZARD_LANGUAGES]


class PositionSearchInput(forms.TextInput):
    class Media:
        js = ("cms/position-search.js",)


class NodeForm(MoveNodeForm):
    """Treebeard's placement fields, plus the rules that depend on where the step ends up.

    "Relative to" lists the places near the step (its wizard, its ancestors, its siblings), never the whole tree: a
    wizard of thousands of steps would send thousands of options. Any other step is chosen by its path in
    "or another step", which the admin's search fills in as one types (position-search.js), and which works
    typed by hand without JavaScript. Validation still accepts any step (treebeard's own queryset).
    Texts show `node:` references by step path; the database keeps uids (the actions convert).
    """

    treebeard_ref_path = forms.CharField(
        label=_("or another step"),
        required=False,
        help_text=_("Its path, starting with the wizard's slug, e.g. “egov-roles/profiles/user”. Type to search."),
        widget=PositionSearchInput(attrs={"size": 60, "class": "position-search", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for column in MARKDOWN_COLUMNS:
                if self.initial.get(column):
                    self.initial[column] = actions.display_text(self.instance, self.initial[column])
        if self.instance.pk is None:
            prefill_new_step(self)
        field = self.fields["treebeard_ref_node"]
        places = self._places_nearby()
        # The path tells apart steps with one title under two profiles; the title is the source's (French).
        shown = [
            (node.pk, f"{where} · {getattr(node, f'title_{SOURCE_LANGUAGE}') or node.slug}")
            for node, where in zip(places, tree.addresses(places), strict=True)
        ]
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
        parent = actions.parent_for(reference, self.cleaned_data.get("treebeard_position", ""))
        try:
            if self.instance.pk is None:
                self.instance.validate_placement(parent)
            elif reference is not None or self.instance.depth > 1:
                actions.check_placement(self.instance, parent)
        except ValidationError as error:
            self._update_errors(error)
        except actions.ActionError as error:
            self.add_error(None, str(error))


class MoveForm(forms.Form):
    """The ids a drag and drop posts, looked up as treebeard does: a malformed one is a form error, not a 500."""

    node = forms.ModelChoiceField(queryset=Node.objects.all())
    target = forms.ModelChoiceField(queryset=Node.objects.all())


@admin.register(Node)
class NodeAdmin(
    StepTreeMixin,
    DraftsAdminMixin,
    StepToolsMixin,
    NodeEditingMixin,
    LinkStatusMixin,
    TranslationStatusMixin,
    FeedbackSummaryMixin,
    WizardMapMixin,
    TreeAdmin,
    TabbedTranslationAdmin,
    VersionAdmin,
):
    form = movenodeform_factory(Node, form=NodeForm)
    # Each mixin brings its own action; listed here, or only the first mixin's would count.
    actions = ["submit_for_review", "check_links_now"]
    list_display = ("source_title", "tree_path", "kind", "updated")
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
        places = [{"path": where, "title": self.source_title(node)} for where, node in found]
        return JsonResponse({"places": places})

    @admin.display(description=_("step path (for node: references)"))
    def step_address(self, node: Node) -> str:
        return node.get_step_path() if node.pk else "–"

    @admin.display(description=_("referred to by"))
    def used_by(self, node: Node) -> str:
        found = actions.referrers(node)
        return format_html_join(", ", '<a href="{}">{}</a>', ((_change_url(step), step) for step in found)) or "–"

    def save_form(self, request: HttpRequest, form: forms.Form, change: bool) -> Node:
        # Placing and saving are the actions'; treebeard's form.save() would write already, commit=False or not.
        return forms.ModelForm.save(form, commit=False)

    def save_model(self, request: HttpRequest, obj: Node, form: forms.Form, change: bool) -> None:
        if not change:
            # The place as posted, even when it is the one the form proposed (which changed_data would not report).
            reference = form.cleaned_data.get("treebeard_ref_node")
            position = form.cleaned_data.get("treebeard_position") or "last-child"
            actions.create_step(obj, user=request.user, reference=reference, position=position)
            return
        place = None if form.keep_their_place else placement(form)
        actions.edit_step(obj, user=request.user, base=self.merge_base(form), place=place)
        obj.refresh_from_db()
        self.tell_merged(request, form)

    def move_node(self, request: HttpRequest) -> HttpResponse:
        """Drag and drop in the tree, through the move action."""
        form = MoveForm(request.POST)
        if not form.is_valid() or not self.has_change_permission(request, form.cleaned_data["node"]):
            return super().move_node(request)  # treebeard answers: 400 for bad ids ("abc"), 403 without the right
        node, target = form.cleaned_data["node"], form.cleaned_data["target"]
        position = "last-child" if request.POST.get("relation") == "child" else "left"
        try:
            actions.move_step(node, user=request.user, target=target, position=position)
        except actions.ActionError as error:
            if error.code == "forbidden":
                raise PermissionDenied(str(error)) from None
            messages.error(request, str(error))
            return HttpResponseBadRequest(str(error))
        messages.info(request, _("Moved “%(node)s”.") % {"node": node})
        return HttpResponse("OK")

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        node = self.get_object(request, object_id)
        refusal = _("This step cannot be deleted: other steps link to it (or to a step below it). Change those first:")
        context = _refused_context(extra_context, actions.referrers(node) if node else [], refusal)
        try:
            return super().delete_view(request, object_id, context)
        except actions.ActionError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def delete_model(self, request: HttpRequest, obj: Node) -> None:
        actions.delete_step(obj, user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Node]) -> None:
        actions.delete_steps(queryset, user=request.user)

    # Revert and recover restore content, never position (cms/actions/steps.py says why).
    def revision_view(self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None) -> Any:
        node = self.object_or_404(request, object_id)
        version = get_object_or_404(Version.objects.get_for_model(Node), pk=version_id, object_id=str(node.pk))
        if not self.has_change_permission(request, node):
            raise PermissionDenied
        return self._confirm_history(request, version, node, _("Revert “%s”") % node)

    def recover_view(self, request: HttpRequest, version_id: str, extra_context: Any = None) -> Any:
        if not self.has_add_permission(request):
            raise PermissionDenied
        version = get_object_or_404(Version.objects.get_deleted(Node), pk=version_id)
        return self._confirm_history(request, version, None, _("Recover “%s”") % version.object_repr)

    def _confirm_history(self, request: HttpRequest, version: Version, node: Node | None, title: str) -> Any:
        root = None if node else actions.wizard_root_for(version)
        if request.method == "POST":
            try:
                if node is not None:
                    node = actions.revert_step(version, user=request.user)
                else:
                    under = root if request.POST.get("under") == "root" else None
                    node = actions.recover_step(version, user=request.user, parent=under)
            except actions.ActionError as error:
                if error.code == "forbidden":
                    raise PermissionDenied(str(error)) from None
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, _("Done: “%s” has the content of that version again.") % node)
                return HttpResponseRedirect(_change_url(node))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "version": version,
            "node": node,
            "changes": actions.changes(version, node),
            # Recovering a step whose former parent is gone too: offer the wizard's root instead.
            "root": root if node is None and actions.former_parent(version) is None else None,
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
    form = LinkTargetForm  # a new key is checked, then the rename action rewrites its uses
    list_display = ("key", "name", "url")
    search_fields = ("key", "name_fr", "name_nl", "url_fr", "url_nl", "url_de", "url_en")
    readonly_fields = ("usages",)
    formfield_overrides = URL_FIELD
    fields = ("key", "name", "url", "no_page", "usages")
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

    def save_form(self, request: HttpRequest, form: forms.Form, change: bool) -> LinkTarget:
        return form.save(commit=False)

    def save_model(self, request: HttpRequest, obj: LinkTarget, form: forms.Form, change: bool) -> None:
        if change:
            actions.edit_link_target(obj, user=request.user, base=self.merge_base(form))
            self.tell_merged(request, form)
        else:
            actions.create_link_target(obj, user=request.user)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        target = self.get_object(request, object_id)
        steps = [step for step, _columns in target.get_usages()] if target else []
        refusal = _("This link target cannot be deleted: steps still link to it. Change those links first:")
        try:
            return super().delete_view(request, object_id, _refused_context(extra_context, steps, refusal))
        except actions.ActionError as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(request.path)

    def delete_model(self, request: HttpRequest, obj: LinkTarget) -> None:
        actions.delete_link_target(obj, user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        actions.delete_link_targets(queryset, user=request.user)
