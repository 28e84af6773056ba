import copy
import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from cms import addresses, live, releases
from cms.models import ChangeRequest, PublicAddress
from tests import factories

Answer = PublicAddress.Answer


def republish(wizard, change) -> releases.Release:
    snapshot = copy.deepcopy(releases.live_release(wizard).snapshot)
    change(snapshot)
    release = releases.create(wizard, snapshot=snapshot, user=None)
    releases.make_live(release)
    return release


def child(entry: dict, slug: str) -> dict:
    return next(each for each in entry["children"] if each["slug"] == slug)


def answers(slug: str = "demo") -> dict[str, tuple[str, str, str]]:
    rows = PublicAddress.objects.filter(slug=slug).values_list("path", "answer", "live_slug", "target")
    return {path: (answer, live_slug, target) for path, answer, live_slug, target in rows}


def test_every_address_of_the_live_release_is_recorded_as_live(live_wizard):
    found = answers()
    assert set(found) == {"", "profiles", "profiles/citizen", "profiles/citizen/apply", "profiles/citizen/renew",
                          "profiles/company", "profiles/company/apply", "contact"}  # fmt: skip
    assert {answer for answer, _slug, _target in found.values()} == {Answer.LIVE}


def test_an_address_never_live_has_no_answer(live_wizard):
    assert live.address("demo", "never/was") is None
    assert live.address("demo", "contact") is None  # live: the release answers, not the projection
    assert live.address("no-such-wizard", "") is None


def test_a_renamed_and_a_removed_step(live_wizard):
    def change(snapshot: dict) -> None:
        child(snapshot["wizard"], "contact")["slug"] = "help"
        profiles = child(snapshot["wizard"], "profiles")
        profiles["children"] = [each for each in profiles["children"] if each["slug"] != "citizen"]

    republish(live_wizard, change)
    found = answers()
    assert found["contact"] == (Answer.MOVED, "demo", "help")
    assert found["profiles/citizen"] == (Answer.GONE, "demo", "profiles")
    assert found["profiles/citizen/renew"] == (Answer.GONE, "demo", "profiles")  # the nearest live ancestor
    assert found["help"] == (Answer.LIVE, "demo", "help")


def test_a_rollback_keeps_what_the_public_saw_and_answers_against_the_earlier_release(live_wizard):
    first = live_wizard.releases.get()

    def change(snapshot: dict) -> None:
        child(snapshot["wizard"], "contact")["slug"] = "help"
        snapshot["wizard"]["children"].append({"uid": "0" * 32, **factories.step("news", "info")})

    republish(live_wizard, change)
    releases.make_live(first, event="rollback")
    found = answers()
    assert found["help"] == (Answer.MOVED, "demo", "contact")  # seen live: it leads back to where the step is
    assert found["news"] == (Answer.GONE, "demo", "")  # seen live, not in the release live now
    assert found["contact"] == (Answer.LIVE, "demo", "contact")


def test_a_renamed_wizard_leads_every_old_address_to_the_new_one(live_wizard):
    republish(live_wizard, lambda snapshot: snapshot["wizard"].update(slug="demo-two"))
    assert live.address("demo", "") == addresses.Found(Answer.MOVED, "demo-two", "")
    assert live.address("demo", "profiles/citizen") == addresses.Found(Answer.MOVED, "demo-two", "profiles/citizen")
    assert live.address("demo", "made-up") is None


def test_a_slug_taken_by_another_wizard_is_that_wizards(client, live_wizard):
    factories.edit(live_wizard, "", slug="demo-two")
    factories.publish(live_wizard)
    newcomer = factories.make_wizard("demo", children=[factories.step("other", "info")])
    factories.publish(newcomer)
    assert set(answers("demo")) == {"", "other"}  # the first wizard's old addresses are the newcomer's now
    assert live.address("demo", "profiles/citizen") is None
    # The first wizard publishing again does not take them back.
    republish(live_wizard, lambda snapshot: child(snapshot["wizard"], "contact").update(slug="help"))
    assert set(answers("demo")) == {"", "other"}
    live.forget()
    assert client.get("/fr/demo/profiles/").status_code == 404


def test_the_migration_writes_addresses_from_the_releases_that_were_live(live_wizard, editor, reviewer):
    from cms import workflow

    republish(live_wizard, lambda snapshot: child(snapshot["wizard"], "contact").update(slug="help"))
    factories.edit(live_wizard, "contact", editor, slug="later")
    workflow.approve(
        workflow.submit(live_wizard, author=editor), reviewer=reviewer, publish_at=timezone.now() + timedelta(days=9)
    )
    assert ChangeRequest.objects.get().status == ChangeRequest.Status.SCHEDULED
    expected = answers()
    PublicAddress.objects.all().delete()
    migration = importlib.import_module("cms.migrations.0010_public_address")
    migration.project_past_releases(apps, None)
    assert answers() == expected
    assert "later" not in expected


@pytest.mark.parametrize("slug", ["demo", "nothing"])
def test_a_lookup_under_another_slug_is_one_query(live_wizard, django_assert_num_queries, slug):
    with django_assert_num_queries(1):
        live.address(slug, "profiles/citizen")
