"""Writing link targets: create, edit, delete. A link target still used by a step cannot go."""

from typing import Any

import reversion
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cms import audit
from cms.actions.base import may_change_structure, refused, require, revision
from cms.errors import ActionError, MergeConflict
from cms.models import AuditEntry
from wizard import merge, translations
from wizard.models import LINK_TEXT_FIELDS, LinkTarget

Action = AuditEntry.Action
SOURCE_LANGUAGE = translations.SOURCE_LANGUAGE
STRUCTURE_COLUMNS = {"key", *(f"{name}_{SOURCE_LANGUAGE}" for name in LINK_TEXT_FIELDS)}


def _columns(target: LinkTarget) -> dict[str, str]:
    names = ["key", *(f"{name}_{lang}" for name in LINK_TEXT_FIELDS for lang in settings.WIZARD_LANGUAGES)]
    return {name: getattr(target, name) or "" for name in names}


def _validate(target: LinkTarget) -> None:
    try:
        target.full_clean(exclude=["id"])
    except ValidationError as error:
        raise refused(error) from None


def _lock_targets() -> None:
    # Link targets belong to no wizard: their writes take the lock of the whole table's first row instead of a root.
    LinkTarget.objects.select_for_update().order_by("pk").first()


@transaction.atomic
def create_link_target(target: LinkTarget, *, user: AbstractBaseUser | None, comment: str = "") -> LinkTarget:
    """Add a link target (unsaved `target`, its fields set)."""
    require(user, "wizard.add_linktarget", _("add link targets"))
    _lock_targets()
    _validate(target)
    with revision(user, comment or _("Added.")):
        target.save()
        reversion.add_to_revision(target)
    changed = [name for name, value in _columns(target).items() if value]
    translations.record_form(target, changed, user=user)
    audit.record(None, Action.LINK_CREATE, user=user, obj=target, comment=comment, details={"key": target.key})
    return target


def link_target_state(target: LinkTarget) -> dict[str, Any]:
    """What a save of a link target merges (wizard/merge.py): its key, name and URL per language, and "no page in"."""
    return {**_columns(target), "no_page": dict(target.no_page or {})}


def merge_link_target(target: LinkTarget, *, base: dict[str, Any] | None) -> merge.Merged:
    """What `edit_link_target` would save of `target` (its fields as given), read only, for a form's clashes."""
    _lock_targets()
    theirs = link_target_state(LinkTarget.objects.get(pk=target.pk))
    return merge.merge(base if base is not None else theirs, link_target_state(target), theirs)


@transaction.atomic
def edit_link_target(
    target: LinkTarget, *, user: AbstractBaseUser | None, base: dict[str, Any] | None = None, comment: str = ""
) -> LinkTarget:
    """Save what the editor changed in a link target, merged with what others saved since `base` (as for steps:
    `edit_step`). Translators change the other languages' names and addresses only."""
    require(user, "wizard.change_linktarget", _("change link targets"))
    _lock_targets()
    before = LinkTarget.objects.select_for_update().get(pk=target.pk)
    theirs = link_target_state(before)
    merged = merge.merge(base if base is not None else theirs, link_target_state(target), theirs)
    if merged.clashes:
        raise MergeConflict(merged.clashes, theirs=theirs, merged=merged.values)
    for name, value in merged.values.items():
        setattr(target, name, value)
    changed = [name for name in merged.changed(theirs) if name != "no_page"]
    if not may_change_structure(user) and (forbidden := sorted(set(changed) & STRUCTURE_COLUMNS)):
        raise ActionError(
            _("Translators change translations only, not %(fields)s: ask an editor."),
            code="forbidden",
            fields=", ".join(forbidden),
        )
    if before.key != target.key and before.key and (used := LinkTarget(key=before.key).get_usages()):
        names = ", ".join(f"“{node}”" for node, _columns in used)
        raise ActionError(
            _("The key “%(key)s” is used by %(names)s: change those links first."), key=before.key, names=names
        )
    _validate(target)
    with revision(user, comment or _("Changed.")):
        target.save()
        reversion.add_to_revision(target)
    translations.record_form(target, changed, user=user)
    audit.record(None, Action.LINK_EDIT, user=user, obj=target, comment=comment, details={"fields": changed})
    return target


@transaction.atomic
def delete_link_targets(
    targets: QuerySet[LinkTarget] | list[LinkTarget], *, user: AbstractBaseUser | None, comment: str = ""
) -> int:
    """Delete link targets, all or none: refused while a step still links to one of them."""
    require(user, "wizard.delete_linktarget", _("delete link targets"))
    _lock_targets()
    targets = list(targets)
    used = [target.key for target in targets if target.get_usages()]
    if used:
        raise ActionError(
            _("Not deleted, still used by steps: %(keys)s. Change those links first."), keys=", ".join(used)
        )
    for target in targets:
        with revision(user, _("Deleted.")):
            reversion.add_to_revision(target)
        key, shown = target.key, str(target)
        target.delete()
        audit.record(None, Action.LINK_DELETE, user=user, obj=shown, comment=comment, details={"key": key})
    return len(targets)


def delete_link_target(target: LinkTarget, *, user: AbstractBaseUser | None, comment: str = "") -> None:
    delete_link_targets([target], user=user, comment=comment)
