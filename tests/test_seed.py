"""The seed wizard (fixtures/egov-roles.yaml): every page, sentence and link of the seed, in four languages."""

from pathlib import Path

import pytest

from cms import live
from tests import factories
from wizard import exchange, markdown, references
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


def test_the_choices_inside_a_task_lead_to_other_steps(seed, steps):
    stored = steps["profiles/legal-representative/manage-role-assignments"].body_fr
    body = references.to_paths(stored, references.paths_by_uid(seed))
    targets = {ref.target for ref in markdown.references(body)}
    assert {
        "profiles/local-manager/manage-role-assignments",
        "profiles/legal-representative/designate-main-access-manager",
        "profiles/legal-representative/find-managers",
        "contact-center",
    } <= targets


def test_every_reference_resolves(seed):
    assert references.broken(seed) == {}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_link_target_has_the_page_of_each_language(seed, lang):
    markers = {"fr": ("site_fr", "lang=fr", "language=fr"), "nl": ("site_nl", "lang=nl", "language=nl")}
    markers |= {"de": ("site_de", "lang=de", "language=de"), "en": ("site_en", "lang=en", "language=en")}
    targets = LinkTarget.objects.all()
    assert targets.count() == 8
    for target in targets:
        url = getattr(target, f"url_{lang}")
        assert url.startswith("https://"), target.key
        assert any(marker in url for marker in markers[lang]), (target.key, url)
        assert getattr(target, f"name_{lang}"), target.key


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
    links = wizard.link_urls(lang)
    external = 0
    for path, step in wizard.steps.items():
        for name in ("body", "note"):
            text, _actual = step.text(name, lang)
            html = markdown.render(text, lang=lang, links=links, node_url=lambda p: f"/{lang}/egov-roles/{p}/")
            assert html.count("<a ") == len(markdown.references(text)), (path, name)
            external += html.count('class="external"')
            assert f"site_{'nl' if lang != 'nl' else 'fr'}/" not in html
    assert external >= 25
