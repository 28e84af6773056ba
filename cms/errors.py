"""The one error every action raises when its rule says no (`cms.workflow.WorkflowError` is the same type)."""

from typing import Any

from django.utils.functional import Promise


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
