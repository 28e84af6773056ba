"""The editorial actions: one typed function per write, for every interface (admin, commands, API, tasks).

Each locks the wizard's root row, checks its rules, writes inside a reversion revision with its author and comment,
records its audit entry and returns what it made; each refusal is an `ActionError` (the workflow's `WorkflowError`
is the same type). docs/architecture.md lists them, with who may run each and what it checks and audits.
"""

from cms.actions.base import is_stale, may_change_structure
from cms.actions.imports import import_translations, import_wizard, publish_import
from cms.actions.links import (
    check_rename,
    create_link_target,
    delete_link_target,
    delete_link_targets,
    edit_link_target,
    rename_link_target,
)
from cms.actions.steps import (
    changes,
    check_placement,
    create_step,
    delete_step,
    delete_steps,
    display_text,
    edit_step,
    former_parent,
    move_step,
    parent_for,
    recover_step,
    referrers,
    rename_step,
    revert_step,
    wizard_root_for,
)
from cms.errors import ActionError

__all__ = [
    "ActionError",
    "changes",
    "check_placement",
    "check_rename",
    "create_link_target",
    "create_step",
    "delete_link_target",
    "delete_link_targets",
    "delete_step",
    "delete_steps",
    "display_text",
    "edit_link_target",
    "edit_step",
    "former_parent",
    "import_translations",
    "import_wizard",
    "publish_import",
    "is_stale",
    "may_change_structure",
    "move_step",
    "parent_for",
    "recover_step",
    "referrers",
    "rename_link_target",
    "rename_step",
    "revert_step",
    "wizard_root_for",
]
