from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.utils import timezone

from cms.linkcheck import probe, run
from cms.linkcheck.probe import Outcome
from cms.models import LinkCheck
from tests import factories
from tests.cms.linkcheck.conftest import options


def test_per_host_concurrency_never_exceeds_the_limit(farm2):
    urls = [farm2.url(f"/slow/0.2?n={n}", host=host) for host in farm2.hosts for n in range(12)]
    results = run.run_blocking(run.probe_all(urls, options(per_host=4, concurrency=32)))
    assert {r.outcome for r in results} == {Outcome.OK}
    assert farm2.stats.max_in_flight == {"127.0.0.1": 4, "127.0.0.2": 4}
    assert farm2.stats.max_in_flight_all == 8  # the hosts are checked side by side


def test_global_concurrency_never_exceeds_the_limit(farm2):
    urls = [farm2.url(f"/slow/0.1?n={n}", host=host) for host in farm2.hosts for n in range(8)]
    run.run_blocking(run.probe_all(urls, options(per_host=4, concurrency=3)))
    assert farm2.stats.max_in_flight_all == 3


def test_each_distinct_url_is_checked_once(farm):
    urls = [farm.url("/ok"), farm.url("/ok"), farm.url("/ok#part"), farm.url("/status/404")]
    results = run.run_blocking(run.probe_all(urls, options()))
    assert [r.url for r in results] == urls
    assert farm.stats.hits["/ok"] == 1


def test_connections_are_kept_alive_between_head_requests(farm):
    urls = [farm.url(f"/ok?n={n}") for n in range(6)]
    run.run_blocking(run.probe_all(urls, options(per_host=1)))
    assert farm.stats.requests["127.0.0.1"] == 6
    assert farm.stats.connections == 1


def test_progress_is_reported_for_each_url(farm):
    seen = []
    run.run_blocking(run.probe_all([farm.url("/ok"), farm.url("/status/404")], options(), lambda *a: seen.append(a)))
    assert [done for done, _total, _failed in seen] == [1, 2]
    assert seen[-1] == (2, 2, 1)  # done, total, failed so far


def test_one_failure_is_unstable_and_two_in_a_row_are_broken(farm, db):
    url = farm.url("/status/404")
    first = run.check([url], record=True)
    row = LinkCheck.objects.get(url=url)
    assert (row.status, row.consecutive_failures, row.http_status) == ("unstable", 1, 404)
    assert first.broken == []
    first_failure = row.first_failure_at
    second = run.check([url], record=True)
    row.refresh_from_db()
    assert (row.status, row.consecutive_failures) == ("broken", 2)
    assert row.first_failure_at == first_failure
    assert [r.url for r in second.broken] == [url]


def test_a_success_clears_the_failure_history(db):
    row = LinkCheck(url="https://x.test/", consecutive_failures=3, status="broken", first_failure_at=timezone.now())
    now = timezone.now()
    run.apply(row, probe.Result("https://x.test/", Outcome.OK, http_status=200, response_ms=12), now)
    assert (row.status, row.consecutive_failures, row.first_failure_at) == ("ok", 0, None)
    assert row.last_success_at == row.last_checked_at == now
    assert row.response_ms == 12


def test_a_permanent_redirect_is_stored_with_its_new_address(farm, db):
    url = farm.url("/chain/1?code=301")
    run.check([url], record=True)
    row = LinkCheck.objects.get(url=url)
    assert (row.status, row.final_url) == ("redirect", farm.url("/chain/0?code=301"))
    assert row.last_success_at is not None


def test_refused_url_is_reported_as_refused_not_broken(farm, db, settings):
    settings.LINKCHECK_ALLOW_PRIVATE = []
    url = farm.url("/ok")
    for _ in range(2):
        report = run.check([url], record=True)
    row = LinkCheck.objects.get(url=url)
    assert (row.status, row.consecutive_failures) == ("refused", 0)
    assert report.broken == []


def test_urls_given_are_judged_by_this_run_alone_and_not_stored(farm, db):
    report = run.check([farm.url("/status/500"), farm.url("/ok")])
    assert [r.url for r in report.broken] == [farm.url("/status/500")]
    assert not LinkCheck.objects.exists()


def test_a_full_run_checks_draft_and_live_content_and_forgets_unused_urls(farm, db):
    wizard = factories.make_content({"portal": {"fr": farm.url("/ok"), "nl": farm.url("/status/404")}}, {
        "apply": f"[Loi]({farm.url('/chain/2')}) et [portail](link:portal)",
    })  # fmt: skip
    factories.publish(wizard)
    LinkCheck.objects.create(url="https://gone.test/", status="broken")
    report = run.check()
    assert {row.url: row.status for row in LinkCheck.objects.all()} == {
        farm.url("/ok"): "ok", farm.url("/status/404"): "unstable", farm.url("/chain/2"): "ok"
    }  # fmt: skip
    assert report.counts() == {"ok": 2, "unstable": 1}
    assert farm.stats.hits["/ok"] == 1  # used by the draft and the live release, checked once


@pytest.fixture
def editors(db):
    editor = factories.make_user("editor", "Editors")
    staff = factories.make_user("staffer")
    staff.user_permissions.add(Permission.objects.get(codename="change_linktarget"))
    factories.make_user("reviewer", "Reviewers")
    factories.make_user("visitor", staff=False)
    nomail = factories.make_user("nomail", "Editors")
    nomail.email = ""
    nomail.save()
    return editor, staff


def test_editors_are_the_editors_group_and_staff_who_may_change_content(editors):
    assert run.editor_emails() == ["editor@example.org", "staffer@example.org"]


def test_editors_get_one_email_when_a_url_becomes_broken(farm, editors):
    wizard = factories.make_content({"portal": {"fr": farm.url("/status/410")}}, {"apply": "[portail](link:portal)"})
    run.check()
    assert mail.outbox == []  # unstable: no alarm yet
    run.check()
    assert sorted(message.to[0] for message in mail.outbox) == ["editor@example.org", "staffer@example.org"]
    body = mail.outbox[0].body
    assert farm.url("/status/410") in body
    assert "HTTP 410" in body
    assert "step “apply” of “demo” (body, fr, draft) via link target “portal”" in body
    assert "/admin/cms/linkcheck/broken/" in body
    run.check()
    assert len(mail.outbox) == 2  # still broken: no new email
    assert wizard.pk


def test_history_survives_between_runs_only_for_urls_still_in_use(db):
    old = timezone.now() - timedelta(days=1)
    row = LinkCheck.objects.create(
        url="https://x.test/", status="unstable", consecutive_failures=1, first_failure_at=old
    )
    rows, newly_broken = run.store([probe.Result("https://x.test/", Outcome.BROKEN, error="HTTP 500")])
    row.refresh_from_db()
    assert (row.status, row.first_failure_at, newly_broken) == ("broken", old, rows)
    run.store([], prune=True)
    assert not LinkCheck.objects.exists()


def test_a_mail_server_that_is_down_does_not_fail_the_run(farm, editors, monkeypatch, caplog):
    def down(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(run, "send_mass_mail", down)
    url = farm.url("/status/404")
    run.check([url], record=True)
    report = run.check([url], record=True)
    assert [row.url for row in report.broken] == [url]
    assert "Could not email editors" in caplog.text
