"""The admin's view of "Did this page help you?": a read-only list per step, and a count on each step's page."""

from django.contrib import admin
from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from cms import pages
from wizard.models import Feedback, Node


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ("created_at", "public_page", "language", "is_helpful", "comment", "release_number")
    list_filter = ("is_helpful", "language", "wizard_slug", "created_at")
    search_fields = ("step_path", "comment", "=step_uid")
    date_hierarchy = "created_at"
    list_per_page = 100

    @admin.display(description=_("page"), ordering="step_path")
    def public_page(self, answer: Feedback) -> str:
        """The page as the visitor saw it (its address then; an old address redirects to where the step is now)."""
        url = pages.step_url(answer.wizard_slug, answer.language, answer.step_path)
        return format_html('<a href="{}">{}</a>', url, f"{answer.wizard_slug}/{answer.step_path}")

    # Visitors' answers are evidence: editors read them, nobody rewrites them.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Feedback | None = None) -> bool:
        return False


class FeedbackSummaryMixin:
    """Adds `feedback_summary` to NodeAdmin: the step's answers counted, linked to the filtered list."""

    @admin.display(description=_("visitor feedback"))
    def feedback_summary(self, node: Node) -> str:
        if not node.pk:
            return "–"
        counts = Feedback.objects.filter(step_uid=node.uid).aggregate(
            yes=Count("pk", filter=Q(is_helpful=True)), no=Count("pk", filter=Q(is_helpful=False))
        )
        if not counts["yes"] and not counts["no"]:
            return _("no answer yet")
        url = reverse("admin:wizard_feedback_changelist") + f"?step_uid={node.uid}"
        return format_html(
            '{}: {} · {}: {} · <a href="{}">{}</a>',
            _("helpful"),
            counts["yes"],
            _("not helpful"),
            counts["no"],
            url,
            _("read the answers"),
        )
