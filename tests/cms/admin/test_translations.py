import xml.etree.ElementTree as ET

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cms.admin.translations import TranslationDashboardAdmin
from tests import factories
from wizard import translations, xliff
from wizard.models import LinkTarget, Node, wizard_step_paths
from wizard.translations import MISSING, OUTDATED, UP_TO_DATE

NS = {"x": xliff.XLIFF_NS}


def dashboard(wizard: Node) -> str:
    return reverse("admin:wizard_translationstate_dashboard", args=[wizard.pk])


def status_of(wizard: Node, path: str, name: str, lang: str) -> str:
    (item,) = [
        item
        for item in translations.report(wizard).items
        if (item.path, item.field, item.language) == (path, name, lang)
    ]
    return item.status


def form_data(response, **changes: str) -> dict[str, str]:
    """The change form's current values, as the browser would post them, with some changed."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    return {**data, **changes}


def outdate(wizard: Node, path: str = "profiles/citizen") -> Node:
    step = wizard_step_paths(wizard)[path]
    step.title_fr = "Je suis citoyen"
    step.save()
    return step


def test_the_admin_index_and_the_step_list_link_to_the_translations(admin_client, wizard):
    overview = reverse("admin:wizard_translationstate_changelist")
    assert overview in admin_client.get(reverse("admin:index")).content.decode()
    assert overview in admin_client.get(reverse("admin:wizard_node_changelist")).content.decode()
    page = admin_client.get(overview).content.decode()
    assert dashboard(wizard) in page
    assert "Nederlands (nl)" in page


def test_the_dashboard_shows_completeness_and_what_to_translate_with_edit_links(admin_client, wizard):
    step = outdate(wizard)
    response = admin_client.get(dashboard(wizard))
    assert response.status_code == 200
    sections = {summary.language: (summary, needing) for summary, needing, _url in response.context["sections"]}
    summary, needing = sections["nl"]
    assert summary.outdated == 1
    assert 0 < summary.percent < 100
    assert sections["de"][0].percent == 0
    items = {(item.path, item.field): (item.status, url) for item, url in needing}
    assert items["profiles/citizen", "title"] == (
        OUTDATED,
        reverse("admin:wizard_node_change", args=[step.pk]) + "#id_title_nl",
    )
    assert items["profiles", "label"][0] == MISSING
    link = LinkTarget.objects.get(key="portal")
    assert items["portal", "name"][1] == reverse("admin:wizard_linktarget_change", args=[link.pk]) + "#id_name_nl"
    page = response.content.decode()
    assert "Still valid" in page
    assert reverse("admin:wizard_translationstate_xliff", args=[wizard.pk, "nl"]) in page


def test_the_still_valid_button_confirms_one_outdated_translation(admin_client, wizard):
    step = outdate(wizard)
    url = reverse("admin:wizard_translationstate_confirm", args=[wizard.pk])
    response = admin_client.post(url, {"unit": f"{step.uid}/title", "lang": "nl"})
    assert response.status_code == 302
    assert status_of(wizard, "profiles/citizen", "title", "nl") == UP_TO_DATE
    response = admin_client.post(url, {"unit": f"{step.uid}/title", "lang": "nl"}, follow=True)
    assert "not outdated any more" in response.content.decode()


def test_the_step_form_shows_its_translation_status_with_badges(admin_client, wizard):
    step = outdate(wizard)
    response = admin_client.get(reverse("admin:wizard_node_change", args=[step.pk]))
    page = response.content.decode()
    assert 'class="translation-badge outdated" href="#id_title_nl"' in page
    assert 'class="translation-badge missing" href="#id_title_de"' in page
    assert 'data-translation-status="outdated"' in page  # the Dutch title's input, for the tab's mark
    assert response.context["adminform"].form.fields["title_nl"].label.endswith("· outdated")
    assert dashboard(wizard) in page
    assert "wizard/translation-status.js" in page


def test_saving_a_translation_in_the_form_makes_it_up_to_date(admin_client, wizard, admin_user):
    step = outdate(wizard)
    url = reverse("admin:wizard_node_change", args=[step.pk])
    response = admin_client.post(url, form_data(admin_client.get(url), title_nl="Ik ben burger", title_de="Bürger"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert status_of(wizard, "profiles/citizen", "title", "nl") == UP_TO_DATE
    assert status_of(wizard, "profiles/citizen", "title", "de") == UP_TO_DATE


def test_saving_the_french_alone_in_the_form_outdates_the_translations(admin_client, wizard):
    step = wizard_step_paths(wizard)["profiles/citizen"]
    url = reverse("admin:wizard_node_change", args=[step.pk])
    response = admin_client.post(url, form_data(admin_client.get(url), title_fr="Citoyen ou citoyenne"))
    assert response.status_code == 302
    assert status_of(wizard, "profiles/citizen", "title", "nl") == OUTDATED


def test_saving_french_and_translation_together_keeps_it_up_to_date(admin_client, wizard):
    step = wizard_step_paths(wizard)["profiles/citizen"]
    url = reverse("admin:wizard_node_change", args=[step.pk])
    data = form_data(admin_client.get(url), title_fr="Citoyen ou citoyenne", title_nl="Burger")
    assert admin_client.post(url, data).status_code == 302
    assert status_of(wizard, "profiles/citizen", "title", "nl") == UP_TO_DATE


def test_a_link_target_form_records_its_translations(admin_client, wizard):
    target = LinkTarget.objects.get(key="portal")
    url = reverse("admin:wizard_linktarget_change", args=[target.pk])
    page = admin_client.get(url)
    assert 'href="#id_name_nl"' in page.content.decode()
    response = admin_client.post(url, form_data(page, name_nl="Portaal", url_nl="https://portal.example.org/?lang=nl"))
    assert response.status_code == 302
    assert status_of(wizard, "portal", "name", "nl") == UP_TO_DATE
    assert status_of(wizard, "portal", "url", "nl") == UP_TO_DATE


def test_the_step_list_filters_the_steps_that_need_a_language(admin_client, wizard):
    paths = wizard_step_paths(wizard)
    everything = {node.pk for node in Node.objects.get_tree(wizard)}
    response = admin_client.get(reverse("admin:wizard_node_changelist"), {"needs_translation": "de"})
    assert {node.pk for node in response.context["cl"].result_list} == everything
    response = admin_client.get(reverse("admin:wizard_node_changelist"), {"needs_translation": "nl"})
    found = {node.pk for node in response.context["cl"].result_list}
    assert paths["profiles/company/apply"].pk in found
    assert paths["contact"].pk in found  # its body has no Dutch
    assert "needs translation into" in response.content.decode()


def test_the_action_confirms_the_selected_steps(admin_client, wizard):
    step = outdate(wizard)
    response = admin_client.post(
        reverse("admin:wizard_node_changelist"),
        {"action": "confirm_translations", "_selected_action": [step.pk]},
    )
    assert response.status_code == 302
    assert status_of(wizard, "profiles/citizen", "title", "nl") == UP_TO_DATE


def test_download_then_upload_round_trip_in_the_admin(admin_client, wizard):
    response = admin_client.get(reverse("admin:wizard_translationstate_xliff", args=[wizard.pk, "de"]))
    assert response["Content-Type"] == "application/x-xliff+xml"
    assert response["Content-Disposition"] == 'attachment; filename="demo.de.xlf"'
    root = ET.fromstring(response.content)
    for unit in root.iterfind(".//x:trans-unit", NS):
        target = ET.SubElement(unit, f"{{{xliff.XLIFF_NS}}}target", {"state": "translated"})
        target.text = unit.find("x:source", NS).text
    upload = SimpleUploadedFile("demo.de.xlf", ET.tostring(root, encoding="utf-8"))
    response = admin_client.post(reverse("admin:wizard_translationstate_import", args=[wizard.pk]), {"file": upload})
    assert response.status_code == 200
    result = response.context["import_result"]
    assert not result.refused
    assert result.count(xliff.WRITTEN) > 0
    assert {item.status for item in translations.report(wizard).items if item.language == "de"} == {UP_TO_DATE}
    assert "wrote" in response.content.decode()


def test_an_upload_reports_each_refused_unit(admin_client, wizard):
    data = admin_client.get(reverse("admin:wizard_translationstate_xliff", args=[wizard.pk, "de"])).content
    root = ET.fromstring(data)
    renew = wizard_step_paths(wizard)["profiles/citizen/renew"]
    for unit in root.iterfind(".//x:trans-unit", NS):
        if unit.get("id") == f"{renew.uid}/body":
            ET.SubElement(unit, f"{{{xliff.XLIFF_NS}}}target").text = "Siehe Antrag."
    upload = SimpleUploadedFile("demo.de.xlf", ET.tostring(root, encoding="utf-8"))
    response = admin_client.post(reverse("admin:wizard_translationstate_import", args=[wizard.pk]), {"file": upload})
    page = response.content.decode()
    assert "outcome-refused" in page
    assert "missing node:profiles/citizen/apply" in page
    assert "refused 1" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"not xml", "not well-formed XML"), (b"<html/>", "not an XLIFF file")],
)
def test_an_upload_of_a_bad_file_writes_nothing_and_says_why(admin_client, wizard, data, message):
    upload = SimpleUploadedFile("bad.xlf", data)
    response = admin_client.post(reverse("admin:wizard_translationstate_import", args=[wizard.pk]), {"file": upload})
    assert message in response.content.decode()
    assert "import_result" not in response.context


def test_an_upload_for_another_wizard_is_refused(admin_client, wizard):
    other = factories.make_wizard("other")
    data = admin_client.get(reverse("admin:wizard_translationstate_xliff", args=[other.pk, "de"])).content
    upload = SimpleUploadedFile("other.de.xlf", data)
    response = admin_client.post(reverse("admin:wizard_translationstate_import", args=[wizard.pk]), {"file": upload})
    assert "for the wizard “other”" in response.content.decode()


def test_a_reader_sees_the_dashboard_but_cannot_upload_or_confirm(client, wizard):
    reader = factories.make_user("reader")
    reader.user_permissions.add(Permission.objects.get(codename="view_node"))
    client.force_login(reader)
    response = client.get(dashboard(wizard))
    assert response.status_code == 200
    assert "Import translations" not in response.content.decode()
    step = outdate(wizard)
    url = reverse("admin:wizard_translationstate_confirm", args=[wizard.pk])
    assert client.post(url, {"unit": f"{step.uid}/title", "lang": "nl"}).status_code == 403
    upload = SimpleUploadedFile("x.xlf", b"<html/>")
    assert (
        client.post(reverse("admin:wizard_translationstate_import", args=[wizard.pk]), {"file": upload}).status_code
        == 403
    )


def test_staff_without_permissions_cannot_see_the_dashboard(client, wizard):
    client.force_login(factories.make_user("nobody"))
    assert client.get(dashboard(wizard)).status_code == 403
    assert client.get(reverse("admin:wizard_translationstate_xliff", args=[wizard.pk, "nl"])).status_code == 403


def test_an_oversized_upload_is_refused_before_reading(admin_client, wizard, monkeypatch):
    monkeypatch.setattr("cms.admin.translations.ImportForm.MAX_SIZE", 10)
    upload = SimpleUploadedFile("big.xlf", b"<xliff>" + b" " * 20 + b"</xliff>")
    response = admin_client.post(reverse("admin:wizard_translationstate_import", args=[wizard.pk]), {"file": upload})
    assert "too large" in response.content.decode()


def test_the_link_target_list_filters_the_targets_that_need_a_language(admin_client, wizard):
    response = admin_client.get(reverse("admin:wizard_linktarget_changelist"), {"needs_translation": "nl"})
    assert [target.key for target in response.context["cl"].result_list] == ["portal"]
    response = admin_client.get(reverse("admin:wizard_linktarget_changelist"), {"needs_translation": "de"})
    assert [target.key for target in response.context["cl"].result_list] == ["contact-center", "portal"]


def test_an_upload_changes_link_targets_only_for_who_may_change_them(client, wizard):
    steps_only = factories.make_user("steps-only")
    steps_only.user_permissions.add(*factories.permissions("wizard.change_node", "wizard.view_node"))
    client.force_login(steps_only)
    root = ET.fromstring(client.get(reverse("admin:wizard_translationstate_xliff", args=[wizard.pk, "de"])).content)
    for unit in root.iterfind(".//x:trans-unit", NS):
        ET.SubElement(unit, f"{{{xliff.XLIFF_NS}}}target").text = unit.find("x:source", NS).text + " (de)"
    upload = SimpleUploadedFile("demo.de.xlf", ET.tostring(root, encoding="utf-8"))
    result = client.post(reverse("admin:wizard_translationstate_import", args=[wizard.pk]), {"file": upload})
    refused = {outcome.unit_id for outcome in result.context["import_result"].outcomes if outcome.result == "refused"}
    assert refused
    assert all(unit_id.startswith("link:") for unit_id in refused)
    assert not LinkTarget.objects.exclude(name_de="").exists()


def test_the_dashboard_lists_one_page_of_one_language_whatever_the_wizard_size(admin_client, wizard):
    wizard = factories.grow(wizard, 200)  # every other task has no German or English title and body
    response = admin_client.get(dashboard(wizard), {"lang": "de"})
    sections = {summary.language: (summary, needing) for summary, needing, _url in response.context["sections"]}
    summary, needing = sections["de"]
    assert summary.missing > 200
    assert len(needing) == 50
    assert [sections[lang][1] for lang in ("nl", "en")] == [None, None]  # the other languages: a link, no list
    assert response.context["page"].paginator.count == summary.missing + summary.outdated
    last = admin_client.get(dashboard(wizard), {"lang": "de", "page": 99})  # past the end: the last page
    assert last.context["page"].number == last.context["page"].paginator.num_pages


def test_the_dashboard_filters_by_status(admin_client, wizard):
    outdate(wizard)
    response = admin_client.get(dashboard(wizard), {"lang": "nl", "status": OUTDATED})
    needing = {summary.language: needing for summary, needing, _url in response.context["sections"]}["nl"]
    assert [(item.path, item.field, item.status) for item, _url in needing] == [("profiles/citizen", "title", OUTDATED)]


def get_counted(client, url: str, **params: str):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return response, len(queries)


def test_the_dashboard_costs_the_same_queries_and_size_whatever_the_wizard_size(admin_client, wizard, monkeypatch):
    # Pages of ten: the first page lists steps only, with the small wizard as with the large one (link targets,
    # listed last, cost a query of their own on the page that shows them).
    monkeypatch.setattr(TranslationDashboardAdmin, "PAGE_SIZE", 10)
    small, small_queries = get_counted(admin_client, dashboard(wizard), lang="de")
    wizard = factories.grow(wizard, 300)
    # Counted from plain rows: the whole report (every step as an instance, an item per field) is never built.
    monkeypatch.setattr(translations, "report", None)
    large, large_queries = get_counted(admin_client, dashboard(wizard), lang="de")
    assert large_queries == small_queries
    assert len(large.content) < len(small.content) + 5_000  # ten rows either way, not 600
    needing = {summary.language: needing for summary, needing, _url in large.context["sections"]}["de"]
    assert len(needing) == 10
    assert large.context["page"].paginator.count > 300
    last, _queries = get_counted(admin_client, dashboard(wizard), lang="de", page="99")
    *_rest, (item, url) = {s.language: n for s, n, _url in last.context["sections"]}["de"]  # link targets: last
    assert url == reverse("admin:wizard_linktarget_change", args=[item.subject.pk]) + f"#id_{item.field}_de"


def test_the_overview_costs_the_same_queries_whatever_the_number_of_wizards(admin_client, wizard, monkeypatch):
    overview = reverse("admin:wizard_translationstate_changelist")
    _response, one = get_counted(admin_client, overview)
    factories.grow(wizard, 100)
    others = [factories.make_wizard(f"other-{n}") for n in range(3)]
    monkeypatch.setattr(translations, "report", None)
    response, four = get_counted(admin_client, overview)
    assert four == one
    assert [row[0] for row in response.context["rows"]] == [wizard, *others]
    for other in others:
        assert dashboard(other) in response.content.decode()


def test_the_dashboard_lists_what_needs_translating_in_the_report_order(admin_client, wizard):
    outdate(wizard)
    factories.grow(wizard, 100)
    expected = [(item.path, item.field, item.status) for item in translations.report(wizard).needing("de")]
    assert len(expected) > 100
    listed, number, more = [], 1, True
    while more:
        response = admin_client.get(dashboard(wizard), {"lang": "de", "page": number})
        needing = {summary.language: needing for summary, needing, _url in response.context["sections"]}["de"]
        listed += [(item.path, item.field, item.status) for item, _url in needing]
        number, more = number + 1, response.context["page"].has_next()
    assert listed == expected
