"""The link checker in the admin: status badges on steps and link targets, "check now", the broken links page.

`LinkStatusMixin` goes first in the bases of NodeAdmin and LinkTargetAdmin (cms/admin/steps.py); `LinkCheckAdmin`
registers the results, with the broken links page at admin/cms/linkcheck/broken/.
"""

from collections.abc import Sequence
from contextvars import ContextVar
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from cms.linkcheck import extract, report, run
from cms.models import LinkCheck
from wizard.models import LinkTarget

# Colours only add to the words, which say the status on their own (WCAG 1.4.1).
BADGE_COLOURS = {
    LinkCheck.Status.OK: ("#1e6b34", "#e3f4e7"),
    LinkCheck.Status.REDIRECT: ("#6b4e00", "#fff4d1"),
    LinkCheck.Status.UNSTABLE: ("#7a3b00", "#ffe8d6"),
    LinkCheck.Status.BROKEN: ("#8c1c13", "#fde4e1"),
    LinkCheck.Status.REFUSED: ("#3d3d3d", "#ececec"),
    LinkCheck.Status.PENDING: ("#3d3d3d", "#ececec"),
}
# "Check now" runs inside an admin request: shorter waits than a nightly run, so that a dead host cannot keep the
# page loading past a proxy's or gunicorn's timeout (at worst 2 tries × 8 s per URL).
CHECK_NOW = {"timeout": 8.0, "connect_timeout": 4.0, "retries": 1}
EDITOR_PERMISSIONS = ("wizard.change_node", "wizard.change_linktarget", "cms.view_linkcheck")

# Statuses of every URL and the link targets' URLs, read once for a whole changelist page (see changelist_view).
_page_cache: ContextVar[dict[str, Any] | None] = ContextVar("linkcheck_page_cache", default=None)


def _with_page_cache(view: Any, *args: Any) -> HttpResponse:
    token = _page_cache.set({})
    try:
        response = view(*args)
        # Render now, while the cache is set: the badge column is computed while rendering.
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        return response
    finally:
        _page_cache.reset(token)


def badge(status: str, text: str = "", title: str = "") -> str:
    colour, background = BADGE_COLOURS.get(status, BADGE_COLOURS[LinkCheck.Status.PENDING])
    return format_html(
        '<span class="linkcheck-badge linkcheck-{}" title="{}" style="color:{};background:{};border:1px solid {};'
        'border-radius:3px;padding:0 .4em;white-space:nowrap">{}</span>',
        status,
        title,
        colour,
        background,
        colour,
        text or LinkCheck.Status(status).label,
    )


def urls_of(obj: Model) -> list[str]:
    """The external URLs a step or a link target sends readers to."""
    cache = _page_cache.get()
    if isinstance(obj, LinkTarget):
        return extract.target_urls(obj)
    if cache is not None and "links" not in cache:
        cache["links"] = extract.link_urls(LinkTarget.objects.all())
    return extract.node_urls(obj, links=cache["links"] if cache is not None else None)


def statuses_of(urls: list[str]) -> dict[str, str]:
    cache = _page_cache.get()
    if cache is None:
        return report.statuses(urls)
    if "statuses" not in cache:
        cache["statuses"] = dict(LinkCheck.objects.values_list("url", "status"))
    return {url: cache["statuses"].get(url, LinkCheck.Status.PENDING) for url in urls}


class LinkStatusMixin:
    """A "links" badge column, a per-URL table on the change form and a "check now" action."""

    actions = ["check_links_now"]

    def get_list_display(self, request: HttpRequest) -> Sequence[Any]:
        return (*super().get_list_display(request), "link_status")

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Sequence[str]:
        return (*super().get_readonly_fields(request, obj), "link_checks")

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))
        if "link_checks" not in flatten_fieldsets(fieldsets):
            fieldsets.append((_("Link check"), {"fields": ("link_checks",)}))
        return fieldsets

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        return _with_page_cache(super().changelist_view, request, extra_context)

    def children_view(self, request: HttpRequest, parent_id: str) -> HttpResponse:
        """Treebeard's tree loads the children of a step on demand: their badges come from the same cache."""
        return _with_page_cache(super().children_view, request, parent_id)

    @admin.display(description=_("links"))
    def link_status(self, obj: Model) -> str:
        found = statuses_of(urls_of(obj))
        worst = report.worst(found.values())
        if worst is None:
            return "–"
        bad = sum(status == worst for status in found.values())
        label = LinkCheck.Status(worst).label
        text = label if bad == 1 or worst == LinkCheck.Status.OK else f"{bad}× {label}"
        title = "\n".join(f"{url}: {status}" for url, status in found.items())
        return badge(worst, str(text), title)

    @admin.display(description=_("external links"))
    def link_checks(self, obj: Model) -> str:
        urls = urls_of(obj) if obj.pk else []
        if not urls:
            return _("No external link.")
        checks = {row.url: row for row in LinkCheck.objects.filter(url__in=urls)}
        rows = []
        for url in urls:
            row = checks.get(url) or LinkCheck(url=url)
            detail = row.error or (f"→ {row.final_url}" if row.final_url else "")
            when = date_format(localtime(row.last_checked_at), "Y-m-d H:i") if row.last_checked_at else _("never")
            rows.append((badge(row.status), url, url, detail, when))
        return format_html(
            "<table><thead><tr><th>{}</th><th>URL</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("status"),
            _("details"),
            _("last checked"),
            format_html_join("", '<tr><td>{}</td><td><a href="{}">{}</a></td><td>{}</td><td>{}</td></tr>', rows),
        )

    @admin.action(description=_("Check the links of the selected items now"), permissions=["change"])
    def check_links_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        urls = list(dict.fromkeys(url for obj in queryset for url in urls_of(obj)))
        if not urls:
            self.message_user(request, _("The selected items have no external link."), messages.INFO)
            return
        self.message_user(request, *outcome(run.check(urls, record=True, opts=run.options(**CHECK_NOW))))


def outcome(found: run.Report) -> tuple[str, int]:
    """A message for editors about a "check now", and its level."""
    counts = found.counts()
    parts = [f"{counts[status]} {LinkCheck.Status(status).label}" for status in report.SEVERITY if counts.get(status)]
    failing = counts.get(LinkCheck.Status.BROKEN, 0) + counts.get(LinkCheck.Status.UNSTABLE, 0)
    checked = ngettext("Checked %(n)d link: %(parts)s.", "Checked %(n)d links: %(parts)s.", sum(counts.values()))
    return checked % {"n": sum(counts.values()), "parts": ", ".join(parts)}, (
        messages.WARNING if failing else messages.SUCCESS
    )


def may_see_links(request: HttpRequest) -> bool:
    return request.user.is_active and request.user.is_staff and any(map(request.user.has_perm, EDITOR_PERMISSIONS))


@admin.register(LinkCheck)
class LinkCheckAdmin(admin.ModelAdmin):
    list_display = ("url", "status_badge", "http_status", "consecutive_failures", "last_checked_at", "response_ms")
    list_filter = ("status",)
    search_fields = ("url", "final_url", "error")
    readonly_fields = [field.name for field in LinkCheck._meta.fields if field.name != "id"]
    actions = ["check_now"]
    change_list_template = "admin/cms/linkcheck/change_list.html"

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, row: LinkCheck) -> str:
        return badge(row.status, title=row.error)

    # Editors see the results (they are about their content) without a separate permission; nobody edits them.
    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return may_see_links(request)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return may_see_links(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_check_permission(self, request: HttpRequest) -> bool:
        return may_see_links(request)

    @admin.action(description=_("Check the selected URLs now"), permissions=["check"])
    def check_now(self, request: HttpRequest, queryset: QuerySet[LinkCheck]) -> None:
        urls = list(queryset.values_list("url", flat=True))
        self.message_user(request, *outcome(run.check(urls, record=True, opts=run.options(**CHECK_NOW))))

    def get_urls(self) -> list[URLPattern]:
        broken = path("broken/", self.admin_site.admin_view(self.broken_view), name="cms_linkcheck_broken")
        return [broken, *super().get_urls()]

    def broken_view(self, request: HttpRequest) -> HttpResponse:
        """Every broken, unstable or moved URL still in use, with each place that uses it and a link to edit it."""
        if not may_see_links(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Broken links"),
            "entries": [(entry, badge(entry.check.status)) for entry in report.broken_links()],
            "changelist_url": reverse("admin:cms_linkcheck_changelist"),
        }
        return TemplateResponse(request, "admin/cms/linkcheck/broken.html", context)
