from cms import live, pages


def test_step_urls():
    assert pages.step_url("egov-roles", "nl", "") == "/nl/egov-roles/"
    assert pages.step_url("egov-roles", "de", "profiles/user") == "/de/egov-roles/profiles/user/"


def test_titles_tell_tasks_of_different_profiles_apart(live_wizard):
    found = live.wizard("demo")
    citizen = pages.page_title(found, found.steps["profiles/citizen/apply"], "fr")
    company = pages.page_title(found, found.steps["profiles/company/apply"], "fr")
    assert citizen == "Titre apply – Citoyen – Titre demo"
    assert company == "Titre apply – Entreprise – Titre demo"
