from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from cms import webhooks
from cms.models import Webhook, WebhookDelivery

RECENT_DELIVERIES = 10


class WebhookForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https", help_text=Webhook._meta.get_field("url").help_text)
    events = forms.MultipleChoiceField(
        choices=[(event.value, event.label) for event in Webhook.SUBSCRIBABLE], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ("name", "url", "is_active", "events", "secret")


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("name", "url", "is_active", "events", "last_delivery")
    list_filter = ("is_active",)
    readonly_fields = ("recent_deliveries",)
    fields = ("name", "url", "is_active", "events", "secret", "recent_deliveries")
    actions = ["send_ping"]

    @admin.display(description=_("last delivery"))
    def last_delivery(self, webhook: Webhook) -> str:
        last = webhook.deliveries.first()
        return f"{last.get_status_display()} ({timezone.localtime(last.created_at):%Y-%m-%d %H:%M})" if last else "–"

    @admin.display(description=_("recent deliveries"))
    def recent_deliveries(self, webhook: Webhook) -> str:
        rows = webhook.deliveries.all()[:RECENT_DELIVERIES] if webhook.pk else []
        if not rows:
            return "–"
        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{timezone.localtime(row.created_at):%Y-%m-%d %H:%M:%S}",
                    row.event,
                    row.wizard or "–",
                    row.get_status_display(),
                    row.attempts,
                    row.last_status_code or "–",
                    row.last_error or "",
                )
                for row in rows
            ),
        )
        labels = (_("when"), _("event"), _("wizard"), _("status"), _("attempts"), "HTTP", _("error"))
        head = format_html_join("", "<th>{}</th>", ((label,) for label in labels))
        return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)

    @admin.action(description=_("Send a test event (ping) now"))
    def send_ping(self, request: HttpRequest, queryset: QuerySet[Webhook]) -> None:
        for webhook in queryset:
            webhooks.queue_ping(webhook)
            self.message_user(
                request, _("%(hook)s: a test event is on its way; its result shows here.") % {"hook": webhook}
            )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "created_at", "webhook", "event", "wizard", "status", "attempts", "last_status_code", "next_attempt_at"
    )  # fmt: skip
    list_filter = ("status", "event", "webhook")
    list_select_related = ("webhook",)
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
    actions = ["send_again"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Send again now"), permissions=["change"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        for delivery in queryset.select_related("webhook"):
            webhooks.queue_again(delivery)
            self.message_user(request, _("%(delivery)s: on its way again.") % {"delivery": delivery})
