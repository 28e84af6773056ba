"""Admin behaviour for the editorial roles, mixed into NodeAdmin and LinkTargetAdmin.

- No lost work: a save is refused when someone else saved the same object since the form was opened
  (optimistic locking on `updated_at`), with what they changed, field by field.
- Translators change the translated texts of existing steps and link targets; French is the source language and
  stays read-only for them, as do slugs, kinds, keys and the tree's structure (no add, delete, move, revert).
- Editors submit whole wizards for review from the step list (cms.workflow.submit).
"""

from datetime import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reversion.models import Version

from cms import actions, workflow
from wizard.models import POSITION_FIELDS, Node

LOCK_FIELD = "seen_version"
SOURCE_LANGUAGE = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
# What a conflict report and a lock ignore: bookkeeping, not content.
IGNORED_FIELDS = {*POSITION_FIELDS, "id", "uid", "updated_at"}


def _token(obj: models.Model) -> str:
    return obj.updated_at.isoformat()


def _same_moment(a: Any, b: datetime) -> bool:
    # reversion stores times to the millisecond (Django's JSON encoder); the column keeps microseconds.
    return isinstance(a, datetime) and abs((a - b).total_seconds()) < 0.001


def _excerpts(before: Any, after: Any, context: int = 40) -> tuple[str, str]:
    """The two values around where they differ, so that a long text's one changed word shows."""
    a, b = "" if before is None else str(before), "" if after is None else str(after)
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[len(a) - 1 - end] == b[len(b) - 1 - end]:
        end += 1

    def cut(text: str) -> str:
        first, last = max(start - context, 0), min(len(text) - end + context, len(text))
        return f"“{'…' if first else ''}{text[first:last]}{'…' if last < len(text) else ''}”"

    return cut(a), cut(b)


def conflicts(obj: models.Model, seen: datetime) -> list[str]:
    """What others changed in `obj` since the version saved at `seen`, field by field, and who did."""
    versions = list(Version.objects.get_for_object(obj).select_related("revision__user")[:50])
    base = next((v for v in versions if _same_moment(v.field_dict.get("updated_at"), seen)), None)
    current = type(obj).objects.get(pk=obj.pk)
    latest = versions[0].revision if versions else None
    who = (
        _("%(user)s saved it at %(at)s.")
        % {"user": latest.user or _("an import"), "at": timezone.localtime(latest.date_created).strftime("%H:%M:%S")}
        if latest
        else ""
    )
    lines = [_("Someone else saved this since you opened it. %s Your changes are not saved yet.") % who]
    if base is None:
        lines.append(_("Open this page again in another tab to see their version."))
    else:
        names = {field.attname for field in type(obj)._meta.concrete_fields}
        for field in type(obj)._meta.concrete_fields:
            # modeltranslation keeps the untranslated column too, a copy of the French one: report the French.
            if field.attname in IGNORED_FIELDS or f"{field.attname}_{SOURCE_LANGUAGE}" in names:
                continue
            if field.attname not in base.field_dict:
                continue
            before, after = base.field_dict[field.attname], getattr(current, field.attname)
            if before != after and (before or after):  # an empty translation is None or "" alike
                shown = dict(zip(("before", "after"), _excerpts(before, after), strict=True))
                lines.append(_("%(field)s: %(before)s → %(after)s") % {"field": field.attname, **shown})
    lines.append(_("Save again to replace their version with yours, or reload the page to start from theirs."))
    return lines


class EditingForm(forms.ModelForm):
    """Newlines as "\n", whatever the browser sent; and no overwriting of a save made since the form was shown.

    Browsers send a textarea's line breaks as "\r\n": kept as such, a mere save would change every Markdown
    text, and with it the wizard's content hash and the reviewer's diff.
    """

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name, value in cleaned.items():
            if isinstance(value, str) and "\r" in value:
                cleaned[name] = value.replace("\r\n", "\n").replace("\r", "\n")
        return cleaned

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.errors or self.instance.pk is None or LOCK_FIELD not in self.fields:
            return
        seen = parse_datetime(self.data.get(LOCK_FIELD) or "")
        # Report a conflict here, with what changed; the edit action refuses the stale save in any case.
        if not actions.is_stale(self.instance, seen):
            return
        self.add_error(None, ValidationError(conflicts(self.instance, seen or timezone.now())))
        data = self.data.copy()
        data[LOCK_FIELD] = _token(type(self.instance).objects.get(pk=self.instance.pk))
        self.data = data


class EditingAdminMixin:
    """Optimistic locking and the translators' limits, for a TabbedTranslationAdmin + VersionAdmin."""

    structure_fields: tuple[str, ...] = ()  # read-only for translators, with the source language's columns
    translated_fields: tuple[str, ...] = ()

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        self.object_or_404(request, object_id)  # reversion's history would query its text column with "\x00"
        return super().history_view(request, object_id, extra_context)

    def revision_view(self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None) -> Any:
        self.object_or_404(request, object_id)
        return super().revision_view(request, object_id, version_id, extra_context)

    def object_or_404(self, request: HttpRequest, object_id: str) -> models.Model:
        """The object of an admin URL, looked up as the admin does: an unknown or malformed id is a 404, not a 500."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(_("Nothing here has the id “%s”.") % object_id)
        return obj

    def is_translator(self, request: HttpRequest) -> bool:
        """May change texts, but not add or delete (the Translators group's permissions)."""
        return not actions.may_change_structure(request.user)

    def seen_version(self, form: forms.Form) -> datetime | None:
        """The version (`updated_at`) the form was opened on, for the edit action's stale-save check."""
        return parse_datetime(form.data.get(LOCK_FIELD) or "") if LOCK_FIELD in form.fields else None

    def get_actions(self, request: HttpRequest) -> dict:
        actions_ = super().get_actions(request)
        if "delete_selected" in actions_:
            _function, name, description = actions_["delete_selected"]
            actions_["delete_selected"] = (type(self).delete_selected_refusable, name, description)
        return actions_

    def delete_selected_refusable(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        """Django's bulk delete, through the delete action (which refuses what is still referenced)."""
        try:
            with transaction.atomic():
                return delete_selected(self, request, queryset)
        except actions.ActionError as error:
            self.message_user(request, str(error), messages.ERROR)
            return None

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and self.is_translator(request):
            fields += [*self.structure_fields, *(f"{name}_{SOURCE_LANGUAGE}" for name in self.translated_fields)]
        return fields

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> list:
        fieldsets = [
            (name, {**options, "fields": list(options["fields"])})
            for name, options in super().get_fieldsets(request, obj)
        ]
        if obj is not None and self.is_translator(request):
            fieldsets = [(name, options) for name, options in fieldsets if not _is_placement(options["fields"])]
        if obj is not None and fieldsets:
            fieldsets[0][1]["fields"].append(LOCK_FIELD)
        return fieldsets

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> type:
        if "form" not in kwargs:
            # Translators get a plain form: without treebeard's placement fields, nothing can move.
            base = forms.ModelForm if obj is not None and self.is_translator(request) else self.form
            attrs = {}
            if obj is not None:
                attrs[LOCK_FIELD] = forms.CharField(widget=forms.HiddenInput, required=False, initial=_token(obj))
            kwargs["form"] = type(base.__name__, (EditingForm, base), attrs)
        return super().get_form(request, obj, change=change, **kwargs)


def _is_placement(fields: list) -> bool:
    return "treebeard_position" in fields or "treebeard_ref_node" in fields


class NodeEditingMixin(EditingAdminMixin):
    structure_fields = ("slug", "kind")
    translated_fields = ("title", "label", "body", "note")
    actions = ["submit_for_review"]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # treebeard 7 sets up its tree listing for GET only: a POST that shows the list again (an action the user
        # may not run, none selected) would crash on the missing attribute. Actions still see every step.
        if request.method == "POST" and not hasattr(request, "_treebeard_parent"):
            request._treebeard_parent = None
        return super().changelist_view(request, extra_context)

    def has_submit_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("cms.add_changerequest")

    @admin.action(description=gettext_lazy("Submit the selected wizards for review"), permissions=["submit"])
    def submit_for_review(self, request: HttpRequest, queryset: QuerySet[Node]) -> None:
        for wizard in queryset:
            try:
                change = workflow.submit(wizard, author=request.user)
            except workflow.WorkflowError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(
                    request, _("“%(wizard)s” waits for review as request %(pk)d.") % {"wizard": wizard, "pk": change.pk}
                )


class LinkTargetEditingMixin(EditingAdminMixin):
    structure_fields = ("key",)
    translated_fields = ("name", "url")

    def revision_view(self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None) -> Any:
        # A revert writes every field back, the key and the French texts included.
        if not actions.may_change_structure(request.user):
            raise PermissionDenied
        return super().revision_view(request, object_id, version_id, extra_context)
