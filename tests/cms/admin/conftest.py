import pytest


@pytest.fixture
def client(client):
    """The admin in English, the language its refusals are written in (without the header it speaks French)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
