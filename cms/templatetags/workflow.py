from typing import Any

from django import template
from django.contrib.auth.models import AbstractBaseUser

from cms.models import ChangeRequest
from cms.workflow import wizard_states
from wizard.models import Node

register = template.Library()


@register.inclusion_tag("admin/cms/waiting.html")
def waiting_for(user: AbstractBaseUser) -> dict[str, Any]:
    """What waits for this user: requests to review or publish, their own requests and their fate."""
    to_review, scheduled, own, drafts = [], [], [], []
    if user.has_perm("cms.review_changerequest"):
        waiting = ChangeRequest.objects.filter(status=ChangeRequest.Status.SUBMITTED).exclude(author=user)
        to_review = list(waiting.select_related("author", "wizard").order_by("submitted_at"))
    if user.has_perm("cms.publish_release"):
        due = ChangeRequest.objects.filter(status=ChangeRequest.Status.SCHEDULED).order_by("publish_at")
        scheduled = list(due.select_related("wizard"))
    if user.has_perm("cms.add_changerequest"):
        mine = ChangeRequest.objects.filter(author=user).select_related("wizard", "reviewer")
        own = list(mine.order_by("-submitted_at")[:5])
        drafts = [state for state in wizard_states(drafts=False) if state["has_draft_changes"] and not state["pending"]]
    return {"to_review": to_review, "scheduled": scheduled, "own": own, "drafts": drafts, "user": user}


@register.inclusion_tag("admin/wizard/node/map_list.html")
def wizard_maps(user: AbstractBaseUser) -> dict[str, Any]:
    """Each wizard with a link to its map, for whoever may see the steps (one query)."""
    wizards = list(Node.objects.wizards().only("pk", "slug", "title")) if user.has_perm("wizard.view_node") else []
    return {"wizards": wizards}
