from typing import Any

from django import template
from django.contrib.auth.models import AbstractBaseUser

from cms import releases
from cms.models import ChangeRequest
from cms.workflow import unsubmitted
from wizard.models import Node
from wizard.translations.outdated import outdated_for

register = template.Library()


@register.inclusion_tag("admin/cms/waiting.html")
def waiting_for(user: AbstractBaseUser) -> dict[str, Any]:
    """What waits for this user: requests to review or publish; for editors and translators, the changes they made
    that no waiting request holds, their requests and their fate, and their translations a French change outdated.

    A few queries per wizard, whatever its size (the draft is read only when something was saved since its release).
    """
    to_review, scheduled, own, drafts, outdated = [], [], [], [], []
    if user.has_perm("cms.review_changerequest"):
        waiting = ChangeRequest.objects.filter(status=ChangeRequest.Status.SUBMITTED).exclude(author=user)
        to_review = list(waiting.named().select_related("author", "wizard").order_by("submitted_at"))
    if user.has_perm("cms.publish_release"):
        due = ChangeRequest.objects.filter(status=ChangeRequest.Status.SCHEDULED).order_by("publish_at")
        scheduled = list(due.named().select_related("wizard"))
    if user.has_perm("cms.add_changerequest") or user.has_perm("cms.submit_translation"):
        mine = ChangeRequest.objects.filter(author=user).named().select_related("wizard", "reviewer")
        own = list(mine.order_by("-submitted_at")[:5])
        for wizard in Node.objects.wizards():
            found, authors = unsubmitted(wizard, releases.live_release(wizard))
            changed = [item for item in found if user.get_username() in authors.get(item["id"], ())]
            if changed:
                drafts.append({"wizard": wizard, "items": changed})
        outdated = outdated_for(user)
    return {
        "to_review": to_review,
        "scheduled": scheduled,
        "own": own,
        "drafts": drafts,
        "outdated": outdated[:10],
        "outdated_count": len(outdated),
        "user": user,
    }


@register.inclusion_tag("admin/wizard/node/map_list.html")
def wizard_maps(user: AbstractBaseUser) -> dict[str, Any]:
    """Each wizard with a link to its map, for whoever may see the steps (one query)."""
    wizards = list(Node.objects.wizards().only("pk", "slug", "title")) if user.has_perm("wizard.view_node") else []
    return {"wizards": wizards}
