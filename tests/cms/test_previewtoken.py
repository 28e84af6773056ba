import pytest
from django.core.management import CommandError, call_command

from cms import preview


def test_the_command_prints_a_token_that_opens_the_draft_in_the_api(client, wizard, capsys):
    call_command("previewtoken", "demo")
    token, url = capsys.readouterr().out.split()
    assert preview.is_valid(token, wizard)
    assert url == f"/api/v1/wizards/demo/?release=draft&token={token}"
    assert client.get(url).status_code == 200


def test_an_unknown_wizard_is_bad_usage(db):
    with pytest.raises(CommandError, match="No wizard") as error:
        call_command("previewtoken", "nope")
    assert error.value.returncode == 2
