"""Imports: a whole wizard from an exchange file, translations from an XLIFF file, and a first release of an import.

The interfaces read the file (`exchange.read`, `xliff.read`: the formats, which say what is wrong with a file and
where); these actions decide, lock, write with a revision, record translation states and audit.
"""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cms import audit, checks, releases
from cms.actions import publishing
from cms.actions.base import lock, require, revision
from cms.errors import ActionError
from cms.models import AuditEntry, LiveRelease, Release
from wizard import exchange, translations, xliff
from wizard.models import Node

Action = AuditEntry.Action


@transaction.atomic
def import_wizard(
    document: dict[str, Any], *, user: AbstractBaseUser | None, operator: str = "", comment: str = ""
) -> Node:
    """Create a wizard from a read exchange document, or replace the draft of the wizard with its slug.

    `user` None is an operator at the command line, named by `operator` in the audit log.
    """
    require(user, "wizard.add_node", _("import wizards"))
    slug = document["wizard"]["slug"]
    existing = Node.objects.wizards().filter(slug=slug).first()
    if existing is not None:
        lock(existing)
    with revision(user, comment or _("Imported from an exchange file.")):
        try:
            wizard = exchange.load(document, comment=str(comment))
        except exchange.ExchangeError as error:
            raise ActionError(_("Nothing was imported: %(problems)s"), problems=" ".join(error.problems)) from None
    translations.record_changed(wizard, user=user)  # the file's new or changed translations follow its French text
    details = {
        "created": existing is None,
        "steps": Node.objects.get_descendants(wizard).count(),
        "links": len(document.get("links") or []),
        "operator": operator,
    }
    audit.record(wizard, Action.IMPORT, user=user, comment=str(comment), details=details)
    return wizard


@transaction.atomic
def publish_import(wizard: Node, *, user: AbstractBaseUser | None, operator: str = "", reason: str) -> Release:
    """Make the first release of an imported wizard live, after the review checks: the way a new site starts.

    Once a wizard is live, its changes go through review (`cms.workflow.submit`), never through here.
    """
    require(user, "cms.publish_release", _("publish releases"))
    if not reason.strip():
        raise ActionError(_("Say why this import is published without review; the audit log keeps it."))
    wizard = lock(wizard)
    if LiveRelease.objects.filter(wizard=wizard).exists():
        raise ActionError(
            _("“%(wizard)s” is live already: its changes go through review (submit the wizard), not an import."),
            wizard=wizard.slug,
        )
    frozen_at, snapshot = timezone.now(), releases.freeze(wizard)
    results = checks.run(snapshot)
    if blocking := checks.errors(results):
        listed = " ".join(problem["message"] for problem in blocking[:3])
        raise ActionError(
            _("The checks found %(count)d error(s) that block publishing: %(listed)s"),
            count=len(blocking),
            listed=listed,
        )
    try:
        release = releases.create(wizard, snapshot=snapshot, draft_since=frozen_at, user=user, note=reason.strip())
    except translations.MissingTranslations as error:
        raise ActionError(_("%(problem)s"), problem=str(error)) from None
    publishing.make_live(release, event="publish")
    details = {
        "release": release.number,
        "operator": operator,
        "source": "import",
        "warnings": len(results),
    }
    audit.record(wizard, Action.PUBLISH, user=user, release=release, comment=reason.strip(), details=details)
    return release


@transaction.atomic
def import_translations(
    document: xliff.Document,
    *,
    user: AbstractBaseUser | None,
    wizard: Node | None = None,
    dry_run: bool = False,
    comment: str = "",
) -> xliff.Result:
    """Write the acceptable units of a read XLIFF file and report on each; `wizard`: the one it must be for.

    Whether the file may change link targets is decided here: only for who may change link targets.
    """
    require(user, "wizard.change_node", _("import translations"))
    if wizard is not None and document.wizard_slug != wizard.slug:
        raise ActionError(
            _("This file is for the wizard “%(other)s”, not “%(wizard)s”: nothing imported."),
            other=document.wizard_slug,
            wizard=wizard.slug,
        )
    found = Node.objects.wizards().filter(slug=document.wizard_slug).first()
    if found is None:
        raise ActionError(
            _("No wizard has the slug “%(slug)s” (the <file original=…> attribute)."), slug=document.wizard_slug
        )
    found = lock(found)
    may_change_links = user is None or user.has_perm("wizard.change_linktarget")
    result = xliff.apply(document, user=user, dry_run=dry_run, comment=comment, may_change_links=may_change_links)
    written, confirmed = result.count(xliff.WRITTEN), result.count(xliff.CONFIRMED)
    if not dry_run and (written or confirmed):
        details = {"language": result.language, "written": written, "confirmed": confirmed}
        details["refused"] = len(result.refused)
        audit.record(found, Action.TRANSLATE, user=user, comment=comment, details=details)
    return result
