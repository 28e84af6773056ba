"""The three-way merge of a save with whatever others saved since the version it started from.

Two people open the same step; each changes what they change and saves. Key by key (a field in one language, the
slug, the kind, the place in the tree, a link target's key, name and URL per language), the save keeps:

| base → mine | base → theirs | result |
| --- | --- | --- |
| unchanged | unchanged | the value (nothing to do) |
| changed | unchanged | mine |
| unchanged | changed | theirs |
| changed | changed, to the same value | that value |
| changed | changed, to another value | a clash: nothing is saved until someone chooses |

"Theirs" is what is stored now; "base" what the editor's form started from; "mine" what the form sends. A key
that `mine` does not hold (a field the form does not show) counts as unchanged by me. Empty and missing values
(None, "") are the same value: a translation never typed is not a change. Pure: no database, no Django.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MINE, THEIRS, SAME, BOTH = "mine", "theirs", "same", "both"  # BOTH: both changed it, to the same value


@dataclass(frozen=True)
class Clash:
    """A key both sides changed, to different values: the three values a person chooses between."""

    key: str
    base: Any
    mine: Any
    theirs: Any


@dataclass
class Merged:
    """The merged values (theirs where a key clashes), which side each key came from, and the clashes."""

    values: dict[str, Any] = field(default_factory=dict)
    taken: dict[str, str] = field(default_factory=dict)
    clashes: list[Clash] = field(default_factory=list)

    def changed(self, theirs: Mapping[str, Any]) -> list[str]:
        """The keys whose merged value differs from what is stored: what the save writes."""
        return [key for key, value in self.values.items() if _plain(value) != _plain(theirs.get(key))]


def _plain(value: Any) -> Any:
    return "" if value is None else value


def merge(base: Mapping[str, Any], mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> Merged:
    """Merge `mine` and `theirs`, two descendants of `base`, key by key (the module's table)."""
    merged = Merged()
    for key in [*theirs, *(key for key in mine if key not in theirs)]:
        old = _plain(base.get(key))
        now = _plain(theirs.get(key))
        new = _plain(mine[key]) if key in mine else old
        if new == now:
            merged.values[key], merged.taken[key] = theirs.get(key, mine.get(key)), SAME if new == old else BOTH
        elif new == old:
            merged.values[key], merged.taken[key] = theirs.get(key), THEIRS
        elif now == old:
            merged.values[key], merged.taken[key] = mine[key], MINE
        else:
            merged.values[key], merged.taken[key] = theirs.get(key), THEIRS
            merged.clashes.append(Clash(key, base.get(key), mine[key], theirs.get(key)))
    return merged
