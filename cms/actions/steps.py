"""Writing a wizard's steps: create, edit, rename, move, delete, revert, recover.

Each action locks the wizard's root row, checks its rules, writes inside a reversion revision (author, comment,
and where the step stands, by its parent's identity: `wizard.models.Placement`), keeps the reference index
current, records the translation states its texts call for, writes its audit entry, and returns the step.

Texts reach an action as editors write them, `node:` references by step path; the action stores them by the
target step's uid (wizard/references.py), so a rename or a move never rewrites anyone's text, and a revert never
breaks a reference.
"""

import copy
from typing import Any

import reversion
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, QuerySet
from django.utils.translation import gettext_lazy as _
from reversion.models import Version

from cms import audit
from cms.actions.base import lock, may_change_structure, refused, require, revision
from cms.errors import ActionError, MergeConflict
from cms.models import AuditEntry
from wizard import merge, references, translations, tree
from wizard.models import MARKDOWN_FIELDS, NODE_TEXT_FIELDS, POSITION_FIELDS, Node, Placement

Action = AuditEntry.Action
CHILD_POSITIONS = {"first-child", "last-child", "sorted-child", "child"}
# What a version restores: everything stored but the position and the identity.
SKIPPED_FIELDS = {*POSITION_FIELDS, "id", "uid", "updated_at"}
SOURCE_LANGUAGE = settings.MODELTRANSLATION_DEFAULT_LANGUAGE
# What only editors change: a translator changes the other languages' texts.
STRUCTURE_COLUMNS = {"slug", "kind", *(f"{name}_{SOURCE_LANGUAGE}" for name in NODE_TEXT_FIELDS)}


def parent_for(reference: Node | None, position: str) -> Node | None:
    """The parent a step gets when placed at `position` ("last-child", "left", …) relative to `reference`."""
    if reference is None:
        return None
    return reference if position in CHILD_POSITIONS else Node.objects.get_parent(reference)


def check_placement(node: Node, parent: Node | None) -> None:
    """Refuse a place a step may not take: another wizard, a sibling's slug, a start page below the root."""
    if node.pk and node.depth > 1:
        if parent is None or parent.get_wizard().pk != node.get_wizard().pk:
            raise ActionError(_("A step moves within its own wizard; create the step again in the other wizard."))
        if parent.pk == node.pk or parent.path.startswith(node.path):
            raise ActionError(_("A step cannot move below itself."))
        current = Node.objects.get_parent(node)
        if current is not None and current.pk == parent.pk:
            return
    try:
        node.validate_placement(parent, references=False)
    except ValidationError as error:
        raise refused(error) from None


def referrers(node: Node) -> list[Node]:
    """The steps outside the node's subtree that refer to it or to a step below it (from the reference index)."""
    return references.referrers(node) if node.pk else []


def display_text(node: Node, text: str) -> str:
    """A stored text of `node` as editors read it: `node:` references by step path."""
    # Only the steps the text names: a form of a wizard of thousands of steps reads a few rows, not the tree.
    return references.to_paths(text, references.paths_of(text)) if text else text


def _store_references(node: Node, wizard: Node | None) -> None:
    paths = references.paths_by_uid(wizard) if wizard is not None and wizard.pk else {}
    for name in MARKDOWN_FIELDS:
        for lang in settings.WIZARD_LANGUAGES:
            column = f"{name}_{lang}"
            setattr(node, column, references.to_uids(getattr(node, column) or "", paths))


def _validate(node: Node, parent: Node | None) -> None:
    try:
        node.validate_placement(parent)
    except ValidationError as error:
        raise refused(error) from None


def _place(node: Node) -> None:
    """Store, with the revision, where the step stands: its parent's uid (what `recover` puts it back under)."""
    parent = Node.objects.get_parent(node)
    reversion.add_meta(Placement, node_uid=node.uid, parent_uid=parent.uid if parent else None)


def _changed(before: Node | None, after: Node) -> list[str]:
    columns = ["slug", "kind", *(f"{name}_{lang}" for name in NODE_TEXT_FIELDS for lang in settings.WIZARD_LANGUAGES)]
    if before is None:
        return [column for column in columns if getattr(after, column)]
    return [column for column in columns if (getattr(before, column) or "") != (getattr(after, column) or "")]


def _record_translations(node: Node, changed: list[str], user: AbstractBaseUser | None) -> None:
    translations.record_form(node, changed, user=user)


@transaction.atomic
def create_step(
    node: Node,
    *,
    user: AbstractBaseUser | None,
    reference: Node | None,
    position: str = "last-child",
    comment: str = "",
) -> Node:
    """Add `node` (unsaved, its texts as typed) at `position` relative to `reference`; no reference: a new wizard."""
    require(user, "wizard.add_node", _("add steps"))
    parent = parent_for(reference, position)
    wizard = lock(parent.get_wizard()) if parent is not None else None
    if not node.slug:  # left blank: made from the French title, and free among the new siblings
        node.slug = tree.unused_slug(getattr(node, f"title_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}") or "", parent)
    _store_references(node, wizard)
    _validate(node, parent)
    with revision(user, comment or _("Added.")):
        if reference is None:
            node = Node.objects.add_root(instance=node)
        elif position in CHILD_POSITIONS:
            node = Node.objects.add_child(reference, instance=node)
            if position == "first-child" and Node.objects.get_children(reference).count() > 1:
                Node.objects.move(node, reference, pos="first-child")
        elif parent is None:  # beside a wizard: a new wizard
            node = Node.objects.add_root(instance=node)
            Node.objects.move(node, reference, pos=position)
        else:
            node = Node.objects.add_child(parent, instance=node)
            Node.objects.move(node, reference, pos=position)
        node.refresh_from_db()
        reversion.add_to_revision(node)
        _place(node)
    references.reindex([node])
    _record_translations(node, _changed(None, node), user)
    audit.record(wizard or node, Action.CREATE, user=user, obj=node, comment=comment, details={"uid": str(node.uid)})
    return node


def place_of(node: Node) -> str:
    """Where a step stands, by identity: its parent's uid and its left sibling's ("" for none), as "parent/left"."""
    parent, left = Node.objects.get_parent(node), Node.objects.get_prev_sibling(node)
    return f"{parent.uid if parent else ''}/{left.uid if left else ''}"


def _asked_place(node: Node, reference: Node, position: str) -> str:
    """The place (as `place_of` says it) that moving `node` to `position` relative to `reference` would give it."""
    parent = parent_for(reference, position)
    siblings = (Node.objects.get_children(parent) if parent else Node.objects.wizards()).exclude(pk=node.pk)
    if position in {"first-child", "first-sibling"}:
        left = None
    elif position == "left":
        left = siblings.filter(path__lt=reference.path).order_by("path").last()
    elif position == "right":
        left = reference
    else:  # the last child, or the last sibling
        left = siblings.order_by("path").last()
    return f"{parent.uid if parent else ''}/{left.uid if left else ''}"


def _state_columns() -> list[str]:
    return ["slug", "kind", *(f"{name}_{lang}" for name in NODE_TEXT_FIELDS for lang in settings.WIZARD_LANGUAGES)]


def step_state(node: Node) -> dict[str, Any]:
    """What a save merges (wizard/merge.py), as stored: slug, kind, each text in each language, and the place.

    An edit form keeps this, signed, as the version it started from (the `base` of `edit_step`).
    """
    return {**{column: getattr(node, column) or "" for column in _state_columns()}, "place": place_of(node)}


def _merge_step(
    node: Node, before: Node, wizard: Node, base: dict[str, Any] | None, place: tuple[Node | None, str] | None
) -> tuple[merge.Merged, dict[str, Any]]:
    """`node`'s fields (as typed) merged with `before` (the stored step) since `base`; and the stored state."""
    mine_node = copy.copy(node)
    _store_references(mine_node, wizard)
    theirs = step_state(before)
    mine = {column: getattr(mine_node, column) or "" for column in _state_columns()}
    if place is not None and place[0] is not None:
        mine["place"] = _asked_place(before, place[0], place[1])
    # No base: the caller writes what it gives (a command, a rename), as if it had started from what is stored.
    return merge.merge(base if base is not None else theirs, mine, theirs), theirs


def _kept(merged: merge.Merged, base: dict[str, Any] | None, theirs: dict[str, Any]) -> list[str]:
    if base is None:
        return []
    return [key for key, side in merged.taken.items() if side == merge.THEIRS and base.get(key, "") != theirs[key]]


def merge_step(
    node: Node, *, base: dict[str, Any] | None, place: tuple[Node | None, str] | None = None
) -> merge.Merged:
    """What `edit_step` would save of `node` (its fields as typed): the same merge, read only, for a form to show
    the clashes before anything is written. Locks the wizard's root row until the transaction ends."""
    wizard = lock(node.get_wizard())
    return _merge_step(node, Node.objects.get(pk=node.pk), wizard, base, place)[0]


@transaction.atomic
def edit_step(
    node: Node,
    *,
    user: AbstractBaseUser | None,
    base: dict[str, Any] | None = None,
    place: tuple[Node | None, str] | None = None,
    comment: str = "",
) -> Node:
    """Save what the editor changed in `node` (its fields as typed), merged with what others saved since.

    `base`: the step as the editor's form started from (`state_of`, kept by the form). Per field and language,
    and for the slug, the kind and the place (wizard/merge.py): only I changed it, mine; only someone else,
    theirs; both, differently: `MergeConflict` and nothing written. Without `base`, the fields are written as
    given. `place`: where the form asks to put the step, (reference step, treebeard position). Translators
    change translations only.
    """
    require(user, "wizard.change_node", _("change steps"))
    wizard = lock(node.get_wizard())
    before = Node.objects.get(pk=node.pk)
    merged, theirs = _merge_step(node, before, wizard, base, place)
    if merged.clashes:
        raise MergeConflict(merged.clashes, theirs=theirs, merged=merged.values)
    changed = [key for key in merged.changed(theirs) if key != "place"]
    if not may_change_structure(user) and (forbidden := sorted(set(changed) & STRUCTURE_COLUMNS)):
        raise ActionError(
            _("Translators change translations only, not %(fields)s: ask an editor."),
            code="forbidden",
            fields=", ".join(forbidden),
        )
    for column in _state_columns():  # stored forms: node: references by uid
        setattr(node, column, merged.values[column])
    for name in POSITION_FIELDS:  # where it stands is the tree's, never a stale copy's
        setattr(node, name, getattr(before, name))
    _validate(node, Node.objects.get_parent(node))
    with revision(user, comment or _("Changed.")):
        node.save()
        reversion.add_to_revision(node)
        _place(node)
    references.reindex([node])
    _record_translations(node, changed, user)
    details: dict[str, Any] = {"fields": changed}
    if before.slug != node.slug:
        details["slug"] = [before.slug, node.slug]
    if kept := _kept(merged, base, theirs):
        details["kept"] = kept  # what others saved since the form was opened, and this save kept
    action = Action.RENAME if before.slug != node.slug else Action.EDIT
    audit.record(wizard, action, user=user, obj=node, comment=comment, details=details)
    if place is not None and place[0] is not None and merged.taken.get("place") == merge.MINE:
        node = move_step(node, user=user, target=place[0], position=place[1], comment=comment)
    return node


def rename_step(node: Node, *, slug: str, user: AbstractBaseUser | None, comment: str = "") -> Node:
    """Give a step another slug (and so another address). References to it follow: they hold its uid."""
    node = Node.objects.get(pk=node.pk)
    node.slug = slug
    return edit_step(node, user=user, comment=comment)


@transaction.atomic
def move_step(
    node: Node, *, user: AbstractBaseUser | None, target: Node, position: str = "last-child", comment: str = ""
) -> Node:
    """Move a step (and its subtree) to `position` relative to `target`, within its wizard."""
    require(user, "wizard.change_node", _("move steps"))
    if not may_change_structure(user):
        raise ActionError(_("Translators do not move steps: ask an editor."), code="forbidden")
    wizard = lock(node.get_wizard())
    node = Node.objects.get(pk=node.pk)
    before = node.get_step_path()
    check_placement(node, parent_for(target, position))
    with revision(user, comment or _("Moved.")):
        Node.objects.move(node, Node.objects.get(pk=target.pk), pos=position)
        node.refresh_from_db()
        node.save()
        for moved in Node.objects.get_descendants(node, include_self=True):
            reversion.add_to_revision(moved)
            reversion.add_meta(Placement, node_uid=moved.uid, parent_uid=Node.objects.get_parent(moved).uid)
    audit.record(wizard, Action.MOVE, user=user, obj=node, details={"from": before, "to": node.get_step_path()})
    return node


def _deletion_revision(nodes: list[Node], user: AbstractBaseUser | None) -> None:
    """Store each step to be deleted, with its parent's uid, as its last version: what `recover` reads."""
    with revision(user, _("Deleted.")):
        for node in nodes:
            for doomed in Node.objects.get_descendants(node, include_self=True):
                reversion.add_to_revision(doomed)
                parent = Node.objects.get_parent(doomed)
                reversion.add_meta(Placement, node_uid=doomed.uid, parent_uid=parent.uid if parent else None)


@transaction.atomic
def delete_step(node: Node, *, user: AbstractBaseUser | None, comment: str = "") -> None:
    """Delete a step and its subtree. Refused while another step refers to one of them."""
    delete_steps(Node.objects.filter(pk=node.pk), user=user, comment=comment)


@transaction.atomic
def delete_steps(nodes: QuerySet[Node] | list[Node], *, user: AbstractBaseUser | None, comment: str = "") -> int:
    """Delete steps and their subtrees, all or none: refused while a step that stays refers to one that would go."""
    require(user, "wizard.delete_node", _("delete steps"))
    nodes = list(nodes)
    if not nodes:
        return 0
    wizards = {node.get_wizard().pk: lock(node.get_wizard()) for node in nodes}
    nodes = [Node.objects.get(pk=node.pk) for node in nodes if Node.objects.filter(pk=node.pk).exists()]
    doomed: set[int] = set()
    for node in nodes:
        doomed.update(Node.objects.get_descendants(node, include_self=True).values_list("pk", flat=True))
    blocked = []
    for node in nodes:
        staying = [step for step in referrers(node) if step.pk not in doomed]
        if staying:
            names = ", ".join(f"“{step}”" for step in staying)
            blocked.append(
                _("“%(step)s” is still linked from other steps (%(names)s)") % {"step": node, "names": names}
            )
    if blocked:
        raise ActionError(_("Nothing was deleted: %(blocked)s. Change those links first."), blocked="; ".join(blocked))
    _deletion_revision(nodes, user)
    for node in nodes:
        wizard = wizards[node.get_wizard().pk]
        path, repr_, uid = node.get_step_path(), str(node), str(node.uid)
        if node.is_wizard:
            try:
                with transaction.atomic():
                    node.delete()
            except ProtectedError:
                raise ActionError(
                    _("The wizard “%(wizard)s” has releases or a history: it cannot be deleted."), wizard=node
                ) from None
            continue
        Node.objects.filter(pk=node.pk).first().delete()
        audit.record(wizard, Action.DELETE, user=user, obj=repr_, comment=comment, details={"path": path, "uid": uid})
    return len(nodes)


def changes(version: Version, node: Node | None) -> list[tuple[str, Any, Any]]:
    """(field, current value, stored value) for each field a revert would change; references shown by path."""
    wizard = node.get_wizard() if node else wizard_root_for(version)
    paths = references.paths_by_uid(wizard) if wizard else {}
    markdown_columns = {f"{name}_{lang}" for name in MARKDOWN_FIELDS for lang in settings.WIZARD_LANGUAGES}

    def shown(name: str, value: Any) -> Any:
        return references.to_paths(value, paths) if name in markdown_columns and isinstance(value, str) else value

    return [
        (name, shown(name, getattr(node, name, None)) if node else None, shown(name, value))
        for name, value in _content(version).items()
        if node is None or getattr(node, name) != value
    ]


def _content(version: Version) -> dict[str, Any]:
    return {name: value for name, value in version.field_dict.items() if name not in SKIPPED_FIELDS}


@transaction.atomic
def revert_step(version: Version, *, user: AbstractBaseUser | None) -> Node:
    """Give a step back the content of `version`, where it stands now (never its old position).

    Its references hold uids, so a revert never points them at a path that no longer exists; one to a step
    deleted since is refused, as any broken reference is.
    """
    require(user, "wizard.change_node", _("revert steps"))
    if not may_change_structure(user):
        raise ActionError(_("Translators do not revert steps: ask an editor."), code="forbidden")
    node = Node.objects.filter(pk=version.object_id).first()
    if node is None:
        raise ActionError(_("This step was deleted since; recover it instead."))
    wizard = lock(node.get_wizard())
    node = Node.objects.get(pk=node.pk)
    for name, value in _content(version).items():
        setattr(node, name, value)
    _store_references(node, wizard)  # a version from before references were stored by uid holds paths
    _validate(node, Node.objects.get_parent(node))
    saved_at = version.revision.date_created
    with revision(user, _("Reverted to the version of %(at)s.") % {"at": f"{saved_at:%Y-%m-%d %H:%M}"}):
        node.save()
        reversion.add_to_revision(node)
        _place(node)
    references.reindex([node])
    translations.record(translations.every_field(node), user=user)  # restored translations follow restored French
    details = {"version": version.pk, "saved_at": saved_at.isoformat()}
    audit.record(wizard, Action.REVERT, user=user, obj=node, details=details)
    return node


def former_parent(version: Version) -> Node | None:
    """The step a deleted step stood under, by identity (stored with its last version); None if gone too."""
    placement = (
        Placement.objects.filter(
            node_uid=version.field_dict["uid"], revision__date_created__lte=version.revision.date_created
        )
        .order_by("-revision__date_created", "-pk")
        .first()
    )
    if placement is not None:
        return Node.objects.filter(uid=placement.parent_uid).first() if placement.parent_uid else None
    # A version stored before placements were: its treebeard path, which a reorder since may have given away.
    stored = version.field_dict["path"]
    return Node.objects.filter(path=stored[: -Node.steplen]).first() if len(stored) > Node.steplen else None


@transaction.atomic
def recover_step(version: Version, *, user: AbstractBaseUser | None, parent: Node | None = None) -> Node:
    """Bring a deleted step back, with its identity and history, as the last child of its former parent.

    The former parent is found by identity; if it is gone too, this says so: recover it first, or pass `parent`
    (the wizard's root, say) to put the step there.
    """
    require(user, "wizard.add_node", _("recover steps"))
    if Node.objects.filter(pk=version.object_id).exists():
        raise ActionError(_("This step exists; revert it instead."))
    if Node.objects.filter(uid=version.field_dict["uid"]).exists():
        raise ActionError(_("A step with this identity exists already: it was recovered before."))
    parent = parent or former_parent(version)
    if parent is None:
        raise ActionError(
            _(
                "The step this one stood under is gone too: recover that one first, or recover this one under the "
                "wizard's root."
            )
        )
    wizard = lock(parent.get_wizard())
    node = Node(pk=version.object_id, uid=version.field_dict["uid"], **_content(version))
    _store_references(node, wizard)
    _validate(node, Node.objects.get(pk=parent.pk))
    with revision(user, _("Recovered after deletion.")):
        node = Node.objects.add_child(Node.objects.get(pk=parent.pk), instance=node)
        reversion.add_to_revision(node)
        _place(node)
    references.reindex([node])
    translations.record(translations.every_field(node), user=user)
    details = {"version": version.pk, "saved_at": version.revision.date_created.isoformat(), "parent": str(parent.uid)}
    audit.record(wizard, Action.RECOVER, user=user, obj=node, details=details)
    return node


def wizard_root_for(version: Version) -> Node | None:
    """The root of the wizard a deleted step belonged to, offered when its former parent is gone too."""
    stored = version.field_dict.get("path") or ""
    return Node.objects.wizards().filter(path=stored[: Node.steplen]).first() if stored else None
