import copy

import pytest

from cms import checks, releases
from cms.models import LinkCheck
from tests import factories
from wizard import exchange
from wizard.models import wizard_step_paths


def run(document: dict, **kwargs) -> list[dict]:
    """checks.run without the fallback warnings (tested apart below): the factories' steps are French and Dutch."""
    return [problem for problem in checks.run(document, **kwargs) if problem["check"] != "fallbacks"]


def problems(document: dict) -> list[tuple[str, str]]:
    return [(problem["level"], problem["message"]) for problem in run(document)]


def test_a_whole_wizard_has_no_problems(db):
    assert run(factories.document()) == []


def test_a_choice_without_choices_is_an_error(db):
    document = factories.document(children=[factories.step("profiles", "choice", label="Commencer")])
    assert problems(document) == [("error", "Step “profiles” is a choice with no choices under it.")]


def test_a_task_with_neither_body_nor_links_is_an_error(db):
    document = factories.document(children=[factories.step("empty")])
    assert problems(document) == [("error", "Step “empty” is a task with neither a body nor links.")]


def test_a_step_that_no_path_reaches_is_a_warning(db):
    hidden = factories.step("hidden", body="Caché.")
    document = factories.document(children=[factories.step("task", body="Fait.", children=[hidden])])
    assert problems(document) == [("warning", "Step “task/hidden” is not reached by any path of the wizard.")]
    # A link from a reached step is a path too.
    document["wizard"]["children"][0]["body"] = {"fr": "Voir [la suite](node:task/hidden)."}
    assert problems(document) == []


def test_a_reference_to_a_missing_step_or_link_is_an_error(db):
    document = factories.document(children=[factories.step("task", body="[A](node:gone) [B](link:nope)")])
    assert problems(document) == [
        ("error", "Step “task”, body (fr): “A” points to the step “gone”, which does not exist in this wizard."),
        ("error", "Step “task”, body (fr): “B” points to the link target “nope”, which does not exist."),
    ]


def test_a_required_language_missing_is_an_error(db, settings):
    settings.WIZARD_REQUIRED_LANGUAGES = ["fr", "nl"]
    document = factories.document(children=[factories.step("task", body="Fait.")])
    found = problems(document)
    assert ("error", "Step “task” has no body in nl.") in found
    assert ("error", "The start page has no title in nl.") not in found  # the factory gives NL titles
    assert ("error", "The link “portal” has no name in nl.") in found
    settings.WIZARD_REQUIRED_LANGUAGES = ["fr"]
    assert problems(document) == []


@pytest.mark.parametrize(
    ("status", "http_status", "level"),
    [
        (LinkCheck.Status.BROKEN, 404, "error"),
        (LinkCheck.Status.BROKEN, 410, "error"),
        (LinkCheck.Status.BROKEN, 500, "warning"),
        (LinkCheck.Status.UNSTABLE, 404, "warning"),
        (LinkCheck.Status.OK, 200, None),
        (LinkCheck.Status.REFUSED, None, None),
    ],
)
def test_link_checker_results(db, status, http_status, level):
    LinkCheck.objects.create(url="https://portal.example.org/?lang=fr", status=status, http_status=http_status)
    found = problems(factories.document())
    assert [found_level for found_level, _message in found] == ([level] if level else [])
    if level:
        assert "link target “portal” (fr)" in found[0][1]


def test_urls_written_in_full_are_checked_too(db):
    LinkCheck.objects.create(url="https://gone.example.org/", status=LinkCheck.Status.BROKEN, http_status=404)
    document = factories.document(children=[factories.step("task", body="[Ici](https://gone.example.org/)")])
    [(level, message)] = problems(document)
    assert level == "error"
    assert message.startswith("https://gone.example.org/ is gone (HTTP 404); used in step “task” of “demo” (body, fr)")


def test_checks_run_on_a_frozen_wizard(wizard):
    snapshot = releases.freeze(wizard)
    assert exchange.check(snapshot) == []
    assert run(snapshot) == []


def test_the_checks_say_which_broken_links_a_change_brings_in(wizard):
    base = releases.freeze(wizard)
    LinkCheck.objects.create(url="https://portal.example.org/?lang=fr", status=LinkCheck.Status.BROKEN, http_status=500)
    LinkCheck.objects.create(url="https://gone.example.org/", status=LinkCheck.Status.BROKEN, http_status=404)
    contact = wizard_step_paths(wizard)["contact"]
    contact.body_fr = "Voir [ici](https://gone.example.org/)."
    contact.save()
    messages = [problem["message"] for problem in run(releases.freeze(wizard), base=base)]
    found = {message.split(" ")[0]: message for message in messages}
    assert found["https://gone.example.org/"].endswith("This change brings it in.")
    assert not found["https://portal.example.org/?lang=fr"].endswith("This change brings it in.")


def test_the_checks_say_which_translations_a_change_leaves_outdated(wizard):
    base = releases.freeze(wizard)
    contact = wizard_step_paths(wizard)["contact"]
    contact.title_fr = "Nous contacter"
    contact.save()
    found = problems_against(releases.freeze(wizard), base)
    assert ("warning", "Step “contact”: the title (nl) no longer follows the French text it changes.") in found


def test_missing_translations_block_when_the_settings_say_so(wizard, settings):
    snapshot = releases.freeze(wizard)
    assert not [p for p in run(snapshot) if p["message"].startswith("Missing translation")]
    settings.WIZARD_PUBLISH_WITH_MISSING_TRANSLATIONS = False
    blocking = [p for p in run(snapshot) if p["message"].startswith("Missing translation")]
    assert blocking
    assert {p["level"] for p in blocking} == {"error"}


def problems_against(snapshot: dict, base: dict) -> list[tuple[str, str]]:
    return [(problem["level"], problem["message"]) for problem in run(snapshot, base=base)]


def test_current_checks_keep_the_stored_results_and_ask_the_link_checker_again(db):
    document = factories.document(children=[factories.step("apply", body="[Loi](https://law.test/)")])
    LinkCheck.objects.create(url="https://law.test/", status="unstable", error="timeout")
    stored = run(document)
    assert [problem["check"] for problem in stored] == ["links"]
    stored.append({"level": "warning", "step": "apply", "message": "Stored earlier.", "check": "translations"})
    LinkCheck.objects.filter(url="https://law.test/").update(status="ok")
    assert checks.current(stored, document) == [stored[-1]]  # the link works again; the rest is as stored


# Fallbacks to French ---------------------------------------------------------------------------------------------


def fallbacks(document: dict, base: dict | None = None) -> list[tuple[str, str, str]]:
    found = checks.run(document, base=base)
    return [
        (problem["level"], problem["step"], problem["message"]) for problem in found if problem["check"] == "fallbacks"
    ]


def translated(slug: str, **texts: dict) -> dict:
    """A task with its title and body in every language."""
    every = {lang: f"{slug} ({lang})" for lang in ("fr", "nl", "de", "en")}
    return factories.step(slug, title=every, body=every, **texts)


def test_a_step_without_its_dutch_or_german_body_warns_which_languages_show_french(db):
    document = factories.document(children=[translated("done"), factories.step("half", body="Corps.")])
    assert fallbacks(document) == [
        ("warning", "", "The start page will show French to readers of de (title); en (title)."),
        (
            "warning",
            "half",
            "Step “half” will show French to readers of nl (body); de (title, body); en (title, body). "
            "In nl, its translated title stands above French text.",
        ),
    ]


def test_against_the_live_release_only_the_steps_the_change_touches_are_named(wizard):
    base = releases.freeze(wizard)  # French and Dutch titles, French bodies: each step falls back already
    document = copy.deepcopy(base)
    contact = document["wizard"]["children"][1]
    contact["body"] = dict.fromkeys(("fr", "nl", "de"), "Appelez-nous.")
    assert fallbacks(document, base=base) == [
        ("warning", "contact", "Step “contact” will show French to readers of de (title); en (title, body).")
    ]


def test_beyond_a_bound_the_fallbacks_are_counted(db):
    steps = [factories.step(f"task-{n}", body="Corps.") for n in range(checks.FALLBACK_STEPS + 5)]
    found = fallbacks(factories.document(children=steps))
    assert len(found) == checks.FALLBACK_STEPS + 1
    assert found[-1] == ("warning", "", "6 more step(s) will show French in some language.")  # and the start page
