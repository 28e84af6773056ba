import gc
import weakref

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms import live, releases
from cms.models import LiveRelease
from tests import factories
from wizard.models import wizard_step_paths


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    settings.LIVE_POINTER_TTL = 60
    live.forget()
    live._cache.releases.clear()
    yield
    live.forget()


def test_the_live_wizard_is_read_from_its_release(live_wizard):
    found = live.wizard("demo")
    assert found.number == 1
    assert found.root.text("title", "nl") == ("Titel demo", "nl")
    assert found.steps["profiles/citizen/apply"].parent == "profiles/citizen"
    assert found.steps["profiles"].children == ["profiles/citizen", "profiles/company"]
    assert found.link_url("contact-center", "nl") == "https://www.example.org/nl/contact"


def test_untranslated_text_falls_back_to_french_and_says_so(live_wizard):
    step = live.wizard("demo").steps["contact"]
    assert step.text("body", "de") == ("Appelez [le centre](link:contact-center).", "fr")
    assert live.wizard("demo").link_url("portal", "de") == "https://portal.example.org/?lang=fr"


def test_drafts_are_not_live(wizard):
    assert live.wizard("demo") is None
    contact = wizard_step_paths(wizard)["contact"]
    factories.publish(wizard)
    live.forget()
    contact.title_fr = "Brouillon"
    contact.save()
    assert live.wizard("demo").steps["contact"].text("title", "fr")[0] == "Titre contact"


def test_reading_the_live_wizard_again_costs_no_query_within_the_delay(live_wizard):
    live.wizard("demo")
    with CaptureQueriesContext(connection) as queries:
        for _ in range(5):
            assert live.wizard("demo") is not None
    assert len(queries) == 0


def test_after_the_delay_the_pointer_costs_one_query_and_no_tree_query(live_wizard, settings):
    live.wizard("demo")
    settings.LIVE_POINTER_TTL = 0
    with CaptureQueriesContext(connection) as queries:
        live.wizard("demo")
    assert len(queries) == 1
    assert "wizard_node" not in queries[0]["sql"]


def test_another_process_follows_a_publish_within_the_delay(live_wizard, settings):
    assert live.wizard("demo").number == 1
    contact = wizard_step_paths(live_wizard)["contact"]
    contact.title_fr = "Nouveau"
    contact.save()
    release = releases.create(live_wizard, user=None)
    # Another process moved the pointer: this one's cache has not been told.
    LiveRelease.objects.filter(wizard=live_wizard).update(release=release)
    assert live.wizard("demo").number == 1  # still within the delay
    settings.LIVE_POINTER_TTL = 0
    assert live.wizard("demo").number == 2
    assert live.wizard("demo").steps["contact"].text("title", "fr")[0] == "Nouveau"


def test_this_process_sees_its_own_publish_at_once(live_wizard, django_capture_on_commit_callbacks):
    live.wizard("demo")
    with django_capture_on_commit_callbacks(execute=True):
        factories.publish(live_wizard)
    assert live.wizard("demo").number == 2


def test_a_release_no_longer_live_is_freed(live_wizard, settings, django_capture_on_commit_callbacks):
    point_back(live.wizard("demo"))  # what derives from a release may point back at it
    gone = weakref.ref(live.wizard("demo"))
    with django_capture_on_commit_callbacks(execute=True):
        factories.publish(live_wizard)
    assert live.wizard("demo").number == 2
    gc.collect()
    assert gone() is None


def point_back(release: live.LiveWizard) -> None:
    release.remember("cycle", lambda: {"release": release})


def test_loading_a_release_leaves_the_garbage_collector_alone(live_wizard, monkeypatch):
    """A process-wide decision belongs to the server's start-up (gunicorn.conf.py), not to request code."""
    calls = []
    monkeypatch.setattr(gc, "collect", lambda *args: calls.append("collect"))
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    assert live.wizard("demo") is not None
    assert calls == []
