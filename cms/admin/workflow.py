from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms import checks, preview, releases, review, workflow
from cms.models import ChangeRequest, Release
from wizard.models import Node


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment for the author"), required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 80})
    )
    publish_at = forms.DateTimeField(
        label=_("Publish at"),
        required=False,
        help_text=_("Leave empty to publish as soon as you approve."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )


class SubmitForm(forms.Form):
    wizard = forms.ModelChoiceField(queryset=Node.objects.wizards(), label=_("Wizard"))
    note = forms.CharField(
        label=_("Note to the reviewer"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text=_("What changed and why, in a few words."),
    )


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    list_display = ("__str__", "wizard", "status", "author", "submitted_at", "reviewer", "publish_at", "release")
    list_filter = ("status", ("wizard", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("wizard", "author", "reviewer", "release")
    date_hierarchy = "submitted_at"
    change_form_template = "admin/cms/changerequest/review.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # requests come from submitting a wizard (see submit_view)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # decisions go through the workflow functions on the review page

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [path("submit/", view(self.submit_view), name="cms_changerequest_submit"), *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        can_submit = request.user.has_perm("cms.add_changerequest")
        return super().changelist_view(request, {**(extra_context or {}), "can_submit": can_submit})

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """The review page: what changed, what the checks say, the previews, and the decision."""
        change = self.get_object(request, object_id)  # None for an unknown or malformed id ("abc"), never a 500
        if change is None:
            raise Http404(_("No change request has the id “%s”.") % object_id)
        if not self.has_view_permission(request, change):
            raise PermissionDenied
        form = DecisionForm(request.POST or None)
        if request.method == "POST":
            self.decide(request, change, form)
            return HttpResponseRedirect(request.path)
        base = change.base_release.snapshot if change.base_release else None
        # Whether the draft moved on matters only while the request waits.
        draft_changed = change.is_pending and workflow.draft_changed_since(change)
        live = releases.live_release(change.wizard)
        slug = change.wizard.slug
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Review: %s") % change,
            "change": change,
            "original": change,
            "diff": review.layout(base, change.snapshot),
            "checks": checks.current(change.checks, change.snapshot, base=base),
            "draft_changed": draft_changed,
            "base_replaced": change.is_pending and change.base_release_id != (live.pk if live else None),
            "live": live,
            "can_review": change.status == ChangeRequest.Status.SUBMITTED
            and request.user.has_perm("cms.review_changerequest"),
            "can_publish": change.status == ChangeRequest.Status.SCHEDULED
            and request.user.has_perm("cms.publish_release"),
            "form": form,
            "preview_url": reverse("cms:preview", args=["fr", slug]),
            "preview_change": change.pk,  # each changed step's page as submitted (admin/cms/diff.html)
            "preview_languages": settings.WIZARD_LANGUAGES,
            "map_url": reverse("admin:wizard_node_map", args=[change.wizard_id]) + f"?change={change.pk}",
            "preview_link": request.build_absolute_uri(
                reverse("cms:preview", args=["fr", slug]) + f"?token={preview.make_token(change.wizard)}"
            ),
            "history": change.audit_entries.select_related("user").order_by("at", "pk"),
        }
        return TemplateResponse(request, self.change_form_template, context)

    def decide(self, request: HttpRequest, change: ChangeRequest, form: DecisionForm) -> None:
        if not form.is_valid():
            self.message_user(request, " ".join(form.errors.get("publish_at", [])), messages.ERROR)
            return
        comment, publish_at = form.cleaned_data["comment"], form.cleaned_data["publish_at"]
        try:
            if "_approve" in request.POST:
                release = workflow.approve(change, reviewer=request.user, comment=comment, publish_at=publish_at)
                self.message_user(request, self.approved_message(release, publish_at), messages.SUCCESS)
            elif "_reject" in request.POST:
                workflow.reject(change, reviewer=request.user, comment=comment)
                self.message_user(request, _("Rejected; the author has been told why."), messages.SUCCESS)
            elif "_publish" in request.POST:
                release = workflow.publish(change, user=request.user)
                self.message_user(request, _("Release #%d is live.") % release.number, messages.SUCCESS)
        except workflow.WorkflowError as error:
            self.message_user(request, str(error), messages.ERROR)

    @staticmethod
    def approved_message(release: Release, publish_at: datetime | None) -> str:
        if publish_at and publish_at > timezone.now():
            at = timezone.localtime(publish_at).strftime("%Y-%m-%d %H:%M")
            return _("Approved: release #%(number)d goes live at %(at)s.") % {"number": release.number, "at": at}
        return _("Approved and published: release #%d is live.") % release.number

    def submit_view(self, request: HttpRequest) -> HttpResponse:
        """Submit a wizard's draft for review (editors)."""
        if not request.user.has_perm("cms.add_changerequest"):
            raise PermissionDenied
        form = SubmitForm(request.POST or None, initial={"wizard": request.GET.get("wizard")})
        if request.method == "POST" and form.is_valid():
            try:
                change = workflow.submit(
                    form.cleaned_data["wizard"], author=request.user, note=form.cleaned_data["note"]
                )
            except workflow.WorkflowError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, _("Submitted for review as request %d.") % change.pk, messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:cms_changerequest_change", args=[change.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Submit a wizard for review"),
            "form": form,
            "wizards": workflow.wizard_states(),
        }
        return TemplateResponse(request, "admin/cms/changerequest/submit.html", context)
