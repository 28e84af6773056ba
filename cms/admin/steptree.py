"""The step tree, NodeAdmin's changelist: French titles, each step's path, "add a step here", and a tree that remembers.

- Titles show in the source language (French), whatever the admin's interface language: that is what editors
  write and search for.
- The path column tells apart steps with the same title (a task under two profiles), in the tree and in search
  results; one query reads the paths of a whole page of rows (tree.addresses).
- "add a step here" links open the add form with its place filled in from the query string (as a child of the
  row, or right after it; prefill_new_step); they are plain links and work without script. The add form proposes
  the slug from the French title.
- The tree's expanded branches are kept in the browser (static/cms/step-tree.js); after a save, the changelist's
  address ends in "#reveal=ID.ID.ID" (the step and its ancestors), which the script opens and highlights.
"""

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeChangeList

from wizard import tree
from wizard.models import Node

SOURCE_LANGUAGE = settings.MODELTRANSLATION_DEFAULT_LANGUAGE


def add_url(reference: Node, position: str) -> str:
    """The add form, its place prefilled: `position` ("last-child", "right") relative to `reference`."""
    query = urlencode({"treebeard_ref_node": reference.pk, "treebeard_position": position})
    return f"{reverse('admin:wizard_node_add')}?{query}"


def reveal_fragment(node: Node) -> str:
    """ "#reveal=" and the ids of the wizard, the ancestors and the step, top down: what the tree opens after a save."""
    ancestors = [node.path[:end] for end in range(node.steplen, len(node.path), node.steplen)]
    ids = [*Node.objects.filter(path__in=ancestors).order_by("path").values_list("pk", flat=True), node.pk]
    return "#reveal=" + ".".join(str(pk) for pk in ids)


class SlugInput(forms.TextInput):
    """On a new step, proposes the slug from the French title as one types it (static/cms/slug-from-title.js)."""

    class Media:
        js = ("cms/slug-from-title.js",)


def prefill_new_step(form: forms.ModelForm) -> None:
    """The add form: the place an "add a step here" link asked for (the query string), else last in the first wizard.

    The slug may be left blank: the create action makes it from the French title, as the form's script proposes.
    """
    position = form.fields["treebeard_position"]
    position.choices = [*position.choices, ("last-child", _("Last child of"))]
    if not form.initial.get("treebeard_ref_node") and not form.initial.get("treebeard_position"):
        wizard = Node.objects.wizards().order_by("path").first()
        if wizard is not None:
            form.initial.update(treebeard_ref_node=wizard.pk, treebeard_position="last-child")
    if "slug" in form.fields:
        slug = form.fields["slug"]
        slug.required = False
        slug.help_text = _("Proposed from the French title; left blank, it is made from it on saving.")
        slug.widget = SlugInput(attrs={**slug.widget.attrs, "data-slug-from": f"id_title_{SOURCE_LANGUAGE}"})


class StepTreeChangeList(TreeChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        # Fills the page's result cache (the rows render from it), then reads every row's path in one query.
        nodes = list(self.result_list)
        for node, address in zip(nodes, tree.addresses(nodes), strict=True):
            node.tree_address = address


class StepTreeMixin:
    """NodeAdmin's changelist side: columns, the change list's scripts and styles, where a save leads back to."""

    # Treebeard's, plus this tree's script and style and the recover and translations links (TreeAdmin names its
    # own template, which would hide this one).
    change_list_template = "admin/wizard/node/change_list.html"

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type:
        return StepTreeChangeList

    def get_list_display(self, request: HttpRequest) -> Any:
        shown = tuple(super().get_list_display(request))
        return (*shown, "add_here") if self.has_add_permission(request) else shown

    @admin.display(description=_("title (French)"))
    def source_title(self, node: Node) -> str:
        return getattr(node, f"title_{SOURCE_LANGUAGE}") or node.slug

    @admin.display(description=_("path"))
    def tree_path(self, node: Node) -> str:
        address = getattr(node, "tree_address", None) or tree.addresses([node])[0]
        # The path below the wizard, as node: references write it; a wizard shows its slug. Breaks after each "/".
        parts = address.split("/")[1:] or address.split("/")
        shown = format_html_join(
            mark_safe("/<wbr>"),
            '<span class="slug">{}</span>',
            ((part,) for part in parts),
        )
        return format_html('<span class="tree-path" data-path="{}">{}</span>', "/".join(parts), shown)

    @admin.display(description=_("updated"), ordering="updated_at")
    def updated(self, node: Node) -> str:
        # Short, so that the titles and the badges keep their width: the day, and the time in the title.
        at = timezone.localtime(node.updated_at)
        return format_html(
            '<time datetime="{}" title="{}">{}</time>', at.isoformat(), date_format(at, "DATETIME_FORMAT"), at.date()
        )

    @admin.display(description=_("add a step here"))
    def add_here(self, node: Node) -> str:
        title = self.source_title(node)
        links = [(add_url(node, "last-child"), _("Add a step inside “%s”") % title, _("inside"))]
        if not node.is_root():  # a sibling of a wizard would be a new wizard: the "Add step" button does that
            links.append((add_url(node, "right"), _("Add a step after “%s”") % title, _("after")))
        return format_html(
            '<span class="add-here">+ {}</span>',
            format_html_join(" ", '<a href="{}" aria-label="{}">{}</a>', links),
        )

    def response_post_save_add(self, request: HttpRequest, obj: Node) -> HttpResponse:
        return _revealing(super().response_post_save_add(request, obj), obj)

    def response_post_save_change(self, request: HttpRequest, obj: Node) -> HttpResponse:
        return _revealing(super().response_post_save_change(request, obj), obj)


def _revealing(response: HttpResponse, node: Node) -> HttpResponse:
    """The tree's address after a save, with the saved step to open and highlight."""
    location = response.get("Location", "") if isinstance(response, HttpResponseRedirect) else ""
    if node.pk and "#" not in location and location.split("?")[0] == reverse("admin:wizard_node_changelist"):
        response["Location"] += reveal_fragment(node)
    return response
