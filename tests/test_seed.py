"""The seed wizard (fixtures/egov-roles.yaml): every page, sentence and link of the seed, in four languages."""

import re
from html import unescape
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


# Every sentence of the seed (../shared/seed/), page by page, as the French site must show it. Where the seed has a
# flaw, the sentence is written as corrected and the seed's wording follows in a comment; docs/content.md lists
# every change and every addition.
LR, RAE, LM, USER = (f"profiles/{p}" for p in ("legal-representative", "main-access-manager", "local-manager", "user"))
CONTACT = "Contactez le Centre de contact de la Sécurité sociale"
CO_RAE_RIGHTS = (
    "Le co-Responsable Accès Entité a les mêmes droits que le Responsable Accès Entité, mais il ne peut pas désigner "
    "d’autres co-Responsables Accès Entité."  # seed: "… d’autres Co-Responsables …"
)
CO_LM_RIGHTS = (
    "Le co-Gestionnaire Local a les mêmes droits que le Gestionnaire Local, mais ne peut pas désigner d’autres "
    "co-Gestionnaires Locaux."
)
ALSO_RAE = "Vous pouvez également vous désigner comme RAE ou désigner un co-Responsable Accès Entité."
NOT_RAE = [
    "Vous n’êtes pas le RAE ?",
    f"{CONTACT} et demandez-leur qui est le RAE pour votre entreprise.",
    "Désignez un RAE lors de l’enregistrement de votre entreprise.",  # seed (once): "Désigner un RAE …"
]
SEED_SENTENCES = {
    "": ["Bienvenue dans le wizard de Ma gestion des rôles eGov", "À propos du wizard", "Démarrer le wizard"],
    "about": [
        "À propos du wizard : tâches par profil",
        "Ce wizard vous guidera à travers les tâches que vous pouvez effectuer si vous avez un des profils suivants :",
        "Représentant Légal",
        "Responsable Accès Entité (RAE)",
        "Gestionnaire Local",
        "Utilisateur",
    ],
    "about/links": [
        "À propos du wizard : utilisation des liens",
        "Utilisez le(s) lien(s) :",
        "« Je suis un … » pour naviguer dans le wizard selon votre propre profil.",
        "« … et je voudrais » pour naviguer vers la tâche que vous souhaitez effectuer.",
        "pour naviguer vers un site externe",
        "pour revenir à la page d’accueil",
        # seed: "dans la barre de titre pour revenir à la page précédente": « Retour » is described as it works.
        "pour afficher les définitions des différents profils",
        "Continuer le wizard",
    ],
    "profiles": [
        "Je suis un …",
        "Représentant Légal",
        "Responsable Accès Entité (RAE)",  # seed: "Responsable d’Accès Entité (RAE)"
        "Gestionnaire Local",
        "Utilisateur",
    ],
    "definitions": [
        "Quelles sont les tâches d’un …",
        "Représentant Légal : une personne dont le nom figure dans les statuts de l’entreprise et qui dispose d’un "
        "mandat actif et d’une compétence de signature au nom de l’entreprise.",
        "Responsable Accès Entité (RAE) : est désigné par le Représentant Légal.",
        "Le RAE est une personne employée au sein de l’entreprise ou exerçant la fonction de gérant, "
        "d’administrateur ou d’associé.",
        "Il peut gérer seul, au nom de l’entreprise, le compte qui est ouvert sur le Portail des Gestionnaires "
        "d’accès ou il peut, à son tour, désigner un co-Responsable Accès Entité.",
        "Gestionnaire Local : est désigné par le RAE de l’entreprise.",
        # seed: "… dans l’application ‘Ma gestion des rôles eGov’": the product name is not quoted elsewhere.
        "Il assure la gestion des attributions de rôle des utilisateurs dans l’application Ma gestion des rôles eGov.",
        # seed: "peut accéder à 1 ou à plusieurs application(s)"
        "Utilisateur : peut accéder à une ou à plusieurs application(s), selon ses attributions de rôle dans Ma "
        "gestion des rôles eGov.",
        "Vous avez des questions ou souhaitez en savoir plus ?",
    ],
    "contact": ["Contact", "Vous avez des questions ou vous souhaitez en savoir plus ?", f"{CONTACT}."],
    LR: [
        "Je suis un Représentant Légal …",
        "… et je voudrais :",
        # seed: "la(les) personne(s)"
        "enregistrer mon entreprise pour désigner la (les) personne(s) responsable(s) de la gestion des rôles",
        "désigner un Responsable Accès Entité (RAE)",
        "activer une ‘Qualité’",  # seed, in this list only: "activer une Qualité"
        "désigner un Gestionnaire Local",
        "savoir qui est le Responsable Accès Entité (RAE) ou le Gestionnaire Local au sein de mon entreprise",
        "gérer les attributions de rôle des utilisateurs",
        # seed: "l’entreprise en doit être enregistrée auprès de la CBE"
        "Pour chacune des actions suivantes, l’entreprise doit être enregistrée auprès de la Banque-Carrefour des "
        "Entreprises (BCE).",
        "Pour vérifier si cela a été fait, consultez BCE Public Search.",  # seed: "allez sur le BCE Public Search"
    ],
    f"{LR}/register-company": [
        "… et je voudrais enregistrer mon entreprise pour désigner la (les) personne(s) responsable(s) de la gestion "
        "des rôles",
        # seed: "Responsable Accès Entités"
        "Vous allez désigner le Responsable Accès Entité (RAE) pour votre entreprise.",
        "Cette personne recevra les codes d’accès nécessaires après sa désignation.",
    ],
    f"{LR}/designate-main-access-manager": [
        "… et je voudrais désigner un Responsable Accès Entité (RAE)",
        "La désignation d’un RAE doit se faire au moment d’enregistrer votre entreprise.",
        f"{CONTACT} pour vérifier si votre entreprise a déjà été enregistrée.",
        "Si votre entreprise n’a pas encore été enregistrée, procédez d’abord à l’enregistrement.",
        "Après l’enregistrement, vous serez invité à désigner un RAE.",
        ALSO_RAE,
    ],
    f"{LR}/activate-capacity": [
        "… et je voudrais activer une ‘Qualité’",
        "En tant que Représentant Légal, vous ne pouvez pas activer une ‘Qualité’ directement.",
        "Seul le Responsable Accès Entité (RAE) peut exécuter cette action.",
        "Êtes-vous à la fois le Représentant Légal et le RAE ?",
        "Connectez-vous sur le portail de la Sécurité sociale et activez la ‘Qualité’.",  # seed: "la ‘Qualité."
        *NOT_RAE,
        ALSO_RAE,
    ],
    f"{LR}/designate-local-manager": [
        "… et je voudrais désigner un Gestionnaire Local",
        # seed: "un gestionnaire local"
        "En tant que Représentant Légal, vous ne pouvez pas désigner un Gestionnaire Local directement.",
        "Seul le Responsable Accès Entité (RAE) peut exécuter cette action.",
        "Êtes-vous à la fois le Représentant Légal et le RAE ?",
        "Connectez-vous sur le portail de la Sécurité sociale et activez la ‘Qualité’ pour désigner un Gestionnaire "
        "Local.",
        *NOT_RAE,
        ALSO_RAE,
    ],
    f"{LR}/find-managers": [
        "… et je voudrais savoir qui est le Responsable Accès Entité (RAE) ou le Gestionnaire Local au sein de mon "
        "entreprise",
        "Si votre entreprise est enregistrée, vous avez désigné un RAE.",
        "Si vous souhaitez savoir si l’enregistrement de votre entreprise a bien eu lieu et qui est votre RAE ou "
        "votre Gestionnaire Local, contactez le Centre de contact de la Sécurité sociale.",
    ],
    f"{LR}/manage-role-assignments": [
        "… et je voudrais gérer les attributions de rôle des utilisateurs",
        "En tant que Représentant Légal, vous ne pouvez pas gérer directement les attributions de rôle des "
        "utilisateurs.",
        "Seul le Gestionnaire Local peut exécuter cette tâche.",
        "Un Gestionnaire Local est désigné par le Responsable Accès Entité (RAE).",
        "Faites votre choix :",
        "Je suis également Gestionnaire Local",
        "Je voudrais me désigner ou désigner une autre personne comme Responsable Accès Entité ou Gestionnaire Local",
        "Je voudrais savoir qui est le RAE ou le Gestionnaire Local pour mon entreprise.",
        f"{CONTACT}.",
    ],
    RAE: [
        "Je suis un Responsable Accès Entité …",
        "… et je voudrais :",
        "désigner un co-Responsable Accès Entité",
        "activer une ‘Qualité’",
        "désigner un Gestionnaire Local",
        "savoir qui est le co-Responsable Accès Entité ou le (co-)Gestionnaire Local au sein de mon entreprise",
        "gérer les attributions de rôle des utilisateurs",  # seed, in this list only: "attributions de rôles"
    ],
    f"{RAE}/designate-co-main-access-manager": [
        "… et je voudrais désigner un co-Responsable Accès Entité",
        "Connectez-vous sur le portail de la Sécurité sociale pour désigner un co-Responsable Accès Entité pour "
        "votre entreprise.",
        CO_RAE_RIGHTS,
    ],
    f"{RAE}/activate-capacity": [
        "… et je voudrais activer une ‘Qualité’",
        "Connectez-vous sur le portail de la Sécurité sociale pour activer une ‘Qualité’.",
        CO_RAE_RIGHTS,
    ],
    f"{RAE}/designate-local-manager": [
        "… et je voudrais désigner un Gestionnaire Local",
        "Connectez-vous sur le portail de la Sécurité sociale pour désigner un Gestionnaire Local.",
        "Vous pouvez également vous désigner comme Gestionnaire Local.",
        # seed: "Ou vous pouvez désigner d’autres personnes comme co-Gestionnaire Local … pour eux."
        "Vous pouvez aussi désigner d’autres personnes comme co-Gestionnaires Locaux en activant cette ‘Qualité’ "
        "pour elles.",
    ],
    f"{RAE}/find-managers": [
        "… et je voudrais savoir qui est le co-Responsable Accès Entité ou le (co-)Gestionnaire Local au sein de mon "
        "entreprise",
        # seed: "(co-)Gestionnaire local"
        "Connectez-vous sur le portail de la Sécurité sociale en tant que Responsable Accès Entité pour savoir qui "
        "est le co-Responsable Accès Entité ou le (co-)Gestionnaire Local au sein de votre entreprise.",
    ],
    f"{RAE}/manage-role-assignments": [
        "… et je voudrais gérer les attributions de rôle des utilisateurs",  # seed: "attributions de rôles"
        "En tant que Responsable Accès Entité, vous ne pouvez pas gérer directement les attributions de rôle des "
        "utilisateurs.",
        "Elles seront gérées par le Gestionnaire Local.",
        "Êtes-vous également Gestionnaire Local ?",
        "Connectez-vous à Ma gestion des rôles eGov pour gérer les attributions de rôle des utilisateurs.",
    ],
    LM: [
        "Je suis un Gestionnaire Local …",
        "… et je voudrais :",
        "désigner un co-Gestionnaire Local",
        "savoir qui est le (co-)Responsable Accès Entité ou le (co-)Gestionnaire Local au sein de mon entreprise",
        "gérer les attributions de rôle des utilisateurs",
    ],
    f"{LM}/designate-co-local-manager": [
        "… et je voudrais désigner un co-Gestionnaire Local",
        "Connectez-vous sur le portail de la Sécurité sociale pour désigner un co-Gestionnaire Local.",
        CO_LM_RIGHTS,
    ],
    f"{LM}/find-managers": [
        # seed: "(co-)Responsable Accès Entités"
        "… et je voudrais savoir qui est le (co-)Responsable Accès Entité ou le (co-)Gestionnaire Local au sein de "
        "mon entreprise",
        f"{CONTACT}.",
        CO_LM_RIGHTS,
    ],
    f"{LM}/manage-role-assignments": [
        "… et je voudrais gérer les attributions de rôle des utilisateurs",
        "Connectez-vous à Ma gestion des rôles eGov et gérez les attributions de rôle des utilisateurs dont vous "
        "assurez la gestion.",
    ],
    USER: [
        "Je suis un Utilisateur …",
        "… et je voudrais :",
        "consulter ma liste d’attributions de rôle",
        "faire une demande d’attribution de rôle",
        "demander la désactivation d’un rôle",
        "modifier l’adresse e-mail qui est liée à un ou à plusieurs rôle(s)",
    ],
    f"{USER}/view-role-assignments": [
        "… et je voudrais consulter ma liste d’attributions de rôle",
        "Connectez-vous à Mon profil eGov pour consulter vos attributions de rôle.",
    ],
    f"{USER}/request-role-assignment": [
        "… et je voudrais faire une demande d’attribution de rôle",
        "En tant qu’Utilisateur, vous ne pouvez pas faire la demande d’attribution de rôle vous-même.",
        "Seul un gestionnaire d’attributions de rôle dans Ma gestion des rôles eGov peut vous inviter à accepter une "
        "attribution de rôle en :",
        "vous envoyant un e-mail contenant une invitation à une attribution de rôle",  # seed: "un mail"
        "vous octroyant une attribution directe de rôle",
        "mettant à disposition un lien sur une page web",
    ],
    f"{USER}/deactivate-role": [
        "… et je voudrais demander la désactivation d’un rôle",
        "Connectez-vous à Mon profil eGov pour consulter vos attributions de rôle.",
        "Choisissez ensuite l’attribution de rôle que vous souhaitez désactiver.",
    ],
    f"{USER}/change-email": [
        "… et je voudrais modifier l’adresse e-mail qui est liée à un ou à plusieurs rôle(s)",
        "Connectez-vous à Ma gestion des rôles eGov pour consulter vos attributions de rôle.",
        "Modifiez ensuite l’adresse e-mail qui est liée aux attributions de rôle de votre choix.",
    ],
}


def page_text(html: str) -> str:
    """What a reader reads: the text without tags, the screen-reader-only markers and extra spaces."""
    html = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", html)
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"\s+", " ", text).replace(" .", ".").replace(" ,", ",")


def test_every_seed_sentence_is_on_its_french_page(client, seed, settings):
    settings.LIVE_POINTER_TTL = 0
    factories.publish(seed)
    live.forget()
    missing = []
    for path, sentences in SEED_SENTENCES.items():
        response = client.get(f"/fr/egov-roles/{path}/" if path else "/fr/egov-roles/")
        assert response.status_code == 200, path
        text = page_text(response.text)
        missing += [f"{path or 'start'}: {sentence}" for sentence in sentences if sentence not in text]
    assert not missing, "\n".join(missing)
    assert set(SEED_SENTENCES) - {""} <= set(live.wizard("egov-roles").steps)
