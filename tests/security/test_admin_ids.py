"""Malformed ids in admin URLs and forms answer 4xx, never a 500 (issue 17, item 7)."""

import pytest
from django.contrib import admin
from django.urls import reverse
from reversion.admin import VersionAdmin

from tests import factories
from wizard.models import Node


@pytest.fixture
def superuser_client(client, db):
    client.force_login(factories.make_user("root", superuser=True))
    client.raise_request_exception = False  # a crash shows as the 500 the visitor would get
    return client


def admin_pages_with_an_id(object_id: str) -> list[str]:
    """Every admin page of every registered model that takes an object id, and reversion's history pages."""
    pages = []
    for model, model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{object_id}"
        pages += [f"{base}/change/", f"{base}/delete/", f"{base}/history/"]
        if isinstance(model_admin, VersionAdmin):
            pages.append(f"{base}/history/1/")
    return pages


def test_a_non_numeric_change_request_id_is_not_found(superuser_client):
    response = superuser_client.get("/admin/cms/changerequest/abc/change/")
    assert response.status_code == 404


@pytest.mark.parametrize("object_id", ["abc", "1.5", "%00", "9999999999999999999999"])
def test_no_admin_page_crashes_on_a_malformed_id(superuser_client, live_wizard, object_id):
    crashed = [page for page in admin_pages_with_an_id(object_id) if superuser_client.get(page).status_code >= 500]
    assert crashed == []


@pytest.mark.parametrize(("node", "target"), [("abc", "1"), ("1", "abc"), ("", ""), ("99999", "1")])
def test_moving_a_node_by_a_malformed_id_is_a_bad_request(superuser_client, live_wizard, node, target):
    if target == "1":
        target = str(live_wizard.pk)
    paths_before = list(Node.objects.order_by("pk").values_list("path", flat=True))
    response = superuser_client.post(
        reverse("admin:wizard_node_changelist") + "move/", {"node": node, "target": target, "relation": "child"}
    )
    assert response.status_code == 400
    assert list(Node.objects.order_by("pk").values_list("path", flat=True)) == paths_before
