"""Signed, expiring preview links: whoever holds one may see a wizard's current draft, without an account."""

from django.conf import settings
from django.core import signing

from wizard.models import Node

SALT = "cms.preview"


def make_token(wizard: Node) -> str:
    """A token for `wizard`'s draft, on the site and in the API; it works for settings.PREVIEW_LINK_MAX_AGE seconds."""
    return signing.TimestampSigner(salt=SALT).sign(str(wizard.uid))


def is_valid(token: str, wizard: Node) -> bool:
    try:
        unsigned = signing.TimestampSigner(salt=SALT).unsign(token, max_age=settings.PREVIEW_LINK_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return False
    return unsigned == str(wizard.uid)
