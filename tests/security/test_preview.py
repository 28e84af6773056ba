"""Attack: tell which wizards exist unpublished by how /preview/ answers for them and for made-up slugs."""

import pytest

from cms import preview
from tests import factories

UNPUBLISHED, UNKNOWN = "unpublished", "no-such-wizard"


def strip_slug(text: str, slug: str) -> str:
    """An answer with the asked slug taken out: a login redirect names the page asked for, and only that may differ."""
    return text.replace(slug, "SLUG")


@pytest.mark.parametrize("path", ["", "contact/"])
@pytest.mark.parametrize("who", ["anonymous", "citizen"])
@pytest.mark.parametrize("token", [None, "forged:token", "another-wizards-token"])
def test_preview_answers_alike(client, live_wizard, path, who, token):
    factories.make_wizard(UNPUBLISHED)
    if who == "citizen":
        client.force_login(factories.make_user("citizen", staff=False))
    query = {}
    if token == "another-wizards-token":
        query["token"] = preview.make_token(live_wizard)
    elif token:
        query["token"] = token
    answers = []
    for slug in (UNPUBLISHED, UNKNOWN):
        response = client.get(f"/preview/fr/{slug}/{path}", query)
        answers.append(
            (
                response.status_code,
                strip_slug(response.get("Location", ""), slug),
                strip_slug(response.content.decode(), slug),
            )
        )
    assert answers[0] == answers[1]
    assert answers[0][0] == (302 if token is None else 403)


def test_staff_still_see_which_wizards_exist(admin_client, db):
    factories.make_wizard(UNPUBLISHED)
    assert admin_client.get(f"/preview/fr/{UNPUBLISHED}/").status_code == 200
    assert admin_client.get(f"/preview/fr/{UNKNOWN}/").status_code == 404
