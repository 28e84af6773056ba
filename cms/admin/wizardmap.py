"""The wizard map page in the admin: the draft, a release or a change request's snapshot, drawn by cms.wizardmap.

Selection, folding and search are query parameters and plain links, so that the page works without script (and
under the admin's CSP, which forbids inline script): ?step=UID, ?q=WORDS, ?fold=UID,… and ?open=UID,…
"""

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cms import releases, wizardmap
from cms.models import ChangeRequest, Release
from wizard import translations
from wizard.models import Node


def map_url(wizard_id: int, **params: Any) -> str:
    """The map's address; `release=N` or `change=ID` for a snapshot, `step=UID` to select a step."""
    query = urlencode({name: value for name, value in params.items() if value not in (None, "", [])})
    return reverse("admin:wizard_node_map", args=[wizard_id]) + (f"?{query}" if query else "")


def _uids(value: str) -> set[str]:
    return {uid for uid in value.split(",") if uid}


class WizardMapMixin:
    """Adds the map page to NodeAdmin, and a "map" link to each row of the step tree."""

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.map_view)
        return [path("<int:wizard_id>/map/", view, name="wizard_node_map"), *super().get_urls()]

    def get_list_display(self, request: HttpRequest) -> Any:
        return (*super().get_list_display(request), "map_link")

    @admin.display(description=_("map"))
    def map_link(self, node: Node) -> str:
        # The map of a step is its wizard's map with the step selected (map_view redirects): no query per row.
        return format_html('<a href="{}">{}</a>', map_url(node.pk), _("map"))

    def map_view(self, request: HttpRequest, wizard_id: int) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        node = get_object_or_404(Node, pk=wizard_id)
        if not node.is_root():
            return HttpResponseRedirect(map_url(node.get_wizard().pk, step=str(node.uid)))
        wizard = node
        live = releases.live_release(wizard)
        source: dict[str, Any] = {}
        if release_number := request.GET.get("release", ""):
            release = get_object_or_404(Release, wizard=wizard, number=_number(release_number))
            snapshot, source = release.snapshot, {"release": release.number}
            preview = ("cms:preview-release", release.pk)
            heading = _("Map of release #%(number)d of “%(wizard)s”") % {"number": release.number, "wizard": wizard}
            compared_to = live.snapshot if live and live.pk != release.pk else None
            edit = False
        elif change_id := request.GET.get("change", ""):
            change = get_object_or_404(
                ChangeRequest.objects.select_related("base_release"), wizard=wizard, pk=_number(change_id)
            )
            snapshot, source = change.snapshot, {"change": change.pk}
            preview = ("cms:preview-change", change.pk)
            heading = _("Map of change request %(id)d of “%(wizard)s”") % {"id": change.pk, "wizard": wizard}
            compared_to = change.base_release.snapshot if change.base_release else None
            edit = False
        else:
            snapshot = releases.draft(wizard, live)
            preview = ("cms:preview", None)
            heading = _("Map of the draft of “%s”") % wizard
            compared_to = live.snapshot if live else None
            edit = True
        found = wizardmap.build(snapshot, compared_to=compared_to)
        context = _context(request, found, source, edit=edit and self.has_change_permission(request), preview=preview)
        context.update(
            self.admin_site.each_context(request),
            opts=self.model._meta,
            title=heading,
            wizard=wizard,
            live=live,
            draft_url=map_url(wizard.pk),
            is_draft=not source,
        )
        return TemplateResponse(request, "admin/wizard/node/map.html", context)


def _number(value: str) -> int:
    if not value.isdigit():
        raise PermissionDenied  # a hand-made address; 403 rather than a 500
    return int(value)


def _context(
    request: HttpRequest,
    found: wizardmap.Map,
    source: dict[str, Any],
    *,
    edit: bool,
    preview: tuple[str, int | None] = ("cms:preview", None),
) -> dict[str, Any]:
    query = request.GET.get("q", "").strip()[:200]
    selected = request.GET.get("step", "")
    selected = selected if selected in found.steps else ""
    matches = wizardmap.search(found, query)
    opened, folds = _uids(request.GET.get("open", "")), _uids(request.GET.get("fold", ""))
    folded = (wizardmap.default_folds(found) - opened) | folds
    # What was asked for shows: the selected step and every match, with the way to them.
    for uid in [selected, *matches] if selected else matches:
        folded -= set(wizardmap.ancestors(found, uid))
    wizardmap.lay_out(found, folded=folded)
    lit = wizardmap.related(found, selected) if selected else set()
    state = {**source, "q": query, "step": selected, "open": ",".join(sorted(opened)), "fold": ",".join(sorted(folds))}

    wizard_id = request.resolver_match.kwargs["wizard_id"]

    def link(**changes: Any) -> str:
        return map_url(wizard_id, **{**state, **changes})

    match_set = set(matches)
    rows = []
    visible = [step for step in found.steps.values() if step.visible]
    for index, step in enumerate(visible):
        toggle = ""
        if step.children:
            if step.folded:
                toggle = link(open=",".join(sorted(opened | {step.uid})), fold=",".join(sorted(folds - {step.uid})))
            else:
                toggle = link(fold=",".join(sorted(folds | {step.uid})), open=",".join(sorted(opened - {step.uid})))
        following = visible[index + 1].depth if index + 1 < len(visible) else 1
        rows.append(
            {
                "step": step,
                "select": link(step=step.uid),
                "links_to": [(found.steps[uid].title, link(step=uid)) for uid in step.refers_to],
                "toggle": toggle,
                "classes": _classes(step, selected=selected, lit=lit, matches=match_set),
                "badges": _badges(step),
                "words": _words(step, compared=found.compared),
                "opens_list": following > step.depth,
                "closes": range(max(step.depth - following, 0)),
                "title_short": _short(step.title, 30),
                "label_x": step.x + 10,
                "label_y": step.y + 19,
                "badge_y": step.y + 37,
                "toggle_x": step.x + wizardmap.BOX_WIDTH - 22,
            }
        )
    destinations = [d for d in found.destinations.values() if d.visible]
    chosen = found.steps.get(selected)
    return {
        "map": found,
        "rows": rows,
        "lines": wizardmap.lines(found, highlighted=lit),
        "destinations": [
            {"d": d, "label": _short(d.label, 34), "label_x": d.x + 10, "label_y": d.y + 27} for d in destinations
        ],
        "box": {"width": wizardmap.BOX_WIDTH, "height": wizardmap.BOX_HEIGHT},
        "query": query,
        "matches": [found.steps[uid] for uid in matches],
        "match_links": [(found.steps[uid], link(step=uid)) for uid in matches[:50]],
        "selected": chosen,
        "selected_words": _words(chosen, compared=found.compared) if chosen else [],
        "selected_edit": _edit_url(chosen) if chosen and edit else "",
        "selected_preview": _preview_url(found, chosen, preview) if chosen else "",
        "clear_selection": link(step=""),
        "fold_all": link(fold=",".join(s.uid for s in found.steps.values() if s.depth == 2 and s.children), open=""),
        "open_all": link(open=",".join(s.uid for s in found.steps.values() if s.children), fold=""),
        "hidden_fields": {name: value for name, value in state.items() if name not in {"q", "step"} and value},
        "languages": translations.target_languages(),
    }


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _classes(step: wizardmap.Step, *, selected: str, lit: set[str], matches: set[str]) -> str:
    classes = ["step", f"kind-{step.kind}"]
    if step.has_problem:
        classes.append("has-problem")
    elif step.has_warning:
        classes.append("has-warning")
    if step.change:
        classes.append("is-changed")
    if step.uid == selected:
        classes.append("is-selected")
    elif lit:
        classes.append("is-lit" if step.uid in lit else "is-dim")
    if step.uid in matches:
        classes.append("is-match")
    return " ".join(classes)


def _badges(step: wizardmap.Step) -> str:
    """The second line of a box: short signs, explained in the legend."""
    parts = []
    if step.missing:
        parts.append("✗ " + " ".join(step.missing))
    if step.outdated:
        parts.append("↻ " + " ".join(step.outdated))
    if step.link_problems:
        parts.append(f"⚠ {len(step.link_problems)} link")
    if step.dangling:
        parts.append("⚠ ref")
    if step.change:
        parts.append({"added": "● new", "changed": "● changed", "moved": "● moved"}[step.change])
    if step.helpful or step.not_helpful:
        parts.append(f"▲{step.helpful} ▼{step.not_helpful}")
    if step.folded:
        parts.append(f"+{step.hidden_below}")
    return "  ".join(parts)


def _words(step: wizardmap.Step, *, compared: bool) -> list[str]:
    """The same statuses as the box, in words (the outline, and the selected step's panel)."""
    words = []
    names = translations.language_name
    if step.missing:
        words.append(_("missing translation: %s") % ", ".join(str(names(lang)) for lang in step.missing))
    if step.outdated:
        words.append(_("outdated translation: %s") % ", ".join(str(names(lang)) for lang in step.outdated))
    for url, status in step.link_problems.items():
        words.append(_("%(status)s link: %(url)s") % {"status": status, "url": url})
    for target in step.dangling:
        words.append(_("links to a step that does not exist: %s") % target)
    if step.change:
        words.append(
            {"added": _("new in this version"), "changed": _("changed in this version"), "moved": _("moved")}[
                step.change
            ]
        )
    if step.helpful or step.not_helpful:
        words.append(_("feedback: %(yes)d helpful, %(no)d not helpful") % {"yes": step.helpful, "no": step.not_helpful})
    if step.folded:
        words.append(_("%d steps folded below") % step.hidden_below)
    return [str(word) for word in words]


def _edit_url(step: wizardmap.Step) -> str:
    node = Node.objects.filter(uid=step.uid).only("pk").first()
    return reverse("admin:wizard_node_change", args=[node.pk]) if node else ""


def _preview_url(found: wizardmap.Map, step: wizardmap.Step, preview: tuple[str, int | None]) -> str:
    """The selected step's preview: of the draft, or of the release or change request the map shows."""
    lang = translations.SOURCE_LANGUAGE
    name, pk = preview
    if pk is None:
        args = [lang, found.slug, step.path] if step.path else [lang, found.slug]
    else:
        args = [pk, lang, step.path] if step.path else [pk, lang]
    return reverse(f"{name}-step" if step.path else name, args=args)
