"""Releases and the audit log: each release's page (who published what and why, its diff, a preview), comparing
two releases, rolling back with a reason, and the audit log read as sentences."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from cms import audit, releases, review, workflow
from cms.admin.wizardmap import map_url
from cms.models import AuditEntry, ChangeRequest, LiveRelease, Release
from wizard.models import Node

DRAFT = "draft"  # in a comparison, the wizard's current draft instead of a release


class RecordAdmin(admin.ModelAdmin):
    """Records that stay as they were written (releases, the audit log): nobody adds, changes or deletes them here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RollbackForm(forms.Form):
    reason = forms.CharField(
        label=_("Why roll back?"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=_("The reviewers and the authors whose work leaves the public site read this."),
        error_messages={"required": _("Say why you roll back: the authors whose work leaves the site read it.")},
    )


def _side(value: str, wizard: Node | None = None) -> tuple[str, dict[str, Any] | None, Release | None]:
    """One side of a comparison from the query string: a release's id, or "draft" (needs the wizard)."""
    if value == DRAFT and wizard is not None:
        return str(_("the current draft")), releases.freeze(wizard), None
    if not value.isdigit():
        raise Http404(_("Compare releases by their ids, or with “draft”."))
    release = get_object_or_404(Release.objects.select_related("wizard"), pk=value)
    return str(_("release #%d") % release.number), release.snapshot, release


class ReleaseChangeList(ChangeList):
    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> QuerySet[Release]:
        return super().get_queryset(request, exclude_parameters).named()  # a hundred rows a page: not their snapshots


@admin.register(Release)
class ReleaseAdmin(RecordAdmin):
    """Every release of every wizard, each with its page; reviewers roll back from a release's page."""

    list_display = ("__str__", "wizard", "number", "published_at", "published_by", "note", "is_live")
    list_filter = (("wizard", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("wizard", "published_by")
    actions = None

    def get_queryset(self, request: HttpRequest) -> QuerySet[Release]:
        # Whether each release is live, in the list's own query: not one query per row.
        return super().get_queryset(request).annotate(live=Exists(LiveRelease.objects.filter(release=OuterRef("pk"))))

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type:
        return ReleaseChangeList

    @admin.display(boolean=True, description=_("live"))
    def is_live(self, release: Release) -> bool:
        return release.live

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("compare/", view(self.compare_view), name="cms_release_compare"),
            path("<path:object_id>/rollback/", view(self.rollback_view), name="cms_release_rollback"),
            *super().get_urls(),
        ]

    def _get(self, request: HttpRequest, object_id: str) -> Release:
        release = self.get_object(request, object_id)
        if release is None:
            raise Http404(_("No release has the id “%s”.") % object_id)
        if not self.has_view_permission(request, release):
            raise PermissionDenied
        return release

    def _context(self, request: HttpRequest, title: str, **values: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **values}

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """A release's page: who published what and why, how it went live, what it changed, its preview."""
        release = self._get(request, object_id)
        wizard = release.wizard
        previous = wizard.releases.filter(number__lt=release.number).order_by("-number").first()
        # The live release and the others are named and linked, not read (a wizard keeps every release it ever had).
        live = releases.live_release(wizard, read=False)
        # The page names added and removed steps (the comparison page shows their texts).
        changes = releases.diff(previous.snapshot if previous else None, release.snapshot, texts_of_whole_steps=False)
        went_live = (
            AuditEntry.objects.filter(
                release=release, action__in=[AuditEntry.Action.PUBLISH, AuditEntry.Action.ROLLBACK]
            )
            .select_related("user", "wizard", "release")
            .defer("release__snapshot")
        )
        context = self._context(
            request,
            str(_("Release #%(number)d of %(wizard)s") % {"number": release.number, "wizard": wizard.slug}),
            release=release,
            original=release,
            change=ChangeRequest.objects.filter(release=release).select_related("author", "reviewer").first(),
            went_live=[(entry, audit.sentence(entry)) for entry in went_live.order_by("at", "pk")],
            previous=previous,
            live=live,
            is_live=live is not None and live.pk == release.pk,
            changes=changes,
            summary=review.summary(changes),
            others=wizard.releases.exclude(pk=release.pk).named().order_by("-number"),
            preview_url=reverse("cms:preview-release", args=[release.pk, "fr"]),
            map_url=map_url(release.wizard_id, release=release.number),
            can_rollback=request.user.has_perm("cms.publish_release") and (live is None or live.pk != release.pk),
        )
        return TemplateResponse(request, "admin/cms/release/release.html", context)

    def compare_view(self, request: HttpRequest) -> HttpResponse:
        """Any two releases of a wizard side by side (?a=<id>&b=<id>; either may be "draft")."""
        a, b = request.GET.get("a", ""), request.GET.get("b", "")
        if a == DRAFT and b == DRAFT:
            raise Http404(_("Compare the draft with a release."))
        first = None if a == DRAFT else _side(a)[2]
        second = None if b == DRAFT else _side(b)[2]
        wizard = (first or second).wizard
        if first and second and first.wizard_id != second.wizard_id:
            raise Http404(_("Compare two releases of the same wizard."))
        old_label, old, _release = _side(a, wizard)
        new_label, new, _release = _side(b, wizard)
        changes = review.layout(old, new)
        context = self._context(
            request,
            str(
                _("%(wizard)s: %(old)s compared with %(new)s")
                % {"wizard": wizard.slug, "old": old_label, "new": new_label}
            ),
            wizard=wizard,
            first=first,
            second=second,
            old_label=old_label,
            new_label=new_label,
            diff=changes,
            summary=review.summary(changes),
        )
        return TemplateResponse(request, "admin/cms/release/compare.html", context)

    def rollback_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Make this release live again: what will change, a required reason, then workflow.rollback."""
        release = self._get(request, object_id)
        if not request.user.has_perm("cms.publish_release"):
            raise PermissionDenied
        page = reverse("admin:cms_release_change", args=[release.pk])
        live = releases.live_release(release.wizard)
        form = RollbackForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                workflow.rollback(
                    release.wizard, release=release, user=request.user, reason=form.cleaned_data["reason"]
                )
            except workflow.WorkflowError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                compare = reverse("admin:cms_release_compare") + f"?a={release.pk}&b={DRAFT}"
                reset = reverse("admin:wizard_node_reset", args=[release.wizard_id])
                self.message_user(
                    request,
                    format_html(
                        _(
                            "Release #{} is live again. <a href='{}'>Compare the draft with it</a>, or "
                            "<a href='{}'>reset the draft to it</a>."
                        ),
                        release.number,
                        compare,
                        reset,
                    ),
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(page)
        changes = review.layout(live.snapshot if live else None, release.snapshot)
        context = self._context(
            request,
            str(
                _("Roll %(wizard)s back to release #%(number)d")
                % {"wizard": release.wizard.slug, "number": release.number}
            ),
            release=release,
            original=release,
            live=live,
            form=form,
            diff=changes,
            summary=review.summary(changes),
            withdrawn=ChangeRequest.objects.filter(
                pk__in=workflow.withdrawn_requests(release.wizard, live=live, target=release)
            ).select_related("author"),
        )
        return TemplateResponse(request, "admin/cms/release/rollback.html", context)


class AuditChangeList(ChangeList):
    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        # What each request on the page changes, for the sentences: one query for the whole page.
        found = review.summaries(self.result_list)
        for entry in self.result_list:
            entry.summary = found.get(entry.change_request_id, "")


@admin.register(AuditEntry)
class AuditEntryAdmin(RecordAdmin):
    """The audit log, read as sentences: nobody adds, changes or deletes an entry here (the database refuses too)."""

    list_display = ("at", "described", "address")
    list_display_links = ("at",)
    list_filter = (("wizard", admin.RelatedOnlyFieldListFilter), ("user", admin.RelatedOnlyFieldListFilter), "action")
    search_fields = ("object_repr", "comment", "address")
    date_hierarchy = "at"
    ordering = ("-at", "-pk")
    fields = ("described", "at", "user", "address", "wizard", "request", "release_link", "comment", "facts")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[AuditEntry]:
        # An entry names its release, never reads its snapshot (megabytes for a large wizard). Here rather than in
        # list_select_related, which the change list applies only to a query that has none.
        return super().get_queryset(request).select_related("user", "wizard", "release").defer("release__snapshot")

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return AuditChangeList

    @admin.display(description=_("what happened"))
    def described(self, entry: AuditEntry) -> str:
        summary = getattr(entry, "summary", None)  # set for a page of the list by AuditChangeList
        if summary is None:
            summary = review.summaries([entry]).get(entry.change_request_id, "")
        return audit.sentence(entry, summary=summary)

    @admin.display(description=_("change request"))
    def request(self, entry: AuditEntry) -> str:
        if not entry.change_request_id:
            return "–"
        url = reverse("admin:cms_changerequest_change", args=[entry.change_request_id])
        return format_html("<a href='{}'>{}</a>", url, _("request %d") % entry.change_request_id)

    @admin.display(description=_("release"))
    def release_link(self, entry: AuditEntry) -> str:
        if not entry.release_id:
            return "–"
        url = reverse("admin:cms_release_change", args=[entry.release_id])
        return format_html("<a href='{}'>{}</a>", url, _("release #%d") % entry.release.number)

    @admin.display(description=_("details"))
    def facts(self, entry: AuditEntry) -> str:
        labels = {
            "from": _("live before"),
            "to": _("live after"),
            "withdrawn": _("requests that left the public site"),
            "release": _("release"),
            "publish_at": _("to go live at"),
            "scheduled": _("scheduled"),
            "errors": _("errors found by the checks"),
            "warnings": _("warnings found by the checks"),
            "hash": _("content fingerprint"),
            "version": _("version restored"),
            "saved_at": _("version saved at"),
        }

        def shown(value: Any) -> str:
            if isinstance(value, bool):
                return str(_("yes") if value else _("no"))
            if isinstance(value, list):
                return ", ".join(str(item) for item in value) or "–"
            return "–" if value is None else str(value)

        items = [(labels.get(key, key), shown(value)) for key, value in (entry.details or {}).items()]
        if not items:
            return "–"
        return format_html("<dl class='audit-facts'>{}</dl>", format_html_join("", "<dt>{}</dt><dd>{}</dd>", items))
