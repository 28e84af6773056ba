import copy
import uuid

from cms import releases
from cms.models import LinkCheck
from cms.review import highlight, layout, summarise


def test_highlight_marks_changed_words_and_escapes_html():
    old, new = highlight("Appelez le <b>centre</b> demain.", "Appelez le <b>centre</b> lundi.")
    assert old == "Appelez le &lt;b&gt;centre&lt;/b&gt; <del>demain</del>."
    assert new == "Appelez le &lt;b&gt;centre&lt;/b&gt; <ins>lundi</ins>."


def test_highlight_of_a_new_text_marks_it_all_inserted():
    assert highlight("", "Nouveau texte") == ("", "<ins>Nouveau texte</ins>")


def test_layout_groups_a_steps_changes_by_language_french_first(wizard):
    old = releases.freeze(wizard)
    new = copy.deepcopy(old)
    contact = new["wizard"]["children"][1]
    contact["title"] = {"nl": "Contact opnemen", "fr": "Contactez-nous"}
    [step] = layout(old, new)["steps"]
    assert step["path"] == "contact"
    assert [lang for lang, _rows in step["languages"]] == ["fr", "nl"]
    [(_lang, [french]), _dutch] = step["languages"]
    assert (french["old_html"], french["new_html"]) == ("<del>Titre contact</del>", "<ins>Contactez-nous</ins>")


# The summary of a change (review.summarise) ----------------------------------------------------------------------


def children(snapshot: dict, *path: int) -> list:
    """The children list of the step reached by `path` (indexes) in a snapshot."""
    entry = snapshot["wizard"]
    for index in path:
        entry = entry["children"][index]
    return entry["children"]


def citizen(snapshot: dict) -> list:
    return children(snapshot, 0, 0)  # profiles › citizen: apply, renew


def test_an_added_step_says_where_it_stands_among_its_siblings(wizard):
    old = releases.freeze(wizard)
    new = copy.deepcopy(old)
    citizen(new).insert(1, {"uid": str(uuid.uuid4()), "slug": "check", "kind": "task", "title": {"fr": "Vérifier"}})
    [step] = summarise(old, new)["steps"]
    assert (step["change"], step["path"]) == ("added", "profiles/citizen/check")
    assert step["position"]["text"] == "2nd of 3 under Titre profiles › Titre citizen, after “Titre apply”"
    assert (step["position"]["after"], step["position"]["before"]) == ("Titre apply", "Titre renew")
    assert "reorder" not in step  # the siblings kept their order: only the new step is news


def test_a_removed_step_says_where_it_was(wizard):
    old = releases.freeze(wizard)
    new = copy.deepcopy(old)
    del new["wizard"]["children"][1]  # contact
    [step] = summarise(old, new)["steps"]
    assert step["change"] == "removed"
    assert step["old_position"]["text"] == "2nd of 2 under the start page, after “Titre profiles”"
    assert "position" not in step


def test_a_moved_step_says_its_old_and_new_place(wizard):
    old = releases.freeze(wizard)
    new = copy.deepcopy(old)
    renew = citizen(new).pop(1)
    children(new, 0, 1).insert(0, renew)  # to the front of company
    [step] = summarise(old, new)["steps"]
    assert step["moved"]
    assert step["old_position"]["text"] == "2nd of 2 under Titre profiles › Titre citizen, after “Titre apply”"
    assert step["position"]["text"] == "1st of 2 under Titre profiles › Titre company, before “Titre apply”"


def titles(order: dict) -> list[str]:
    return [f"{sibling['number']} {sibling['title']}" if sibling["number"] else "…" for sibling in order["siblings"]]


def test_a_reorder_shows_the_siblings_before_and_after(wizard):
    old = releases.freeze(wizard)
    new = copy.deepcopy(old)
    citizen(new).reverse()
    [step] = summarise(old, new)["steps"]
    assert step["reordered"]
    assert not step["moved"]
    assert titles(step["reorder"]["before"]) == ["1 Titre apply", "2 Titre renew"]
    assert titles(step["reorder"]["after"]) == ["1 Titre renew", "2 Titre apply"]
    assert step["position"]["index"] == 1


def test_a_reorder_among_many_siblings_shows_a_window_around_the_step():
    entries = [{"uid": f"u{n}", "slug": f"s{n}", "kind": "task", "title": {"fr": f"T{n}"}} for n in range(20)]
    old = {"wizard": {"uid": "root", "slug": "w", "kind": "start", "title": {"fr": "W"}, "children": entries}}
    new = copy.deepcopy(old)
    moved = new["wizard"]["children"].pop(10)
    new["wizard"]["children"].insert(0, moved)
    [step] = [step for step in summarise(old, new)["steps"] if step["uid"] == "u10"]
    assert titles(step["reorder"]["before"]) == [
        "…",
        "8 T7",
        "9 T8",
        "10 T9",
        "11 T10",
        "12 T11",
        "13 T12",
        "14 T13",
        "…",
    ]
    assert titles(step["reorder"]["after"]) == ["1 T10", "2 T0", "3 T1", "4 T2", "…"]
    assert (step["reorder"]["before"]["current"], step["reorder"]["after"]["current"]) == (11, 1)


def test_texts_change_per_language_with_the_public_rendering_beside(wizard):
    old = releases.freeze(wizard)
    new = copy.deepcopy(old)
    apply = citizen(new)[0]
    apply["body"]["nl"] = "Bel [het centrum](link:contact-center) of zie [verlengen](node:profiles/citizen/renew)."
    [step] = summarise(old, new)["steps"]
    [(lang, [row])] = step["languages"]
    assert (lang, row["field"]) == ("nl", "body")
    assert row["new_html"].startswith("<ins>Bel")
    html = row["new_rendered"]["html"]
    assert 'href="https://www.example.org/nl/contact"' in html  # the Dutch page of the link target
    assert 'href="/preview/nl/demo/profiles/citizen/renew/"' in html
    assert row["new_rendered"]["references"] == [
        {"ref": "link:contact-center", "name": "Contactcenter", "url": "https://www.example.org/nl/contact"},
        {"ref": "node:profiles/citizen/renew", "name": "Titre renew", "url": None},
    ]
    assert row["old_rendered"]["html"] == ""


def test_link_target_changes_show_per_url_with_the_link_checkers_result(wizard):
    old = releases.freeze(wizard)
    new = copy.deepcopy(old)
    [contact] = [entry for entry in new["links"] if entry["key"] == "contact-center"]
    contact["url"]["de"] = "https://www.example.org/de/kontakt"
    found = summarise(old, new)
    [link] = found["links"]
    [(lang, [row])] = link["languages"]
    assert (link["key"], lang, row["field"], row["is_url"]) == ("contact-center", "de", "url", True)
    [url] = found["urls"]["rows"]
    assert (url["url"], url["status"]) == ("https://www.example.org/de/kontakt", "pending")  # not checked yet
    LinkCheck.objects.create(url=url["url"], status=LinkCheck.Status.BROKEN, http_status=404)
    [url] = summarise(old, new)["urls"]["rows"]
    assert (url["status"], url["http_status"]) == ("broken", 404)


def test_beyond_the_limit_the_summary_counts(wizard):
    old = releases.freeze(wizard)
    new = copy.deepcopy(old)
    for entry in citizen(new):
        entry["title"]["fr"] += " (bis)"
    new["wizard"]["children"][1]["title"]["fr"] = "Contact (bis)"
    found = summarise(old, new, limit=1)
    assert (len(found["steps"]), found["more_steps"]) == (1, 2)
    assert found["counts"]["changed"] == 3


def test_the_url_checks_cost_one_query_whatever_the_number_of_urls(wizard, django_assert_num_queries):
    old = releases.freeze(wizard)
    new = copy.deepcopy(old)
    citizen(new)[0]["body"]["fr"] = " ".join(f"[{n}](https://site{n}.example.org/)" for n in range(80))
    with django_assert_num_queries(1):
        found = summarise(old, new)
    assert (len(found["urls"]["rows"]), found["urls"]["more"]) == (50, 30)


def test_a_change_to_the_wizards_start_page_says_so(wizard):
    old = releases.freeze(wizard)
    new = copy.deepcopy(old)
    new["wizard"]["title"] = {**new["wizard"]["title"], "nl": "Welkom"}
    [step] = summarise(old, new)["steps"]
    assert step["position"]["text"] == "the start page"


def test_summarise_reads_the_comparison_it_is_given(wizard):
    old = releases.freeze(wizard)
    new = copy.deepcopy(old)
    citizen(new).reverse()
    new["wizard"]["children"][1]["title"] = {"fr": "Contactez-nous"}
    assert summarise(old, new, compared=releases.Comparison(old, new)) == summarise(old, new)
    assert summarise(old, new, compared=releases.Comparison(old, old))["has_changes"] is False
