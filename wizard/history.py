"""Reverting a step to a stored version, and recovering a deleted one, without breaking the tree.

reversion's own `Version.revert()` writes back every stored column, treebeard's `path`, `depth` and `numchild`
included: reverting a step that has moved since would put it back at a stale position and corrupt the tree.
Here a revert restores what the step says, never where it stands.
"""

from typing import Any

import reversion
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from reversion.models import Version

from wizard import translations
from wizard.models import POSITION_FIELDS, Node

# What a version restores: everything stored but the position and the identity.
SKIPPED_FIELDS = {*POSITION_FIELDS, "id", "uid", "updated_at"}


def content(version: Version) -> dict[str, Any]:
    return {name: value for name, value in version.field_dict.items() if name not in SKIPPED_FIELDS}


def changes(version: Version, node: Node | None) -> list[tuple[str, Any, Any]]:
    """(field, current value, stored value) for each field a revert would change."""
    return [
        (name, getattr(node, name, None) if node else None, value)
        for name, value in content(version).items()
        if node is None or getattr(node, name) != value
    ]


@transaction.atomic
def revert(version: Version, *, user: AbstractBaseUser) -> Node:
    """Give a step back the content of `version`, where it stands now. Refuses if that would break a rule."""
    node = Node.objects.select_for_update().filter(pk=version.object_id).first()
    if node is None:
        raise ValidationError("This step was deleted since; recover it instead.")
    for name, value in content(version).items():
        setattr(node, name, value)
    node.validate_placement(Node.objects.get_parent(node))
    with reversion.create_revision():
        node.save()
        reversion.set_user(user)
        reversion.set_comment(f"Reverted to the version of {version.revision.date_created:%Y-%m-%d %H:%M}.")
    translations.record(translations.every_field(node), user=user)  # restored translations follow restored French
    return node


@transaction.atomic
def recover(version: Version, *, user: AbstractBaseUser) -> Node:
    """Bring a deleted step back, with its identity and history, as the last child of its former parent."""
    if Node.objects.filter(pk=version.object_id).exists():
        raise ValidationError("This step exists; revert it instead.")
    stored_path = version.field_dict["path"]
    parent = Node.objects.filter(path=stored_path[: -Node.steplen]).first() if len(stored_path) > Node.steplen else None
    if parent is None:
        raise ValidationError("The step this one stood under is gone too (or moved): recover that one first.")
    node = Node(pk=version.object_id, uid=version.field_dict["uid"], **content(version))
    if Node.objects.filter(uid=node.uid).exists():
        raise ValidationError("A step with this identity exists already: it was recovered before.")
    node.validate_placement(parent)
    with reversion.create_revision():
        node = Node.objects.add_child(parent, instance=node)
        reversion.set_user(user)
        reversion.set_comment("Recovered after deletion.")
    translations.record(translations.every_field(node), user=user)
    return node
