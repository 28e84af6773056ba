import re
import time

import pytest
from django.test import Client

from cms import live
from cms.site import feedback
from tests import factories
from wizard.models import Feedback, wizard_step_paths

TASK = "/nl/demo/profiles/citizen/apply/"


def form(step_path: str = "profiles/citizen/apply", *, age: float = 10, **fields: str) -> dict[str, str]:
    """What a visitor's browser posts, `age` seconds after the page was shown."""
    step = live.wizard("demo").steps[step_path]
    return {"token": feedback.make_token(step, now=time.time() - age), "helpful": "yes", "comment": "", **fields}


def test_a_task_page_asks_whether_it_helped(client, live_wizard):
    html = client.get(TASK).text
    assert "Heeft deze pagina u geholpen?" in html
    assert 'name="token"' in html
    assert "__wizard_feedback_token__" not in html
    assert 'id="feedback"' not in client.get("/nl/demo/profiles/citizen/").text  # a choice, not a task


def test_an_answer_is_stored_per_step_and_thanked_without_a_cookie(live_wizard):
    client = Client(enforce_csrf_checks=True)  # no CSRF cookie exists, and none is needed
    response = client.post(TASK, form(helpful="no", comment="  Trop vague.  "))
    assert response.status_code == 303
    assert response["Location"] == "/nl/demo/profiles/citizen/apply/?feedback=thanks#feedback"
    assert not response.cookies
    answer = Feedback.objects.get()
    step = wizard_step_paths(live_wizard)["profiles/citizen/apply"]
    assert (answer.step_uid, answer.wizard_slug, answer.step_path) == (step.uid, "demo", "profiles/citizen/apply")
    assert (answer.language, answer.release_number) == ("nl", 1)
    assert (answer.is_helpful, answer.comment) == (False, "Trop vague.")
    thanked = client.get(response["Location"])
    assert "Bedankt!" in thanked.text
    assert "<form" not in thanked.text


@pytest.mark.parametrize(
    "fields",
    [
        {"website": "http://spam.example"},  # the honeypot
        {"age": 3 * 24 * 3600},  # a form kept for days
        {"token": "forged"},
        {"helpful": "maybe"},
        {"comment": "x" * 501},
    ],
)
def test_suspicious_answers_are_refused(client, live_wizard, fields):
    age = fields.pop("age", 10)
    response = client.post(TASK, form(age=age, **fields))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert not Feedback.objects.exists()
    assert "Uw antwoord kon niet worden opgeslagen" in response.text


def test_a_token_for_another_step_is_refused(client, live_wizard):
    client.post(TASK, form("profiles/citizen/renew"))
    assert not Feedback.objects.exists()


def test_one_address_cannot_flood(client, live_wizard, settings):
    for _ in range(settings.WIZARD_FEEDBACK_FLOOD_LIMIT):
        client.post(TASK, form())
    assert client.post(TASK, form()).status_code == 200  # refused: the form again
    assert Feedback.objects.count() == settings.WIZARD_FEEDBACK_FLOOD_LIMIT
    other = client.post(TASK, form(), REMOTE_ADDR="192.0.2.7")
    assert other["Location"].endswith("feedback=thanks#feedback")


def test_behind_a_proxy_the_limit_counts_per_visitor_not_for_the_whole_site(client, live_wizard, settings):
    settings.TRUSTED_PROXIES, settings.TRUSTED_PROXY_COUNT = ["127.0.0.1/32"], 1
    for _ in range(settings.WIZARD_FEEDBACK_FLOOD_LIMIT + 1):
        client.post(TASK, form(), REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    other = client.post(TASK, form(), REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert other["Location"].endswith("feedback=thanks#feedback")
    # A flooder cannot escape the limit by writing a header of its own: the proxy appends the real address.
    spoofed = client.post(TASK, form(), REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.9")
    assert spoofed["Location"].endswith("feedback=retry#feedback")


def test_only_task_pages_take_answers(client, live_wizard):
    assert client.post("/nl/demo/contact/", form()).status_code == 405
    assert not Feedback.objects.exists()


def test_editors_see_the_answers_per_step(admin_client, client, live_wizard):
    client.post(TASK, form(helpful="yes"))
    client.post(TASK, form(helpful="no", comment="Pas clair"), REMOTE_ADDR="192.0.2.8")
    step = wizard_step_paths(live_wizard)["profiles/citizen/apply"]
    page = admin_client.get(f"/admin/wizard/node/{step.pk}/change/").text
    assert f"?step_uid={step.uid}" in page
    listing = admin_client.get(f"/admin/wizard/feedback/?step_uid={step.uid}")
    assert listing.status_code == 200
    assert "Pas clair" in listing.text
    assert 'href="/nl/demo/profiles/citizen/apply/"' in listing.text
    assert admin_client.get("/admin/wizard/feedback/?is_helpful__exact=0&language__exact=nl").status_code == 200
    assert admin_client.get("/admin/wizard/feedback/add/").status_code == 403


def test_a_quick_yes_with_the_pages_own_token_is_recorded(client, live_wizard):
    token = re.search(r'name="token" value="([^"]+)"', client.get(TASK).text).group(1)
    # At once: a reader who sees at a glance that the page helped is not taken for a robot.
    response = client.post(TASK, {"token": token, "helpful": "yes"})
    assert response["Location"].endswith("feedback=thanks#feedback")
    assert Feedback.objects.get().is_helpful


def test_a_refused_answer_is_kept_in_the_form_with_a_fresh_token(client, live_wizard):
    old = form(age=3 * 24 * 3600, helpful="no", comment="Le lien <b>ne marche pas</b>")
    response = client.post(TASK, old)
    assert not Feedback.objects.exists()
    assert 'value="no" required checked' in response.text
    assert 'value="yes" required checked' not in response.text
    assert "Le lien &lt;b&gt;ne marche pas&lt;/b&gt;</textarea>" in response.text
    token = re.search(r'name="token" value="([^"]+)"', response.text).group(1)
    assert token != old["token"]
    again = client.post(TASK, {**old, "token": token})
    assert again["Location"].endswith("feedback=thanks#feedback")
    assert Feedback.objects.get().comment == "Le lien <b>ne marche pas</b>"
    assert "checked" not in client.get(TASK).text  # the cached page keeps no one's answer


@pytest.mark.parametrize("group", ["Editors", "Reviewers"])
def test_editors_and_reviewers_read_the_feedback_in_the_admin(client, db, group):
    client.force_login(factories.make_user("someone", group))
    assert client.get("/admin/wizard/feedback/").status_code == 200
