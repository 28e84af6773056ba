"""Translation management in the admin: status on the change forms, a "needs translation into" filter, and a
dashboard per wizard (completeness, missing and outdated fields, XLIFF download and upload, "still valid").

cms/admin/steps.py mixes `TranslationStatusMixin` into NodeAdmin and LinkTargetAdmin; importing this module also
registers the dashboard, which the admin index lists as "Translations".
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from cms import actions
from wizard import translations, xliff
from wizard.models import Node, TranslationState

STATUS_BADGES = {translations.MISSING: _("missing"), translations.OUTDATED: _("outdated")}


def edit_url(item: translations.Item) -> str:
    """The change page of the item's step or link target, at the field in that language."""
    name = "admin:wizard_linktarget_change" if item.is_link else "admin:wizard_node_change"
    return f"{reverse(name, args=[item.subject.pk])}#id_{item.field}_{item.language}"


def dashboard_url(wizard: Node) -> str:
    return reverse("admin:wizard_translationstate_dashboard", args=[wizard.pk])


def _wizards_of(subject: Model) -> list[Node]:
    if isinstance(subject, Node):
        return [subject.get_wizard()]
    wizards = {node.get_wizard() for node, _columns in subject.get_usages()}
    return sorted(wizards, key=lambda wizard: wizard.path)


class NeedsTranslationFilter(admin.SimpleListFilter):
    title = _("needs translation into")
    parameter_name = "needs_translation"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(lang, f"{name} ({lang})") for lang, name in xliff.languages()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() not in translations.target_languages():
            return queryset
        return queryset.filter(pk__in=translations.needing(queryset.model, self.value()))


class TranslationStatusMixin:
    """For the admin of a translated model: show translation states on the form (the actions record them)."""

    class Media:
        js = ("wizard/translation-status.js",)
        css = {"all": ("wizard/translation-status.css",)}

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        return (*super().get_readonly_fields(request, obj), "translation_status")

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> list[tuple[Any, dict[str, Any]]]:
        fieldsets = [(name, {**options}) for name, options in super().get_fieldsets(request, obj)]
        for _name, options in fieldsets:
            options["fields"] = [f for f in options["fields"] if f != "translation_status"]
        return [*fieldsets, (_("Translations"), {"fields": ["translation_status"]})]

    def get_list_filter(self, request: HttpRequest) -> tuple[Any, ...]:
        return (*super().get_list_filter(request), NeedsTranslationFilter)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if self.has_change_permission(request):
            description = _("Mark outdated translations of the selected items as still valid")
            actions["confirm_translations"] = (confirm_translations, "confirm_translations", description)
        return actions

    def get_form(self, request: HttpRequest, obj: Model | None = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and obj.pk:
            # A badge beside each field whose translation is missing or outdated (the tabs get one in JS).
            for item in self._items(obj):
                column = f"{item.field}_{item.language}"
                if item.status in STATUS_BADGES and column in form.base_fields:
                    field = form.base_fields[column]
                    field.label = f"{field.label} · {STATUS_BADGES[item.status]}"
                    field.widget.attrs["data-translation-status"] = item.status
        return form

    def _items(self, obj: Model) -> list[translations.Item]:
        """This object's translation items, computed once per request object."""
        if not hasattr(obj, "_translation_items"):
            obj._translation_items = translations.items_of(obj)
        return obj._translation_items

    @admin.display(description=_("translation status"))
    def translation_status(self, obj: Model) -> str:
        if not obj.pk:
            return _("Shown once saved.")
        items = self._items(obj)
        rows = []
        for lang, name in xliff.languages():
            mine = [item for item in items if item.language == lang]
            needing = [item for item in mine if item.status != translations.UP_TO_DATE]
            if not mine:
                state = format_html('<span class="translation-badge">{}</span>', _("nothing to translate"))
            elif not needing:
                state = format_html('<span class="translation-badge up-to-date">{}</span>', _("up to date"))
            else:
                state = format_html_join(
                    " ",
                    '<a class="translation-badge {}" href="#id_{}_{}" title="{}">{} {}</a>',
                    (
                        (item.status, item.field, lang, _(item.status_label), item.field, STATUS_BADGES[item.status])
                        for item in needing
                    ),
                )
            rows.append(format_html("<tr><th>{} ({})</th><td>{}</td></tr>", name, lang, state))
        links = format_html_join(
            " · ", '<a href="{}">{}</a>', ((dashboard_url(w), _("dashboard of “%s”") % w) for w in _wizards_of(obj))
        )
        return format_html(
            '<table class="translation-status">{}</table><p>{}</p>',
            format_html_join("", "{}", ((r,) for r in rows)),
            links,
        )


def confirm_translations(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    count = translations.confirm_all(queryset, user=request.user)
    modeladmin.message_user(request, _("%d outdated translation(s) marked as still valid.") % count, messages.SUCCESS)


class ImportForm(forms.Form):
    MAX_SIZE = xliff.MAX_BYTES

    file = forms.FileField(label=_("XLIFF file"), help_text=_("A file made by the download above, translated."))
    dry_run = forms.BooleanField(label=_("only check, write nothing"), required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_SIZE:
            raise forms.ValidationError(_("This file is too large for an XLIFF file of one wizard (over 20 MB)."))
        return upload


@admin.register(TranslationState)
class TranslationDashboardAdmin(admin.ModelAdmin):
    """Not an editing screen for states: the translation dashboard, listed in the admin index as "Translations"."""

    PAGE_SIZE = 50  # fields to translate listed at once on the dashboard

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return request.user.has_perm("wizard.view_node")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # States go with their step or link target: whoever may delete those may let their states go too
        # (the admin asks for this permission on every related row a deletion cascades to).
        return request.user.has_perm("wizard.delete_node") or request.user.has_perm("wizard.delete_linktarget")

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("", view(self.overview_view), name="wizard_translationstate_changelist"),
            path("<int:wizard_id>/", view(self.dashboard_view), name="wizard_translationstate_dashboard"),
            path("<int:wizard_id>/xliff/<str:lang>/", view(self.download_view), name="wizard_translationstate_xliff"),
            path("<int:wizard_id>/import/", view(self.import_view), name="wizard_translationstate_import"),
            path("<int:wizard_id>/confirm/", view(self.confirm_view), name="wizard_translationstate_confirm"),
        ]

    def _context(self, request: HttpRequest, title: str, **extra: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "opts": self.model._meta, "title": title, **extra}

    def _wizard(self, request: HttpRequest, wizard_id: int, *, write: bool = False) -> Node:
        if not self.has_view_permission(request) or (write and not request.user.has_perm("wizard.change_node")):
            raise PermissionDenied
        return get_object_or_404(Node.objects.wizards(), pk=wizard_id)

    def overview_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        # Counted from plain rows, every wizard at once: the query count does not grow with the wizards.
        rows = [(done.wizard, dashboard_url(done.wizard), done.summaries) for done in translations.overview()]
        context = self._context(request, _("Translations"), rows=rows, languages=xliff.languages())
        return TemplateResponse(request, "admin/wizard/translations/overview.html", context)

    changelist_view = overview_view

    def dashboard_view(self, request: HttpRequest, wizard_id: int, **extra: Any) -> HttpResponse:
        """Completeness per language, and one page of one language's fields to translate (?lang=, ?status=)."""
        wizard = self._wizard(request, wizard_id)
        # Counts and the list to page from plain rows; only the page's steps are read as instances.
        done = translations.completeness(wizard)
        summaries = done.summaries
        shown = request.GET.get("lang")
        if shown not in {summary.language for summary in summaries}:
            # The first language with something to do: a wizard of thousands of steps lists one language at a time.
            shown = next((s.language for s in summaries if s.missing or s.outdated), summaries[0].language)
        status = request.GET.get("status") if request.GET.get("status") in STATUS_BADGES else None
        needing = [need for need in done.needs[shown] if status in (None, need.status)]
        page = Paginator(needing, self.PAGE_SIZE).get_page(request.GET.get("page"))
        listed = [(item, edit_url(item)) for item in translations.items(page.object_list, shown)]
        sections = [
            (
                summary,
                listed if summary.language == shown else None,
                reverse("admin:wizard_translationstate_xliff", args=[wizard.pk, summary.language]),
            )
            for summary in summaries
        ]
        context = self._context(
            request,
            _("Translations of “%s”") % wizard,
            wizard=wizard,
            sections=sections,
            shown=shown,
            status=status or "",
            page=page,
            statuses=list(STATUS_BADGES.items()),
            can_write=request.user.has_perm("wizard.change_node"),
            import_form=extra.pop("import_form", None) or ImportForm(),
            import_url=reverse("admin:wizard_translationstate_import", args=[wizard.pk]),
            confirm_url=reverse("admin:wizard_translationstate_confirm", args=[wizard.pk]),
            step_list_url=reverse("admin:wizard_node_changelist"),
            **extra,
        )
        return TemplateResponse(request, "admin/wizard/translations/dashboard.html", context)

    def download_view(self, request: HttpRequest, wizard_id: int, lang: str) -> HttpResponse:
        wizard = self._wizard(request, wizard_id)
        if lang not in translations.target_languages():
            raise PermissionDenied
        everything = request.GET.get("all") == "1"
        response = HttpResponse(
            xliff.export(wizard, lang, everything=everything), content_type="application/x-xliff+xml"
        )
        name = xliff.filename(wizard, lang).replace(".xlf", ".all.xlf" if everything else ".xlf")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def import_view(self, request: HttpRequest, wizard_id: int) -> HttpResponse:
        wizard = self._wizard(request, wizard_id, write=True)
        if request.method != "POST":
            return HttpResponseRedirect(dashboard_url(wizard))
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.dashboard_view(request, wizard_id, import_form=form)
        upload = form.cleaned_data["file"]
        try:
            document = xliff.read(upload.read())
            result = actions.import_translations(
                document,
                user=request.user,
                wizard=wizard,
                dry_run=form.cleaned_data["dry_run"],
                comment=f"Imported translations from {upload.name}",
            )
        except xliff.XliffError as error:
            for problem in error.problems:
                messages.error(request, problem)
            return self.dashboard_view(request, wizard_id, import_form=form)
        except actions.ActionError as error:
            messages.error(request, str(error))
            return self.dashboard_view(request, wizard_id, import_form=form)
        level = messages.WARNING if result.refused else messages.SUCCESS
        messages.add_message(request, level, result.summary())
        return self.dashboard_view(request, wizard_id, import_result=result)

    def confirm_view(self, request: HttpRequest, wizard_id: int) -> HttpResponse:
        """The "still valid" button: one outdated translation follows the current French text again."""
        wizard = self._wizard(request, wizard_id, write=True)
        if request.method == "POST":
            item = translations.report(wizard).find(request.POST.get("unit", "")).get(request.POST.get("lang", ""))
            if item is None or item.status != translations.OUTDATED:
                messages.error(request, _("That translation is not outdated any more; nothing was changed."))
            else:
                translations.confirm(item.subject, item.field, item.language, user=request.user)
                messages.success(
                    request,
                    _("The %(lang)s %(field)s of %(where)s is marked as still valid.")
                    % {"lang": translations.language_name(item.language), "field": item.field, "where": item.where},
                )
        return HttpResponseRedirect(dashboard_url(wizard))
