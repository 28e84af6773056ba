"""The three-way merge rule (wizard/merge.py), for every combination of base, mine and theirs."""

import itertools

import pytest

from wizard import merge

LANGUAGES = ["fr", "nl", "de", "en"]
# Every key a step's or link target's save merges: each text in each language, and the structure.
KEYS = [
    *(f"{name}_{lang}" for name in ("title", "label", "body", "note", "name", "url") for lang in LANGUAGES),
    "slug",
    "kind",
    "place",
    "key",
]


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize(
    ("base", "mine", "theirs", "value", "taken", "clash"),
    [
        ("a", "a", "a", "a", merge.SAME, False),  # nobody changed it
        ("a", "b", "a", "b", merge.MINE, False),  # only I changed it
        ("a", "a", "c", "c", merge.THEIRS, False),  # only they changed it
        ("a", "b", "b", "b", merge.BOTH, False),  # both, to the same value
        ("a", "b", "c", "c", merge.THEIRS, True),  # both, differently: a clash (theirs kept until resolved)
        ("", "b", "", "b", merge.MINE, False),  # a translation I added
        ("", "", "c", "c", merge.THEIRS, False),  # a translation they added
        ("", "b", "c", "c", merge.THEIRS, True),  # both added one, differently
        ("a", "", "a", "", merge.MINE, False),  # I emptied it
        ("a", "", "c", "c", merge.THEIRS, True),  # I emptied it, they changed it
    ],
)
def test_the_rule_for_one_key(key, base, mine, theirs, value, taken, clash):
    merged = merge.merge({key: base}, {key: mine}, {key: theirs})
    assert merged.values == {key: value}
    assert merged.taken == {key: taken}
    assert merged.clashes == ([merge.Clash(key, base, mine, theirs)] if clash else [])


def test_every_combination_of_three_values_follows_the_table():
    for base, mine, theirs in itertools.product("abc", repeat=3):
        merged = merge.merge({"k": base}, {"k": mine}, {"k": theirs})
        clash = mine != base and theirs != base and mine != theirs
        assert bool(merged.clashes) == clash, (base, mine, theirs)
        expected = theirs if clash or mine == base else mine
        assert merged.values["k"] == expected, (base, mine, theirs)


def test_languages_of_one_field_merge_apart():
    """The issue's case: A changes the French note, B the Dutch body (and still holds the old French note)."""
    base = {"note_fr": "old", "body_nl": "", "note_nl": ""}
    theirs = {**base, "note_fr": "A's note"}
    mine = {**base, "body_nl": "B's body"}
    merged = merge.merge(base, mine, theirs)
    assert merged.values == {"note_fr": "A's note", "body_nl": "B's body", "note_nl": ""}
    assert not merged.clashes
    assert merged.changed(theirs) == ["body_nl"]


def test_one_language_clashes_while_the_others_merge():
    base = {f"title_{lang}": "t" for lang in LANGUAGES}
    mine = {**base, "title_fr": "mine", "title_nl": "mijn"}
    theirs = {**base, "title_fr": "theirs", "title_de": "ihr"}
    merged = merge.merge(base, mine, theirs)
    assert [clash.key for clash in merged.clashes] == ["title_fr"]
    assert merged.values == {"title_fr": "theirs", "title_nl": "mijn", "title_de": "ihr", "title_en": "t"}


def test_structure_merges_like_text():
    base = {"slug": "contact", "kind": "task", "place": "p/a"}
    moved = merge.merge(base, {**base, "slug": "contact-us"}, {**base, "place": "q/"})
    assert moved.values == {"slug": "contact-us", "kind": "task", "place": "q/"}
    assert not moved.clashes
    both_moved = merge.merge(base, {**base, "place": "r/b"}, {**base, "place": "q/"})
    assert [clash.key for clash in both_moved.clashes] == ["place"]
    same_rename = merge.merge(base, {**base, "slug": "x"}, {**base, "slug": "x"})
    assert same_rename.taken["slug"] == merge.BOTH
    assert not same_rename.clashes


def test_a_key_my_form_does_not_show_is_unchanged_by_me():
    """A translator's form has no French fields: whatever happened to them is theirs."""
    merged = merge.merge({"title_fr": "a", "title_nl": ""}, {"title_nl": "n"}, {"title_fr": "b", "title_nl": ""})
    assert merged.values == {"title_fr": "b", "title_nl": "n"}
    assert not merged.clashes


def test_empty_and_missing_are_the_same_value():
    merged = merge.merge({"note_en": None}, {"note_en": ""}, {"note_en": None})
    assert merged.taken == {"note_en": merge.SAME}
    assert not merged.clashes


def test_link_target_values_and_json_values_merge():
    base = {"key": "portal", "url_fr": "https://a", "no_page": {}}
    mine = {**base, "url_fr": "https://b"}
    theirs = {**base, "no_page": {"en": "fr"}}
    merged = merge.merge(base, mine, theirs)
    assert merged.values == {"key": "portal", "url_fr": "https://b", "no_page": {"en": "fr"}}
