"""The editorial actions: one typed function per write, for every interface (admin, commands, API, tasks).

Each locks the wizard's root row, checks its rules, writes inside a reversion revision with its author and comment,
records its audit entry and returns what it made; each refusal is an `ActionError` (the workflow's `WorkflowError`
is the same type). docs/architecture.md lists them, with who may run each and what it checks and audits.
"""

from cms.actions.base import may_change_structure
from cms.actions.comments import add_comment, resolve_comment
from cms.actions.drafts import discard_changes, discard_step, reset_changes, reset_draft, undo_reset
from cms.actions.imports import import_translations, import_wizard, publish_import
from cms.actions.links import (
    check_rename,
    create_link_target,
    delete_link_target,
    delete_link_targets,
    edit_link_target,
    link_target_state,
    merge_link_target,
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
    merge_step,
    move_step,
    parent_for,
    recover_step,
    referrers,
    rename_step,
    revert_step,
    step_state,
    wizard_root_for,
)
from cms.errors import ActionError, MergeConflict

__all__ = [
    "ActionError",
    "MergeConflict",
    "add_comment",
    "changes",
    "check_placement",
    "check_rename",
    "create_link_target",
    "create_step",
    "delete_link_target",
    "delete_link_targets",
    "delete_step",
    "delete_steps",
    "discard_changes",
    "discard_step",
    "display_text",
    "edit_link_target",
    "edit_step",
    "former_parent",
    "import_translations",
    "import_wizard",
    "link_target_state",
    "merge_link_target",
    "merge_step",
    "publish_import",
    "may_change_structure",
    "move_step",
    "parent_for",
    "recover_step",
    "referrers",
    "resolve_comment",
    "rename_link_target",
    "rename_step",
    "reset_changes",
    "reset_draft",
    "revert_step",
    "step_state",
    "undo_reset",
    "wizard_root_for",
]
