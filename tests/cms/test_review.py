import copy

from cms import releases
from cms.review import highlight, layout


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
