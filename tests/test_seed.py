"""The seed wizard (fixtures/egov-roles.yaml): every page, sentence and link of the seed, in four languages."""

import re
from pathlib import Path

import pytest

from cms import live
from tests import factories
from wizard import exchange, markdown, tree
from wizard.models import LinkTarget, Node, wizard_step_paths

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "egov-roles.yaml"
LANGUAGES = ["fr", "nl", "de", "en"]
PROFILES = {
    "legal-representative": [
        "register-company",
        "designate-main-access-manager",
        "activate-capacity",
        "designate-local-manager",
        "find-managers",
        "manage-role-assignments",
    ],
    "main-access-manager": [
        "designate-co-main-access-manager",
        "activate-capacity",
        "designate-local-manager",
        "find-managers",
        "manage-role-assignments",
    ],
    "local-manager": ["designate-co-local-manager", "find-managers", "manage-role-assignments"],
    "user": ["view-role-assignments", "request-role-assignment", "deactivate-role", "change-email"],
}


@pytest.fixture
def seed(db) -> Node:
    return exchange.load(exchange.read(SEED.read_bytes()))


@pytest.fixture
def steps(seed) -> dict[str, Node]:
    return wizard_step_paths(seed)


def test_every_page_of_the_seed_is_there(steps):
    pages = {"about", "about/links", "profiles", "definitions", "contact", "accessibility", "privacy"}
    assert pages <= set(steps)
    assert list(Node.objects.get_children(steps["profiles"]).values_list("slug", flat=True)) == list(PROFILES)
    for profile, tasks in PROFILES.items():
        assert steps[f"profiles/{profile}"].kind == Node.Kind.CHOICE
        children = Node.objects.get_children(steps[f"profiles/{profile}"])
        assert list(children.values_list("slug", flat=True)) == tasks
        assert {child.kind for child in children} == {Node.Kind.TASK}
    assert sum(len(tasks) for tasks in PROFILES.values()) == 18


def test_every_step_is_translated_into_every_language(seed, steps):
    for node in [seed, *steps.values()]:
        for lang in LANGUAGES:
            assert getattr(node, f"title_{lang}"), (node.get_step_path(), lang)
            if node.depth > 1:
                assert getattr(node, f"label_{lang}"), (node.get_step_path(), lang)
            for name in ("body", "note"):
                if getattr(node, f"{name}_fr"):
                    assert getattr(node, f"{name}_{lang}"), (node.get_step_path(), name, lang)


@pytest.mark.parametrize(
    ("path", "sentence"),
    [
        ("profiles/legal-representative/designate-main-access-manager", "doit se faire au moment d’enregistrer"),
        ("profiles/legal-representative/activate-capacity", "Seul le Responsable Accès Entité (RAE) peut exécuter"),
        ("profiles/main-access-manager/designate-co-main-access-manager", "mêmes droits que le Responsable"),
        ("profiles/user/request-role-assignment", "mettant à disposition un lien sur une page web"),
        ("profiles/local-manager/manage-role-assignments", "Connectez-vous à Ma gestion des rôles eGov"),
        ("definitions", "dispose d’un mandat actif et d’une compétence de signature"),
    ],
)
def test_the_seed_sentences_are_kept(steps, path, sentence):
    node = steps[path]
    assert sentence in f"{node.body_fr}\n{node.note_fr}"


def test_the_seed_flaws_are_fixed(seed):
    text = SEED.read_text()
    for flaw in ["Optionele", "l’ entreprise", "en doit être", "Responsable Accès Entités", "Responsable d’Accès"]:
        assert flaw not in text


def test_the_choices_inside_a_task_lead_to_other_steps(steps):
    body = steps["profiles/legal-representative/manage-role-assignments"].body_fr
    targets = {ref.target for ref in markdown.references(body)}
    assert {
        "profiles/local-manager/manage-role-assignments",
        "profiles/legal-representative/designate-main-access-manager",
        "profiles/legal-representative/find-managers",
        "contact-center",
    } <= targets


def test_every_reference_resolves(seed):
    assert tree.broken_references(seed) == {}


# The Social Security portal's employer pages exist in French, Dutch and German only: English links to the French one.
SOCIAL_SECURITY = {"company-registration", "company-registration-form", "contact-center", "social-security-portal"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_link_target_leads_to_a_page_in_the_language_it_says(seed, lang):
    markers = {"fr": ("site_fr", "lang=fr", "language=fr"), "nl": ("site_nl", "lang=nl", "language=nl")}
    markers |= {"de": ("site_de", "lang=de", "language=de"), "en": ("lang=en", "language=en")}
    targets = LinkTarget.objects.all()
    assert targets.count() == 8
    for target in targets:
        found = target.destination(lang)
        expected = "fr" if lang == "en" and target.key in SOCIAL_SECURITY else lang
        assert found.lang == expected, target.key
        assert found.url.startswith("https://"), target.key
        assert any(marker in found.url for marker in markers[expected]), (target.key, found.url)
        assert getattr(target, f"name_{lang}"), target.key
    assert "site_en" not in SEED.read_text()


@pytest.mark.parametrize(
    ("lang", "terms"),
    [
        ("nl", ["Wettelijke Vertegenwoordiger", "Hoofdtoegangsbeheerder", "Lokale Beheerder", "hoedanigheid"]),
        ("de", ["Gesetzlicher Vertreter", "Hauptzugangsverwalter", "Lokaler Verwalter", "Benutzer"]),
        ("en", ["Legal Representative", "Main Access Manager", "Local Manager", "User"]),
    ],
)
def test_translations_use_the_portal_terms(seed, lang, terms):
    text = exchange.to_text(exchange.dump(seed))
    language_lines = "\n".join(line for line in text.splitlines() if line.strip().startswith(f"{lang}:"))
    for term in terms:
        assert term in language_lines, term


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_renders_in_every_language_with_its_links(seed, lang, settings):
    settings.LIVE_POINTER_TTL = 0
    factories.publish(seed)
    live.forget()
    wizard = live.wizard("egov-roles")
    links = wizard.link_destinations(lang)
    external = 0
    for path, step in wizard.steps.items():
        for name in ("body", "note"):
            text, _actual = step.text(name, lang)
            html = markdown.render(text, lang=lang, links=links, node_url=lambda p: f"/{lang}/egov-roles/{p}/")
            assert html.count("<a ") == len(markdown.references(text)), (path, name)
            external += html.count('class="external"')
            assert f"site_{'nl' if lang != 'nl' else 'fr'}/" not in html
            if lang == "en":
                # A French page says so, in English, with hreflang; no other link carries a language note.
                assert html.count('hreflang="fr"') == html.count("site_fr/") == html.count(">(in French)<"), path
            else:
                assert "hreflang" not in html
    assert external >= 25


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("fr", "… et je voudrais :"),
        ("nl", "… en ik wil:"),
        ("de", "… und ich möchte:"),
        ("en", "… and I would like to:"),
    ],
)
def test_every_profile_page_says_and_i_would_like_to_above_its_tasks(steps, lang, line):
    for profile in PROFILES:
        body = getattr(steps[f"profiles/{profile}"], f"body_{lang}")
        assert body.rstrip().endswith(line), profile  # the last thing before the list of tasks


def _lines(lang: str) -> list[str]:
    """Every text of the fixture in `lang`: the `xx:` lines and the lines of their literal blocks."""
    found, current = [], None
    for line in SEED.read_text().splitlines():
        if match := re.match(r"^\s*(fr|nl|de|en): ?(.*)$", line):
            current = match.group(1)
            if current == lang:
                found.append(match.group(2))
        elif not line.strip():
            continue  # a blank line inside a literal block
        elif line.startswith("        ") and current == lang:
            found.append(line.strip())
        elif not line.startswith("        "):
            current = None
    return found


def test_german_writes_co_as_the_portal_does():
    text = "\n".join(_lines("de"))
    assert "Co-Hauptzugangsverwalter" in text
    assert "Ko-" not in text
    assert "Bestimmung erhält" not in text
    assert "nach ihrer Bestimmung" not in text


def test_german_quotes_product_names_in_running_text():
    for line in _lines("de"):
        for name in ("Meine eGov-Rollenverwaltung", "Mein eGov-Profil"):
            # A link target's name may be the bare product name; in a sentence, it is quoted.
            if name in line and line not in {name, f"'{name}: ein Profil erstellen'"}:
                assert f"„{name}“" in line, line


def test_english_has_no_contractions_and_no_unofficial_abbreviation():
    text = "\n".join(_lines("en"))
    assert not re.search(r"\b\w+n’t\b|\b(I|you|we|they|it)’(m|re|ll|ve|s)\b", text, re.IGNORECASE)
    assert "MAM" not in text
    assert "Are you not the Main Access Manager?" in text


def test_dutch_says_the_rae_manages_the_account_by_himself():
    text = "\n".join(_lines("nl"))
    assert "het account" in text
    assert "zelfstandig beheren" in text
    assert "alleen de account" not in text
    assert "rolattributie" not in text
