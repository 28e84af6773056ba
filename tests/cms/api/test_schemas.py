"""Schemathesis generates requests from the OpenAPI document and checks every answer against it."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from cms.wsgi import application
from tests import factories
from wizard import exchange

SEED = Path(__file__).resolve().parents[3] / "fixtures" / "egov-roles.yaml"

# Reading the document needs no database, so it is loaded once, at collection.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def seed_wizard(db) -> Iterator[None]:
    # The seed wizard, published: the document's examples (egov-roles, profiles/…) reach real steps.
    factories.publish(exchange.load(exchange.read(SEED.read_bytes())))
    # Schemathesis calls the real WSGI application, whose request signals would close the test's connection
    # (and lose its transaction, on PostgreSQL); Django's own test client disconnects them the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_openapi_document(case, seed_wizard):
    # Every check schemathesis has: no server error, status codes, content types, headers and bodies as documented.
    case.call_and_validate()


def test_the_document_says_which_language_a_link_leads_to(client):
    components = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    for name in ("LinkTarget", "Reference"):
        assert "url_lang" in components[name]["properties"], name
        assert "url_lang" in components[name]["required"], name
