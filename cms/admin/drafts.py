"""The step form's company and its way back: who else has it open (presence), discarding one step's changes,
resetting a wizard's draft to its live release, and undoing a reset from the wizard's history.

Mixed into NodeAdmin. Each page calls one action (cms/actions/drafts.py) or `cms.presence`, and shows the result.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cms import actions, presence
from cms.models import DraftBackup, Presence
from wizard.models import Node


def people(found: list[Presence]) -> list[dict[str, str]]:
    """Who else has a form open, as the page and its script show them ("editor2", "10:42")."""
    return [
        {"user": entry.user.get_username(), "since": timezone.localtime(entry.opened_at).strftime("%H:%M")}
        for entry in found
    ]


def _url(name: str, node: Node) -> str:
    return reverse(name, args=[node.pk])


class DraftsAdminMixin:
    """Presence on the step form; discard, reset and undo-reset pages."""

    object_history_template = "admin/wizard/node/object_history.html"

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("<int:object_id>/presence/", view(self.presence_view), name="wizard_node_presence"),
            path("<int:object_id>/discard/", view(self.discard_view), name="wizard_node_discard"),
            path("<int:object_id>/reset/", view(self.reset_view), name="wizard_node_reset"),
            path("<int:object_id>/reset/<int:backup_id>/undo/", view(self.undo_reset_view), name="wizard_node_undo"),
            *super().get_urls(),
        ]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        node = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if node is not None and self.has_change_permission(request, node):
            others = (
                presence.here(node, request.user) if request.method == "GET" else presence.others(node, request.user)
            )
            editor = actions.may_change_structure(request.user) and self.has_delete_permission(request, node)
            context.update(
                presence=people(others),
                presence_url=reverse("admin:wizard_node_presence", args=[node.pk]),
                presence_every=presence.EVERY,
                discard_url=_url("admin:wizard_node_discard", node) if editor and not node.is_wizard else "",
                reset_url=_url("admin:wizard_node_reset", node) if editor and node.is_wizard else "",
            )
        return super().change_view(request, object_id, form_url, context)

    def presence_view(self, request: HttpRequest, object_id: int) -> JsonResponse:
        """POST: "I still have this form open"; the answer: who else has. (A closed form is forgotten once it
        stops saying so: `presence.TIMEOUT`.)"""
        node = get_object_or_404(Node, pk=object_id)
        if not self.has_change_permission(request, node):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        return JsonResponse({"others": people(presence.here(node, request.user))})

    def _page(self, request: HttpRequest, template: str, title: str, **extra: Any) -> TemplateResponse:
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": title, **extra}
        return TemplateResponse(request, template, context)

    def _refusal(self, request: HttpRequest, error: actions.ActionError) -> None:
        if error.code == "forbidden":
            raise PermissionDenied(str(error))
        self.message_user(request, str(error), messages.ERROR)

    def discard_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """What discarding a step's changes throws away, then (POST) the discard."""
        node = get_object_or_404(Node, pk=object_id)
        if not self.has_change_permission(request, node) or not actions.may_change_structure(request.user):
            raise PermissionDenied
        change_url = reverse("admin:wizard_node_change", args=[node.pk])
        if request.method == "POST":
            try:
                actions.discard_step(node, user=request.user)
            except actions.ActionError as error:
                self._refusal(request, error)
            else:
                history = reverse("admin:wizard_node_history", args=[node.pk])
                self.message_user(
                    request,
                    _("The changes to “%(step)s” are discarded. Its history (%(history)s) can bring them back.")
                    % {"step": node, "history": history},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(change_url)
        release, changes = actions.discard_changes(node)
        return self._page(
            request,
            "admin/wizard/node/discard_confirmation.html",
            _("Discard my changes to “%s”") % node,
            node=node,
            original=node,
            release=release,
            changes=[(column, actions.display_text(node, draft), live) for column, draft, live in changes],
            change_url=change_url,
        )

    def reset_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """What resetting a wizard's draft throws away (every step and link target that differs), then the reset."""
        wizard = get_object_or_404(Node.objects.wizards(), pk=object_id)
        if not self.has_change_permission(request, wizard) or not self.has_delete_permission(request, wizard):
            raise PermissionDenied
        if request.method == "POST":
            try:
                actions.reset_draft(wizard, user=request.user)
            except actions.ActionError as error:
                self._refusal(request, error)
            else:
                self.message_user(
                    request,
                    _("The draft of “%s” is the live release again. The wizard's history can undo this.") % wizard,
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:wizard_node_history", args=[wizard.pk]))
        release, diff = actions.reset_changes(wizard)
        return self._page(
            request,
            "admin/wizard/node/reset_confirmation.html",
            _("Reset the draft of “%s” to the live release") % wizard,
            node=wizard,
            original=wizard,
            release=release,
            diff=diff,
        )

    def undo_reset_view(self, request: HttpRequest, object_id: int, backup_id: int) -> HttpResponse:
        wizard = get_object_or_404(Node.objects.wizards(), pk=object_id)
        backup = get_object_or_404(DraftBackup, pk=backup_id, wizard=wizard)
        if not self.has_change_permission(request, wizard):
            raise PermissionDenied
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        try:
            actions.undo_reset(backup, user=request.user)
        except actions.ActionError as error:
            self._refusal(request, error)
        else:
            self.message_user(request, _("The draft is back as it was before the reset."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:wizard_node_history", args=[wizard.pk]))

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        node = self.object_or_404(request, object_id)
        context = dict(extra_context or {})
        if node.is_wizard:
            backups = DraftBackup.objects.filter(wizard=node).select_related("reset_by").defer("snapshot")[:20]
            context["draft_backups"] = [
                (backup, reverse("admin:wizard_node_undo", args=[node.pk, backup.pk])) for backup in backups
            ]
        return super().history_view(request, object_id, context)
