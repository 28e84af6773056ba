"""Which URLs a submission has checked in the background (jobs.new_urls) and how the request is queued."""

import copy

from cms import releases, workflow
from cms.linkcheck import jobs
from cms.models import LinkCheckRun
from wizard.models import LinkTarget

PORTAL = "https://portal.example.org/?lang=fr"  # the French URL of the link target "portal"


def link(snapshot: dict, key: str) -> dict:
    [entry] = [entry for entry in snapshot["links"] if entry["key"] == key]
    return entry


def test_nothing_changed_nothing_to_check(wizard):
    snapshot = releases.freeze(wizard)
    assert jobs.new_urls(snapshot, compared_to=copy.deepcopy(snapshot)) == []


def test_a_first_release_checks_every_url(wizard):
    assert set(jobs.new_urls(releases.freeze(wizard), compared_to=None)) == {
        "https://www.example.org/fr/contact",
        "https://www.example.org/nl/contact",
        PORTAL,
    }


def test_a_new_german_url_of_an_existing_target_is_checked_even_when_used_elsewhere(wizard):
    old = releases.freeze(wizard)
    new = copy.deepcopy(old)
    # The same address as another target's: known to the live release, but new where German readers are sent.
    link(new, "contact-center")["url"]["de"] = PORTAL
    assert jobs.new_urls(new, compared_to=old) == [PORTAL]


def test_a_changed_url_in_one_language_is_checked_not_the_others(wizard):
    old = releases.freeze(wizard)
    new = copy.deepcopy(old)
    link(new, "contact-center")["url"]["nl"] = "https://www.example.org/nl/contact-opnemen"
    assert jobs.new_urls(new, compared_to=old) == ["https://www.example.org/nl/contact-opnemen"]


def test_a_url_written_in_a_step_is_checked_where_it_is_new(wizard):
    old = releases.freeze(wizard)
    new = copy.deepcopy(old)
    new["wizard"]["children"][1]["body"]["de"] = f"Siehe [Portal]({PORTAL})."
    assert jobs.new_urls(new, compared_to=old) == [PORTAL]


def test_submitting_queues_a_check_of_the_new_and_changed_urls(live_wizard, editor):
    LinkTarget.objects.filter(key="contact-center").update(url_de=PORTAL)
    workflow.submit(live_wizard, author=editor)
    [run] = LinkCheckRun.objects.all()
    assert (run.urls, run.reason) == ([PORTAL], LinkCheckRun.Reason.SUBMISSION)
