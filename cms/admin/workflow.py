from datetime import datetime
from typing import Any

import reversion
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms import checks, parts, preview, releases, review, workflow
from cms.actions import comments
from cms.errors import ActionError
from cms.models import ChangeRequest, FieldComment, LiveRelease, Release
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


# Comments keep their history as every write does (registered here, at admin autodiscovery, as VersionAdmin does).
if not reversion.is_registered(FieldComment):
    reversion.register(FieldComment)


class ChangeRequestChangeList(ChangeList):
    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> QuerySet[ChangeRequest]:
        # A row names its request and its release: neither's snapshot is read (megabytes for a large wizard).
        return super().get_queryset(request, exclude_parameters).named().defer("release__snapshot")


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    list_display = ("__str__", "wizard", "status", "author", "submitted_at", "reviewer", "publish_at", "release_number")
    list_filter = ("status", ("wizard", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("wizard", "author", "reviewer", "release")
    date_hierarchy = "submitted_at"
    change_form_template = "admin/cms/changerequest/review.html"

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return ChangeRequestChangeList

    @admin.display(description=_("release"), ordering="release__number")
    def release_number(self, change: ChangeRequest) -> str:
        return f"#{change.release.number}" if change.release_id else "–"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # requests come from submitting a wizard (see submit_view)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # decisions go through the workflow functions on the review page

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("submit/", view(self.submit_view), name="cms_changerequest_submit"),
            path("<int:pk>/comment/", view(self.comment_view), name="cms_changerequest_comment"),
            path("<int:pk>/comment/<int:comment>/resolve/", view(self.resolve_view), name="cms_changerequest_resolve"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        can_submit = request.user.has_perm("cms.add_changerequest") or request.user.has_perm("cms.submit_translation")
        return super().changelist_view(request, {**(extra_context or {}), "can_submit": can_submit})

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        """The review page: what changed, what the checks say, the previews, and the decision."""
        change = self.get_object(request, object_id)  # None for an unknown or malformed id ("abc"), never a 500
        if change is None:
            raise Http404(_("No change request has the id “%s”.") % object_id)
        # What the page shows of the request's people and releases, in one query; of the release it made, the number.
        related = ChangeRequest.objects.select_related("wizard", "author", "reviewer", "base_release", "release")
        change, snapshot = related.defer("snapshot", "release__snapshot").get(pk=change.pk), change.snapshot
        change.snapshot = snapshot  # read once, by get_object
        if not self.has_view_permission(request, change):
            raise PermissionDenied
        form = DecisionForm(request.POST or None)
        if request.method == "POST":
            self.decide(request, change, form)
            return HttpResponseRedirect(request.path)
        base = change.base_release.snapshot if change.base_release else None
        found = review.summarise(base, change.snapshot)
        elsewhere = review.attach(found, change.comments.select_related("author", "resolved_by"))
        can_comment = request.user.has_perm("cms.review_changerequest") or request.user.pk == change.author_id
        # Whether the draft moved on matters only while the request waits.
        draft_changed = change.is_pending and workflow.draft_changed_since(change)
        # The live release's id only: its snapshot (megabytes for a large wizard) is the base's, read once above.
        live_id = LiveRelease.objects.filter(wizard_id=change.wizard_id).values_list("release_id", flat=True).first()
        slug = change.wizard.slug
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Review: %s") % change,
            "change": change,
            "original": change,
            "summary": found,
            "other_comments": elsewhere,
            "can_comment": can_comment,
            "can_resolve": can_comment,
            "checks": checks.current(change.checks, change.snapshot, base=base),
            "draft_changed": draft_changed,
            "base_replaced": change.is_pending and change.base_release_id != live_id,
            "can_review": change.status == ChangeRequest.Status.SUBMITTED
            and request.user.has_perm("cms.review_changerequest"),
            "can_publish": change.status == ChangeRequest.Status.SCHEDULED
            and request.user.has_perm("cms.publish_release"),
            "form": form,
            "preview_url": reverse("cms:preview", args=["fr", slug]),
            "preview_change": change.pk,  # each changed step's page as submitted (_step_previews.html)
            "preview_languages": settings.WIZARD_LANGUAGES,
            "map_url": reverse("admin:wizard_node_map", args=[change.wizard_id]) + f"?change={change.pk}",
            "preview_link": request.build_absolute_uri(
                reverse("cms:preview", args=["fr", slug]) + f"?token={preview.make_token(change.wizard)}"
            ),
            "history": change.audit_entries.select_related("user").order_by("at", "pk"),
        }
        return TemplateResponse(request, self.change_form_template, context)

    def comment_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """Add a comment on one field of one step (POST from the review page's summary)."""
        change = get_object_or_404(ChangeRequest.objects.select_related("wizard"), pk=pk)
        if request.method != "POST":
            return HttpResponseRedirect(change.get_absolute_url())
        field, _colon, lang = request.POST.get("place", "").partition(":")  # "body:nl", from the step's <select>
        data = {"step_uid": request.POST.get("step_uid", ""), "field": field, "lang": lang}
        data["body"] = request.POST.get("body", "")
        try:
            comments.add_comment(change, author=request.user, **data)
        except ActionError as error:
            if error.code == "forbidden":
                raise PermissionDenied(str(error)) from None
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(request, _("Comment added; the author of the request is told."), messages.SUCCESS)
        return HttpResponseRedirect(f"{change.get_absolute_url()}#step-{data['step_uid']}")

    def resolve_view(self, request: HttpRequest, pk: int, comment: int) -> HttpResponse:
        """Mark a comment resolved (POST)."""
        found = get_object_or_404(
            FieldComment.objects.select_related("change_request__wizard"), pk=comment, change_request=pk
        )
        if request.method == "POST":
            try:
                comments.resolve_comment(found, user=request.user)
            except ActionError as error:
                if error.code == "forbidden":
                    raise PermissionDenied(str(error)) from None
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, _("Comment resolved."), messages.SUCCESS)
        return HttpResponseRedirect(f"{found.change_request.get_absolute_url()}#step-{found.step_uid}")

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
        """Submit some or all of a wizard's changes for review (editors; translators their translations)."""
        if not (request.user.has_perm("cms.add_changerequest") or request.user.has_perm("cms.submit_translation")):
            raise PermissionDenied
        form = SubmitForm(request.POST or None, initial={"wizard": request.GET.get("wizard")})
        picked = request.POST.get("wizard") or request.GET.get("wizard") or ""
        wizard = Node.objects.wizards().filter(pk=picked).first() if picked.isdigit() else None
        # Without the list of items on the page (a form posted by a script, say), every change is submitted.
        chosen = request.POST.getlist("items") if "choosing" in request.POST else None
        added: list[dict[str, str]] = []
        if request.method == "POST" and form.is_valid():
            wizard = form.cleaned_data["wizard"]
            if "_closure" in request.POST:
                chosen, added = workflow.needed(wizard, chosen or [])
            else:
                try:
                    change = workflow.submit(wizard, author=request.user, note=form.cleaned_data["note"], items=chosen)
                except workflow.WorkflowError as error:
                    self.message_user(request, str(error), messages.ERROR)
                else:
                    self.message_user(request, _("Submitted for review as request %d.") % change.pk, messages.SUCCESS)
                    if extra := [item for item in change.items if item.get("reason")]:
                        listed = "; ".join(f"{item['path'] or item['key'] or '/'} ({item['reason']})" for item in extra)
                        self.message_user(request, _("It also holds what the chosen changes need: %s.") % listed)
                    return HttpResponseRedirect(reverse("admin:cms_changerequest_change", args=[change.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Submit a wizard for review"),
            "form": form,
        }
        if wizard is None:
            context["wizards"] = workflow.wizard_states()
        else:
            # One wizard: its items to choose from and the summary of what they change (the draft compared once).
            choice = self.choice(request, wizard, chosen, added)
            compared = choice.pop("compared")
            context.update(
                choice=choice,
                summary=review.summarise(compared.old, compared.new, compared=compared),
                summary_wizard=wizard,
            )
        return TemplateResponse(request, "admin/cms/changerequest/submit.html", context)

    @staticmethod
    def choice(
        request: HttpRequest, wizard: Node, chosen: list[str] | None, added: list[dict[str, str]]
    ) -> dict[str, Any]:
        """The items of the wizard's draft with who changed them, and which boxes are ticked (all, by default)."""
        live = releases.live_release(wizard)
        compared, found = workflow.draft_changes(wizard, live)
        authors = workflow.item_authors(wizard, live, found)
        translator = not request.user.has_perm("cms.add_changerequest")
        reasons = {entry["id"]: entry["reason"] for entry in added}
        rows = []
        for item in found:
            allowed = not translator or parts.is_translation(item)
            ticked = allowed and (item["id"] in chosen if chosen is not None else True)
            rows.append(
                {
                    **item,
                    "authors": authors.get(item["id"], []),
                    "allowed": allowed,
                    "ticked": ticked,
                    "reason": reasons.get(item["id"], ""),
                }
            )
        added_rows = [row for row in rows if row["reason"]]
        return {
            "wizard": wizard,
            "live": live,
            "compared": compared,
            "items": rows,
            "added": added_rows,
        }
