from cms import live, pages


def test_page_cache_drops_the_least_recently_used_page():
    cache = pages.PageCache(2)
    calls = []

    def page(name: str):
        return lambda: calls.append(name) or name.upper()

    assert cache.get("a", page("a")) == "A"
    assert cache.get("b", page("b")) == "B"
    assert cache.get("a", page("a")) == "A"  # kept, and now the most recent
    cache.get("c", page("c"))  # drops "b"
    cache.get("a", page("a"))
    cache.get("b", page("b"))
    assert calls == ["a", "b", "c", "b"]


def test_step_urls():
    assert pages.step_url("egov-roles", "nl", "") == "/nl/egov-roles/"
    assert pages.step_url("egov-roles", "de", "profiles/user") == "/de/egov-roles/profiles/user/"


def test_titles_tell_tasks_of_different_profiles_apart(live_wizard):
    found = live.wizard("demo")
    citizen = pages.page_title(found, found.steps["profiles/citizen/apply"], "fr")
    company = pages.page_title(found, found.steps["profiles/company/apply"], "fr")
    assert citizen == "Titre apply – Citoyen – Titre demo"
    assert company == "Titre apply – Entreprise – Titre demo"


def test_whereabouts_of_an_address_never_published(live_wizard):
    assert pages.whereabouts(live.wizard("demo"), "never/was") == pages.Whereabouts()
