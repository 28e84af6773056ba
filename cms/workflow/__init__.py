"""The editorial workflow: submit a wizard's draft, approve or reject it, publish it (now or later), roll back.

Each action is one transaction. It locks the wizard's row first, so that every transition of one wizard happens
one at a time, checks its rules, writes, and records an audit entry (which sends its notifications on commit).
Whatever the rules refuse raises `WorkflowError`, whose message says why and what to do instead.

Two modules: `requests`, the actions on change requests (and the rebase or staleness of the other waiting requests
when one goes live); `draft`, what the draft holds against the live release and who changed it, which those actions
and the pages that show a draft read. Callers use the names below (`from cms import workflow`, then
`workflow.submit(...)`), not the modules.
"""

from cms.workflow.draft import (
    RECENT_VERSIONS,
    WRITES,
    draft_changed_since,
    draft_changes,
    draft_items,
    editors_since,
    has_draft_changes,
    item_authors,
    needed,
    unsubmitted,
    wizard_states,
)
from cms.workflow.requests import (
    WorkflowError,
    approve,
    publish,
    publish_scheduled,
    reject,
    rollback,
    submit,
    withdrawn_requests,
)

__all__ = [
    "RECENT_VERSIONS",
    "WRITES",
    "WorkflowError",
    "approve",
    "draft_changed_since",
    "draft_changes",
    "draft_items",
    "editors_since",
    "has_draft_changes",
    "item_authors",
    "needed",
    "publish",
    "publish_scheduled",
    "reject",
    "rollback",
    "submit",
    "unsubmitted",
    "wizard_states",
    "withdrawn_requests",
]
