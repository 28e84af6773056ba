"""Whose translations a French change left behind: for the admin home of the translator who made them."""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from wizard.models import LINK_TEXT_FIELDS, NODE_TEXT_FIELDS, LinkTarget, Node, TranslationState
from wizard.translations.status import SOURCE_LANGUAGE, fingerprint, text


@dataclass(frozen=True)
class Outdated:
    subject: Node | LinkTarget
    field: str
    language: str
    label: str  # the step's slug or the link target's key


def outdated_for(user: AbstractBaseUser) -> list[Outdated]:
    """The translations `user` last saved or confirmed whose French text changed since. Two queries."""
    found = []
    mine = TranslationState.objects.filter(updated_by=user).order_by("pk")
    for subject, names in (("node", NODE_TEXT_FIELDS), ("link_target", LINK_TEXT_FIELDS)):
        columns = [f"{subject}__{name}_{SOURCE_LANGUAGE}" for name in names]
        rows = mine.filter(**{f"{subject}__isnull": False}).select_related(subject)
        for state in rows.only("field", "language", "source_hash", f"{subject}__id", *columns, *_labels(subject)):
            target = getattr(state, subject)
            translated = state.field in names and text(target, state.field, SOURCE_LANGUAGE)
            if translated is not False and state.source_hash != fingerprint(translated):
                label = target.key if isinstance(target, LinkTarget) else target.slug
                found.append(Outdated(target, state.field, state.language, label))
    return found


def _labels(subject: str) -> list[str]:
    # What the admin home shows of each: a step's slug, a link target's key.
    return ["node__slug"] if subject == "node" else ["link_target__key"]
