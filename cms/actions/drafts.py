"""Throwing draft work away: one step's changes (discard), or the whole draft's (reset), back to the live release.

Both are versioned writes like any other: discarding adds a version to the step (its history keeps the one
before, which a revert brings back); a reset keeps the draft it throws away (`DraftBackup`), which the wizard's
history offers to load again (`undo_reset`). Each is audited.
"""

from typing import Any

import reversion
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms import audit, releases, review
from cms.actions.base import lock, may_change_structure, require, revision
from cms.actions.steps import _place, _state_columns, _validate
from cms.errors import ActionError
from cms.models import AuditEntry, DraftBackup, Release
from wizard import exchange, references, translations
from wizard.models import Node

Action = AuditEntry.Action


def _live(wizard: Node) -> Release:
    release = releases.live_release(wizard)
    if release is None:
        raise ActionError(_("“%(wizard)s” has no live release: there is nothing to go back to."), wizard=wizard.slug)
    return release


def _require_editor(user: AbstractBaseUser | None, doing: Any) -> None:
    require(user, "wizard.change_node", doing)
    if not may_change_structure(user):
        raise ActionError(_("Translators do not %(doing)s: ask an editor."), code="forbidden", doing=doing)


def live_content(node: Node, release: Release) -> dict[str, str] | None:
    """The step's slug, kind and texts as stored (references by uid) in `release`; None if it is not in it."""
    steps = list(exchange.walk(release.snapshot["wizard"]))
    entry = next((step.entry for step in steps if step.entry.get("uid") == str(node.uid)), None)
    if entry is None:
        return None
    paths = {step.entry["uid"]: step.step_path for step in steps if step.step_path}
    live = exchange.node_instance(entry, Node())
    return {
        column: references.to_uids(getattr(live, column) or "", paths)
        if column.startswith(("body_", "note_"))
        else getattr(live, column) or ""
        for column in _state_columns()
    }


def discard_changes(node: Node) -> tuple[Release | None, list[tuple[str, str, str]]]:
    """What discarding the step's changes throws away: the live release, and (column, draft, live) per change."""
    release = releases.live_release(node.get_wizard())
    content = live_content(node, release) if release else None
    if content is None:
        return release, []
    return release, [
        (column, getattr(node, column) or "", value)
        for column, value in content.items()
        if (getattr(node, column) or "") != value
    ]


@transaction.atomic
def discard_step(node: Node, *, user: AbstractBaseUser | None, comment: str = "") -> Node:
    """Give a step back its slug, kind and texts of the live release, where it stands now.

    The version before is kept in the step's history: reverting to it undoes the discard.
    """
    _require_editor(user, _("discard changes to steps"))
    wizard = lock(node.get_wizard())
    node = Node.objects.get(pk=node.pk)
    release = _live(wizard)
    content = live_content(node, release)
    if content is None:
        raise ActionError(_("“%(step)s” is new since the live release: delete it instead."), step=node)
    changed = [column for column, value in content.items() if (getattr(node, column) or "") != value]
    if not changed:
        raise ActionError(_("“%(step)s” has no changes since the live release."), step=node)
    for column, value in content.items():
        setattr(node, column, value)
    _validate(node, Node.objects.get_parent(node))
    with revision(user, comment or _("Discarded the changes since release #%(number)d.") % {"number": release.number}):
        node.save()
        reversion.add_to_revision(node)
        _place(node)
    references.reindex([node])
    translations.record(translations.every_field(node), user=user)  # the live translations follow the live French
    details = {"release": release.number, "fields": changed}
    audit.record(wizard, Action.DISCARD, user=user, obj=node, comment=comment, details=details)
    return node


def reset_changes(wizard: Node) -> tuple[Release | None, dict[str, Any]]:
    """What resetting the draft throws away: the live release, and the draft's difference from it, laid out for a
    page (`cms.review.layout`: steps added, removed and changed, link targets). Three queries, whatever the size."""
    release = releases.live_release(wizard)
    if release is None:
        return None, {"steps": [], "links": [], "has_changes": False}
    return release, review.layout(release.snapshot, releases.draft(wizard, release))


def _load(wizard: Node, snapshot: dict[str, Any], comment: str) -> Node:
    """Write a snapshot over the wizard's draft (by its identity, whatever either's slug)."""
    slug = snapshot["wizard"]["slug"]
    if slug != wizard.slug:
        if Node.objects.wizards().filter(slug=slug).exclude(pk=wizard.pk).exists():
            raise ActionError(_("Another wizard has the slug “%(slug)s” now: rename it first."), slug=slug)
        Node.objects.filter(pk=wizard.pk).update(slug=slug)  # load() finds the wizard by its slug
    snapshot = {**snapshot, "wizard": {**snapshot["wizard"], "uid": str(wizard.uid)}}
    try:
        return exchange.load(snapshot, comment=comment)
    except exchange.ExchangeError as error:
        raise ActionError(_("Nothing was changed: %(problems)s"), problems=" ".join(error.problems)) from None


@transaction.atomic
def reset_draft(wizard: Node, *, user: AbstractBaseUser | None, comment: str = "") -> DraftBackup:
    """Throw the wizard's draft away: its steps and the link targets it uses become the live release's again.

    Steps added since are deleted, steps deleted since come back with their identity. What was thrown away is
    kept (the returned backup, with the reset's revision): `undo_reset` loads it again.
    """
    _require_editor(user, _("reset drafts"))
    require(user, "wizard.delete_node", _("reset drafts"))
    wizard = lock(wizard)
    release = _live(wizard)
    before = releases.freeze(wizard)
    if releases.content_hash(before) == releases.content_hash(release.snapshot):
        raise ActionError(_("The draft of “%(wizard)s” is the live release already."), wizard=wizard.slug)
    text = comment or _("Reset the draft to release #%(number)d.") % {"number": release.number}
    with revision(user, text):
        _load(wizard, release.snapshot, str(text))
    reset_by = user if user is not None and user.is_authenticated else None
    backup = DraftBackup.objects.create(
        wizard=wizard, snapshot=before, release_number=release.number, reset_by=reset_by
    )
    translations.record_changed(wizard, user=user)
    details = {"release": release.number, "backup": backup.pk}
    audit.record(wizard, Action.RESET, user=user, release=release, comment=comment, details=details)
    return backup


@transaction.atomic
def undo_reset(backup: DraftBackup, *, user: AbstractBaseUser | None, comment: str = "") -> Node:
    """Load the draft a reset threw away, as it was then (itself a versioned, audited write)."""
    _require_editor(user, _("undo resets"))
    wizard = lock(backup.wizard)
    backup = DraftBackup.objects.select_for_update().get(pk=backup.pk)
    if backup.restored_at is not None:
        raise ActionError(_("This reset was undone already."))
    at = f"{timezone.localtime(backup.created_at):%Y-%m-%d %H:%M}"
    text = comment or _("Undid the reset of %(at)s.") % {"at": at}
    with revision(user, text):
        wizard = _load(wizard, backup.snapshot, str(text))
    backup.restored_at = timezone.now()
    backup.save(update_fields=["restored_at"])
    translations.record_changed(wizard, user=user)
    audit.record(wizard, Action.RESTORE, user=user, comment=comment, details={"backup": backup.pk})
    return wizard
