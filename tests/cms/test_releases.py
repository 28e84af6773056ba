import copy

from cms import releases
from cms.review import highlight
from tests import factories


def snapshot(wizard) -> dict:
    return copy.deepcopy(releases.freeze(wizard))


def find(entry: dict, slug: str) -> dict:
    for child in entry.get("children", []):
        if child["slug"] == slug:
            return child
    raise KeyError(slug)


def test_identical_snapshots_have_no_changes(wizard):
    assert releases.diff(snapshot(wizard), snapshot(wizard)) == {"steps": [], "links": [], "has_changes": False}


def test_a_changed_field_is_reported_per_language_with_old_and_new(wizard):
    old, new = snapshot(wizard), snapshot(wizard)
    contact = find(new["wizard"], "contact")
    contact["title"]["nl"] = "Contacteer ons"
    contact["note"] = {"de": "Hinweis"}
    [step] = releases.diff(old, new)["steps"]
    assert (step["change"], step["path"], step["moved"], step["reordered"]) == ("changed", "contact", False, False)
    assert step["fields"] == [
        {"field": "title", "lang": "nl", "old": "Titel contact", "new": "Contacteer ons"},
        {"field": "note", "lang": "de", "old": "", "new": "Hinweis"},
    ]


def test_added_removed_moved_and_reordered_steps(wizard):
    old, new = snapshot(wizard), snapshot(wizard)
    profiles = find(new["wizard"], "profiles")
    citizen, company = profiles["children"]
    renew = citizen["children"].pop(1)
    company["children"].append(renew)  # moved to another parent
    profiles["children"].reverse()  # company before citizen
    new["wizard"]["children"].remove(find(new["wizard"], "contact"))
    new["wizard"]["children"].append(
        factories.step("new", body="Neuf") | {"uid": "00000000-0000-0000-0000-000000000001"}
    )
    changes = {step["path"]: step for step in releases.diff(old, new)["steps"]}
    assert changes["profiles/company/renew"]["moved"]
    assert changes["profiles/company/renew"]["old_path"] == "profiles/citizen/renew"
    assert [path for path, step in changes.items() if step["reordered"]] in (
        ["profiles/company"],
        ["profiles/citizen"],
    )
    assert changes["contact"]["change"] == "removed"
    assert changes["new"]["change"] == "added"
    assert {"field": "body", "lang": "fr", "old": "", "new": "Neuf"} in changes["new"]["fields"]


def test_a_renamed_step_is_the_same_step(wizard):
    old, new = snapshot(wizard), snapshot(wizard)
    find(new["wizard"], "contact")["slug"] = "contact-us"
    [step] = releases.diff(old, new)["steps"]
    assert (step["change"], step["path"], step["old_path"]) == ("changed", "contact-us", "contact")
    assert step["fields"] == [{"field": "slug", "lang": "", "old": "contact", "new": "contact-us"}]


def test_link_targets_added_removed_and_changed(wizard):
    old, new = snapshot(wizard), snapshot(wizard)
    new["links"][0]["url"]["nl"] = "https://www.example.org/nl/contacteer"
    new["links"].pop(1)
    new["links"].append({"key": "zeta", "name": {"fr": "Zêta"}, "url": {"fr": "https://z.example.org/"}})
    links = {link["key"]: link for link in releases.diff(old, new)["links"]}
    assert links["contact-center"]["change"] == "changed"
    assert links["contact-center"]["fields"] == [
        {
            "field": "url",
            "lang": "nl",
            "old": "https://www.example.org/nl/contact",
            "new": "https://www.example.org/nl/contacteer",
        }
    ]
    assert (links["portal"]["change"], links["zeta"]["change"]) == ("removed", "added")


def test_a_first_release_is_all_new(wizard):
    changes = releases.diff(None, snapshot(wizard))
    assert {step["change"] for step in changes["steps"]} == {"added"}
    assert len(changes["steps"]) == 8


def test_highlight_marks_changed_words_and_escapes_html():
    old, new = highlight("Appelez le <b>centre</b> demain.", "Appelez le <b>centre</b> lundi.")
    assert old == "Appelez le &lt;b&gt;centre&lt;/b&gt; <del>demain</del>."
    assert new == "Appelez le &lt;b&gt;centre&lt;/b&gt; <ins>lundi</ins>."
