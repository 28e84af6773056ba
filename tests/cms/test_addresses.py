import copy
import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cms import addresses, live, releases
from cms.models import ChangeRequest, LiveRelease, PublicAddress
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


def writes(queries: CaptureQueriesContext) -> list[str]:
    """The statements that wrote public addresses, with the SQL keyword that says how."""
    found = [query["sql"] for query in queries if "cms_publicaddress" in query["sql"]]
    return [sql.split()[0].upper() for sql in found if not sql.lstrip().upper().startswith("SELECT")]


def test_a_one_step_change_going_live_writes_only_what_it_changes(wizard):
    wizard = factories.grow(wizard, 2000)
    factories.publish(wizard)
    rows = PublicAddress.objects.count()
    assert rows > 2000

    def rename(snapshot: dict) -> None:
        child(snapshot["wizard"], "contact")["slug"] = "help"

    with CaptureQueriesContext(connection) as queries:
        republish(wizard, rename)
    # Another wizard's rows under the slug (none), the live rows' time, the renamed step's old address, its new one:
    # never the 2,000 rows again (the projection once deleted and inserted them all, 500 a statement).
    assert writes(queries) == ["DELETE", "UPDATE", "UPDATE", "INSERT"]
    assert PublicAddress.objects.count() == rows + 1
    assert answers()["contact"] == (Answer.MOVED, "demo", "help")
    assert answers()["more/task-1999"] == (Answer.LIVE, "demo", "more/task-1999")


def test_the_same_release_going_live_again_writes_no_row_but_the_time(live_wizard, django_assert_max_num_queries):
    snapshot = releases.live_release(live_wizard).snapshot
    with django_assert_max_num_queries(4), CaptureQueriesContext(connection) as queries:
        addresses.record(live_wizard.pk, snapshot, at=timezone.now())
    assert writes(queries) == ["DELETE", "UPDATE"]  # another wizard's rows under the slug (none), the time


def test_a_row_whose_answer_changes_is_rewritten_and_keeps_when_it_was_last_live(live_wizard):
    republish(live_wizard, lambda snapshot: child(snapshot["wizard"], "contact").update(slug="help"))
    renamed = PublicAddress.objects.get(slug="demo", path="contact")
    republish(live_wizard, lambda snapshot: child(snapshot["wizard"], "help").update(slug="support"))
    now_live = LiveRelease.objects.get(wizard=live_wizard).changed_at
    found = answers()
    assert found["contact"] == (Answer.MOVED, "demo", "support")  # its target moved on: not left pointing at "help"
    assert found["help"] == (Answer.MOVED, "demo", "support")
    assert found["support"] == (Answer.LIVE, "demo", "support")
    assert PublicAddress.objects.get(slug="demo", path="contact").live_at == renamed.live_at < now_live
    assert PublicAddress.objects.get(slug="demo", path="help").live_at < now_live
    assert set(PublicAddress.objects.filter(answer=Answer.LIVE).values_list("live_at", flat=True)) == {now_live}


def test_the_rows_written_release_after_release_are_those_written_at_once(live_wizard):
    def move(snapshot: dict) -> None:
        profiles = child(snapshot["wizard"], "profiles")
        citizen = child(profiles, "citizen")
        profiles["children"].remove(citizen)
        snapshot["wizard"]["children"].append(citizen)

    def remove(snapshot: dict) -> None:
        snapshot["wizard"]["children"] = [each for each in snapshot["wizard"]["children"] if each["slug"] != "citizen"]

    first = live_wizard.releases.get()
    republish(live_wizard, lambda snapshot: child(snapshot["wizard"], "contact").update(slug="help"))
    republish(live_wizard, move)
    republish(live_wizard, remove)
    releases.make_live(first, event="rollback")
    republish(live_wizard, lambda snapshot: snapshot["wizard"].update(slug="demo-two"))
    fields = ("slug", "path", "uid", "parent_uid", "answer", "live_slug", "target")
    step_by_step = set(PublicAddress.objects.values_list(*fields))
    assert len(step_by_step) == 20
    PublicAddress.objects.all().delete()
    importlib.import_module("cms.migrations.0010_public_address").project_past_releases(apps, None)
    assert set(PublicAddress.objects.values_list(*fields)) == step_by_step
