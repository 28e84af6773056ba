"""The one error every action raises when its rule says no (`cms.workflow.WorkflowError` is the same type)."""

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ActionError(Exception):
    """An editorial action the rules refuse; the message is meant for the person who tried, in their language.

    The message is a `gettext_lazy` text with named placeholders, filled in only when shown, so that it is
    translated into the language active then (the admin user's), not the one active when it was raised.
    """

    def __init__(self, message: str | Promise, *, code: str = "invalid", **params: Any) -> None:
        # code "forbidden": the user may not do this at all (an interface answers 403), else "invalid".
        self.message, self.code, self.params = message, code, params
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)

    @property
    def messages(self) -> list[str]:
        return [str(self)]


class MergeConflict(ActionError):
    """A save that clashes with one made since its form was opened: both changed some keys, to different values.

    `clashes`: those keys (`wizard.merge.Clash`: base, mine, theirs); `theirs`: everything as stored now, the
    version a resolved form starts from; `merged`: what the save would have written, theirs where keys clash.
    Nothing was written.
    """

    def __init__(self, clashes: list[Any], *, theirs: dict[str, Any], merged: dict[str, Any]) -> None:
        super().__init__(
            _(
                "Someone else changed %(keys)s since you opened this, to something else than you did: choose what to "
                "keep. Nothing was saved."
            ),
            code="conflict",
            keys=", ".join(clash.key for clash in clashes),
        )
        self.clashes, self.theirs, self.merged = clashes, theirs, merged
