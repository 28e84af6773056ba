"""Admin behaviour for the editorial roles, mixed into NodeAdmin and LinkTargetAdmin.

- No lost work: a save is merged with whatever others saved since the form was opened (wizard/merge.py, through
  the edit actions); where both changed one field differently, the form shows theirs, mine and the base side by
  side, and saves only once each is resolved.
- Translators change the translated texts of existing steps and link targets; French is the source language and
  stays read-only for them, as do slugs, kinds, keys and the tree's structure (no add, delete, move, revert).
- Editors submit whole wizards for review from the step list (cms.workflow.submit).
"""

import json
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cms import actions, workflow
from wizard import merge
from wizard.models import MARKDOWN_FIELDS, Node

BASE_FIELD = "merge_base"  # the version the form started from (signed): what a save merges against
CLASH_FIELD = "merge_clashes"  # the keys a save clashed on, each with its base and my value (signed)
RESOLVE_PREFIX = "resolve-"  # the choice per clashing key: "mine", "theirs" or "edit" (as edited in the form)
CHOICES = ("mine", "theirs", "edit")
SIGNING_SALT = "cms.admin.editing.merge"
SOURCE_LANGUAGE = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
PLACE_FIELDS = ("treebeard_position", "treebeard_ref_node", "treebeard_ref_path")


def signed(value: Any) -> str:
    return signing.dumps(value, salt=SIGNING_SALT, compress=True)


def unsigned(text: str | None) -> Any:
    """What `signed` signed; None for nothing or a tampered value (the save then writes what the form sends)."""
    try:
        return signing.loads(text, salt=SIGNING_SALT) if text else None
    except signing.BadSignature:
        return None


def placement(form: forms.Form) -> tuple[Node | None, str] | None:
    """The place a form asks for, if it changes it: (reference step, treebeard position)."""
    if not {"treebeard_position", "treebeard_ref_node"} & set(form.changed_data):
        return None
    return form.cleaned_data.get("treebeard_ref_node"), form.cleaned_data.get("treebeard_position") or "last-child"


@dataclass
class ClashRow:
    """One clashing key as the conflict screen shows it: theirs, mine, the base, and the choice made so far."""

    key: str
    label: str
    theirs: str
    mine: str
    base: str
    choice: str = ""

    @property
    def input_name(self) -> str:
        return RESOLVE_PREFIX + self.key


class EditingForm(forms.ModelForm):
    """Newlines as "\n", whatever the browser sent; and a save merged with what others saved since the form opened.

    Browsers send a textarea's line breaks as "\r\n": kept as such, a mere save would change every Markdown
    text, and with it the wizard's content hash and the reviewer's diff.

    The merge is the edit action's (wizard/merge.py); the form asks it first, so that a clash is shown with the
    form (theirs, mine, base, and a choice for each) instead of being refused after. Once shown, the form starts
    from their version: every value only they changed is theirs in the form, and a second click on Save can
    never write a stale value back.
    """

    model_admin: "EditingAdminMixin"
    clash_rows: list[ClashRow]
    keep_their_place = False
    kept_theirs: list[str] = []  # what others changed since the form opened, which the save keeps

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for name, value in cleaned.items():
            if isinstance(value, str) and "\r" in value:
                cleaned[name] = value.replace("\r\n", "\n").replace("\r", "\n")
        return cleaned

    def _post_clean(self) -> None:
        super()._post_clean()
        self.clash_rows = []
        if self.errors or self.instance.pk is None or BASE_FIELD not in self.fields:
            return
        base = self.merge_base()
        pending = unsigned(self.data.get(CLASH_FIELD)) or {}
        if base is not None and pending:
            unresolved = self._resolve(base, pending)
            if unresolved:
                self.clash_rows = [self._row(key, *pending[key], base.get(key)) for key in unresolved]
                self.add_error(None, _("Choose, for each field below, what to keep. Nothing was saved yet."))
                return
        merged = self.model_admin.merge(self, base)
        if merged.clashes:
            self._show_clashes(merged)
        elif base is not None:
            self.kept_theirs = [
                key
                for key, side in merged.taken.items()
                if side == merge.THEIRS and (base.get(key) or "") != (merged.values[key] or "")
            ]

    def merge_base(self) -> dict[str, Any] | None:
        return unsigned(self.data.get(BASE_FIELD))

    def _resolve(self, base: dict[str, Any], pending: dict[str, Any]) -> list[str]:
        """Apply each choice made on the conflict screen; the keys still without one."""
        unresolved = []
        for key, (_old, mine) in pending.items():
            choice = self.data.get(RESOLVE_PREFIX + key)
            if choice not in CHOICES:
                unresolved.append(key)
            elif key == "place":
                self.keep_their_place = choice == "theirs"
            elif choice != "edit":
                # Theirs is the base now: a value equal to the base is "unchanged by me", so theirs stays.
                setattr(self.instance, key, base.get(key, "") if choice == "theirs" else mine)
        return unresolved

    def _show_clashes(self, merged: Any) -> None:
        theirs = self.model_admin.state(type(self.instance).objects.get(pk=self.instance.pk))
        data = self.data.copy()
        data[BASE_FIELD] = signed(theirs)
        data[CLASH_FIELD] = signed({clash.key: [clash.base, clash.mine] for clash in merged.clashes})
        clashing = {clash.key for clash in merged.clashes}
        for key, value in merged.values.items():
            if key in clashing or key not in self.fields:
                continue
            data[key] = self.model_admin.shown(self.instance, key, value)
        if "place" not in clashing and merged.taken.get("place") == "theirs" and "treebeard_position" in self.fields:
            current = self.model_admin.current_place(self.instance)
            data.update({name: current.get(name) or "" for name in PLACE_FIELDS})
        self.data = data
        self.clash_rows = [self._row(clash.key, clash.base, clash.mine, clash.theirs) for clash in merged.clashes]
        self.add_error(None, ValidationError(str(actions.MergeConflict(merged.clashes, theirs=theirs, merged={}))))

    def _row(self, key: str, base: Any, mine: Any, theirs: Any) -> ClashRow:
        show = self.model_admin.shown
        field = self.fields.get(key)
        label = f"{field.label} ({key})" if field is not None else key
        return ClashRow(
            key=key,
            label=label,
            theirs=show(self.instance, key, theirs),
            mine=show(self.instance, key, mine),
            base=show(self.instance, key, base),
            choice=self.data.get(RESOLVE_PREFIX + key, ""),
        )


class EditingAdminMixin:
    """Optimistic locking and the translators' limits, for a TabbedTranslationAdmin + VersionAdmin."""

    structure_fields: tuple[str, ...] = ()  # read-only for translators, with the source language's columns
    translated_fields: tuple[str, ...] = ()

    @property
    def media(self) -> forms.Media:
        # On every page of the step and link target admins, translators' forms included: the repairs of what
        # axe-core finds in modeltranslation's language tabs and switch (static/cms/form-a11y.js).
        return super().media + forms.Media(js=["cms/form-a11y.js"])

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except actions.MergeConflict:
            # A save slipped in between the form's check and the edit action (on SQLite nothing locks the row in
            # between), and the action refused, writing nothing: the same form, checked again, shows the clash.
            return super().changeform_view(request, object_id, form_url, extra_context)

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

    def merge_base(self, form: forms.Form) -> dict[str, Any] | None:
        """The version the form was opened on (or, after a clash, theirs): what the edit action merges against."""
        return form.merge_base() if isinstance(form, EditingForm) and BASE_FIELD in form.fields else None

    def tell_merged(self, request: HttpRequest, form: forms.Form) -> None:
        """Say what of others' work since the form opened the save kept: their changes are in, not lost."""
        if kept := getattr(form, "kept_theirs", None):
            self.message_user(
                request,
                _("Saved together with what others changed since you opened the form: %s.") % ", ".join(kept),
                messages.INFO,
            )

    def state(self, obj: models.Model) -> dict[str, Any]:
        """What a save of `obj` merges, as stored (the edit action's)."""
        raise NotImplementedError

    def merge(self, form: EditingForm, base: dict[str, Any] | None) -> merge.Merged:
        """The edit action's merge of what the form sends, read only."""
        raise NotImplementedError

    def shown(self, obj: models.Model, key: str, value: Any) -> str:
        """A stored value as the form shows it."""
        return "" if value is None else str(value)

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
            fieldsets[0][1]["fields"] += [BASE_FIELD, CLASH_FIELD]
        return fieldsets

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> type:
        if "form" not in kwargs:
            # Translators get a plain form: without treebeard's placement fields, nothing can move.
            base = forms.ModelForm if obj is not None and self.is_translator(request) else self.form
            attrs: dict[str, Any] = {"model_admin": self}
            if obj is not None:
                hidden = forms.HiddenInput
                attrs[BASE_FIELD] = forms.CharField(widget=hidden, required=False, initial=signed(self.state(obj)))
                attrs[CLASH_FIELD] = forms.CharField(widget=hidden, required=False)
            kwargs["form"] = type(base.__name__, (EditingForm, base), attrs)
        return super().get_form(request, obj, change=change, **kwargs)


def _is_placement(fields: list) -> bool:
    return "treebeard_position" in fields or "treebeard_ref_node" in fields


MARKDOWN_COLUMNS = {f"{name}_{lang}" for name in MARKDOWN_FIELDS for lang in settings.WIZARD_LANGUAGES}


class NodeEditingMixin(EditingAdminMixin):
    structure_fields = ("slug", "kind")
    translated_fields = ("title", "label", "body", "note")
    actions = ["submit_for_review"]

    def state(self, obj: Node) -> dict[str, Any]:
        return actions.step_state(obj)

    def merge(self, form: EditingForm, base: dict[str, Any] | None) -> merge.Merged:
        place = None if form.keep_their_place else placement(form)
        return actions.merge_step(form.instance, base=base, place=place)

    def shown(self, obj: Node, key: str, value: Any) -> str:
        if key == "place":
            return describe_place(value or "/")
        if key in MARKDOWN_COLUMNS:
            return actions.display_text(obj, value or "")
        return super().shown(obj, key, value)

    def current_place(self, obj: Node) -> dict[str, Any]:
        """The placement fields as treebeard's form fills them in for where the step stands now."""
        left = Node.objects.get_prev_sibling(obj)
        if left is not None:
            return {"treebeard_position": "right", "treebeard_ref_node": left.pk}
        parent = Node.objects.get_parent(obj)
        return {"treebeard_position": "first-child", "treebeard_ref_node": parent.pk if parent else ""}

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


def describe_place(place: str) -> str:
    """A place as `actions.step_state` stores it ("parent uid/left sibling uid"), in words."""
    parent_uid, _slash, left_uid = place.partition("/")
    uids = [uid for uid in (parent_uid, left_uid) if uid]
    found = {str(node.uid): node for node in Node.objects.filter(uid__in=uids)}
    parent, left = found.get(parent_uid), found.get(left_uid)
    under = _("under “%s”") % parent if parent else _("as a wizard")
    return f"{under}, " + (_("after “%s”") % left if left else _("first"))


class LinkTargetEditingMixin(EditingAdminMixin):
    structure_fields = ("key",)
    translated_fields = ("name", "url")

    def state(self, obj: models.Model) -> dict[str, Any]:
        return actions.link_target_state(obj)

    def merge(self, form: EditingForm, base: dict[str, Any] | None) -> merge.Merged:
        return actions.merge_link_target(form.instance, base=base)

    def shown(self, obj: models.Model, key: str, value: Any) -> str:
        if key == "no_page":
            return json.dumps(value or {}, ensure_ascii=False)
        return super().shown(obj, key, value)

    def revision_view(self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None) -> Any:
        # A revert writes every field back, the key and the French texts included.
        if not actions.may_change_structure(request.user):
            raise PermissionDenied
        return super().revision_view(request, object_id, version_id, extra_context)
