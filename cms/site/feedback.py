"""“Did this page help you?”: record a visitor's answer without a cookie, a CSRF token or any personal data.

No cookie means no CSRF cookie, so the form defends itself instead: a hidden field that people leave empty and
robots fill in (the honeypot), a signed token bound to the step and at most a day old (so a robot must fetch the
page of that very step first, and cannot replay a harvested token for ever), a cap on the comment's length, and a
per-address flood limit kept in the cache under a salted hash of the address, never in the database.

There is deliberately no minimum time between showing the form and answering it. Such a rule refused a reader who
saw at a glance that the page helped and pressed "Yes" within two seconds, the very answer we most want, while a
robot defeats it by waiting: it cost honest readers more than it cost spammers. What it guarded against (many
answers sent quickly) is what the flood limit bounds, per address, whatever the speed of each answer.

A refused answer is not lost either: the page shows the form again with the reader's answer and comment kept and a
fresh token, so one more press sends it (see `cms.site.views`).
"""

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest

from cms import clientip
from cms.live import LiveWizard, Step
from wizard.models import Feedback

SALT = "wizard.feedback"
HONEYPOT = "website"
COMMENT_MAX = 500


class Refused(Exception):
    """The answer was not recorded; the message says why (for logs and tests, never shown verbatim)."""


@dataclass(frozen=True)
class Answer:
    is_helpful: bool
    comment: str


def make_token(step: Step, *, now: float | None = None) -> str:
    """A signed "this form was shown for this step at this time", put in the form on every request."""
    return signing.dumps({"u": step.uid, "t": int(now if now is not None else time.time())}, salt=SALT)


_recent_tokens: dict[str, tuple[int, str]] = {}


def current_token(step: Step) -> str:
    """`make_token(step)` for now; a token only says the second, so a busy page signs once a second, not always."""
    second = int(time.time())
    found = _recent_tokens.get(step.uid)
    if found is None or found[0] != second:
        if len(_recent_tokens) > 10_000:
            _recent_tokens.clear()
        found = _recent_tokens[step.uid] = (second, make_token(step, now=second))
    return found[1]


def check(request: HttpRequest, step: Step, *, now: float | None = None) -> Answer:
    """The visitor's answer, or Refused."""
    now = now if now is not None else time.time()
    data = request.POST
    if data.get(HONEYPOT):
        raise Refused("honeypot filled in")
    try:
        token = signing.loads(data.get("token", ""), salt=SALT)
    except signing.BadSignature as error:
        raise Refused("bad token") from error
    if token.get("u") != step.uid:
        raise Refused("token for another step")
    age = now - token.get("t", 0)
    if age > settings.WIZARD_FEEDBACK_MAX_SECONDS:
        raise Refused("form too old")
    helpful = data.get("helpful")
    if helpful not in {"yes", "no"}:
        raise Refused("no answer")
    comment = data.get("comment", "").strip()
    if len(comment) > COMMENT_MAX:
        raise Refused("comment too long")
    if _flooding(request, now):
        raise Refused("too many answers from one address")
    return Answer(is_helpful=helpful == "yes", comment=comment)


def _flooding(request: HttpRequest, now: float) -> bool:
    """Count this answer against its address; True past the limit. The address is hashed with the secret key."""
    window = settings.WIZARD_FEEDBACK_FLOOD_WINDOW
    address = clientip.address(request)
    bucket = int(now // window)
    digest = hashlib.sha256(f"{settings.SECRET_KEY}|{address}|{bucket}".encode()).hexdigest()[:32]
    key = f"wizard-feedback:{digest}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > settings.WIZARD_FEEDBACK_FLOOD_LIMIT


def record(live: LiveWizard, step: Step, answer: Answer, *, lang: str) -> Feedback:
    return Feedback.objects.create(
        wizard_slug=live.slug,
        step_uid=step.uid,
        step_path=step.path,
        language=lang,
        release_number=live.number,
        is_helpful=answer.is_helpful,
        comment=answer.comment,
    )
