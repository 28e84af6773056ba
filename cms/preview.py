"""Signed, expiring preview links: whoever holds one may see a wizard's current draft, without an account."""

from django.core import signing

from wizard.models import Node

SALT = "cms.preview"
DEFAULT_MAX_AGE = 24 * 3600


def make_token(wizard: Node) -> str:
    """A token for `wizard`'s draft; it stops working after `max_age` seconds (checked by `is_valid`)."""
    return signing.TimestampSigner(salt=SALT).sign(str(wizard.uid))


def is_valid(token: str, wizard: Node, *, max_age: int = DEFAULT_MAX_AGE) -> bool:
    try:
        return signing.TimestampSigner(salt=SALT).unsign(token, max_age=max_age) == str(wizard.uid)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return False
