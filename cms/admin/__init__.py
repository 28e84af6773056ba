"""The admin: the editors', translators' and reviewers' interface. Importing this package registers every model.

Each module is one screen family; they call actions and the content layer, never each other's rules.
"""

from cms.admin import linkcheck, releases, steps, webhooks, workflow  # noqa: F401  (each registers its models)
