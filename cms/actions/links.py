"""Writing link targets: create, edit, rename, delete. A link target still used by a step cannot go."""

import re
from typing import Any

import reversion
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cms import audit
from cms.actions.base import lock, may_change_structure, refused, require, revision
from cms.errors import ActionError, MergeConflict
from cms.models import AuditEntry
from wizard import markdown, merge, references, translations
from wizard.markdown import LINK_SCHEME
from wizard.models import LINK_TEXT_FIELDS, MARKDOWN_FIELDS, LinkTarget, Node, TranslationState

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
    `edit_step`); a new key by `rename_link_target`. Translators change the other languages' names and addresses
    only."""
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
    # A new key goes through the rename below, which rewrites every use of the old one (or refuses).
    new_key, target.key = target.key, before.key
    _validate(target)
    with revision(user, comment or _("Changed.")):
        target.save()
        reversion.add_to_revision(target)
    translations.record_form(target, changed, user=user)
    audit.record(None, Action.LINK_EDIT, user=user, obj=target, comment=comment, details={"fields": changed})
    if new_key != before.key:
        target = rename_link_target(target, key=new_key, user=user, comment=comment)
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


def rewrite_key(text: str, old: str, new: str) -> str:
    """`text` with every `link:old` reference (inline, autolink or definition) made `link:new`."""
    if not text or f"{LINK_SCHEME}{old}" not in text:
        return text
    pattern = re.compile(rf"((?:\(|<|\]:)\s*<?){re.escape(LINK_SCHEME + old)}(?=[\s)>]|$)", re.MULTILINE)
    return pattern.sub(lambda match: f"{match.group(1)}{LINK_SCHEME}{new}", text)


def _still_uses(text: str, key: str) -> bool:
    return any(ref.kind == "link" and ref.target == key for ref in markdown.references(text or ""))


@transaction.atomic
def rename_link_target(target: LinkTarget, *, key: str, user: AbstractBaseUser | None, comment: str = "") -> LinkTarget:
    """Give a link target another key, and rewrite every `link:` reference to it, in every step and language, in
    the same revision: the draft never names a key that no longer exists. Refused, with nothing changed, when the
    key is taken or malformed, or when a reference could not be rewritten."""
    require(user, "wizard.change_linktarget", _("change link targets"))
    if not may_change_structure(user):
        raise ActionError(_("Translators change translations only, not keys: ask an editor."), code="forbidden")
    _lock_targets()
    target = LinkTarget.objects.select_for_update().get(pk=target.pk)
    old = target.key
    if key == old:
        return target
    if LinkTarget.objects.filter(key=key).exists():
        raise ActionError(_("The key “%(key)s” is already taken by another link target."), key=key)
    target.key = key
    _validate(target)
    sources = _sources(old)
    # Lock every wizard whose steps change, in one order, so that two renames cannot deadlock.
    for wizard_path in sorted({node.path[: Node.steplen] for node in sources}):
        lock(Node.objects.get(path=wizard_path))
    rewritten = _rewrites(sources, old, key)
    with revision(user, comment or _("Renamed the link target “%(old)s” to “%(new)s”.") % {"old": old, "new": key}):
        target.save()
        reversion.add_to_revision(target)
        for node in rewritten:
            node.save()
            reversion.add_to_revision(node)
    _follow_rewrite(rewritten)
    references.reindex(list(rewritten))
    details = {"from": old, "to": key, "steps": [str(node.uid) for node in rewritten]}
    audit.record(None, Action.LINK_EDIT, user=user, obj=target, comment=comment, details={"renamed": details})
    for node in rewritten:
        fields = {"fields": list(rewritten[node])}
        audit.record(node.get_wizard(), Action.EDIT, user=user, obj=node, comment=comment, details=fields)
    return target


def check_rename(target: LinkTarget, key: str) -> None:
    """Refuse, before anything is written, a rename whose uses cannot all be rewritten (for a form to say so)."""
    old = LinkTarget.objects.filter(pk=target.pk).values_list("key", flat=True).first()
    if old and old != key:
        _rewrites(_sources(old), old, key)


def _sources(key: str) -> list[Node]:
    """The steps whose texts use the link target `key` (from the reference index)."""
    return list(Node.objects.filter(references__target_key=key).distinct().order_by("path"))


def _rewrites(sources: list[Node], old: str, new: str) -> dict[Node, dict[str, str]]:
    """Each step's texts with `link:old` made `link:new` (set on the steps, not saved): step → column → text before."""
    columns = [f"{name}_{lang}" for name in MARKDOWN_FIELDS for lang in settings.WIZARD_LANGUAGES]
    rewritten: dict[Node, dict[str, str]] = {}
    for node in sources:
        node.refresh_from_db()
        for column in columns:
            before = getattr(node, column) or ""
            after = rewrite_key(before, old, new)
            if _still_uses(after, old):
                raise ActionError(
                    _("“%(step)s” (%(column)s) links to “%(key)s” in a way this cannot rewrite; change it by hand."),
                    step=node,
                    column=column,
                    key=old,
                )
            if after != before:
                setattr(node, column, after)
                rewritten.setdefault(node, {})[column] = before
    return rewritten


def _follow_rewrite(rewritten: dict[Node, dict[str, str]]) -> None:
    """Keep each translation's state as it was: a key rewritten in the French and in its translation alike
    leaves an up-to-date translation up to date, and an outdated one outdated."""
    states = TranslationState.objects.filter(node__in=list(rewritten), field__in=MARKDOWN_FIELDS)
    changed = []
    for state in states:
        node = next(node for node in rewritten if node.pk == state.node_id)
        before = rewritten[node]
        source, target = f"{state.field}_{SOURCE_LANGUAGE}", f"{state.field}_{state.language}"
        old_source, old_target = before.get(source), before.get(target)
        if old_source is not None and state.source_hash == translations.fingerprint(old_source):
            state.source_hash = translations.fingerprint(getattr(node, source))
            changed.append(state)
        if old_target is not None and state.target_hash == translations.fingerprint(old_target):
            state.target_hash = translations.fingerprint(getattr(node, target))
            changed.append(state)
    TranslationState.objects.bulk_update(set(changed), ["source_hash", "target_hash"])
