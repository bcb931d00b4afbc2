"""Sources and outlets no story cites are listed for cleaning up, and readers never see them."""

import pytest

from sources.models import Outlet, Source

from ..factories import OutletFactory, SourceFactory, StoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def popup_leftovers(topic):
    story = StoryFactory(topic=topic)
    cited = SourceFactory(title="Cited headline", outlet__name="Cited Outlet")
    story.citations.create(source=cited, number=1)
    stray = SourceFactory(title="Stray headline", outlet__name="Stray Outlet")
    lonely = OutletFactory(name="Lonely Outlet")
    return {"story": story, "cited": cited, "stray": stray, "lonely": lonely}


def test_the_source_list_filters_sources_no_story_cites(editor_client, popup_leftovers):
    html = editor_client.get("/admin/sources/source/?cited=no").content.decode()
    assert "Stray headline" in html and "Cited headline" not in html
    html = editor_client.get("/admin/sources/source/?cited=yes").content.decode()
    assert "Cited headline" in html and "Stray headline" not in html


def test_the_outlet_list_filters_outlets_no_story_cites(editor_client, popup_leftovers):
    html = editor_client.get("/admin/sources/outlet/?cited=no").content.decode()
    assert "Stray Outlet" in html and "Lonely Outlet" in html
    assert "Cited Outlet" not in html


def test_readers_never_see_an_uncited_source_or_outlet(client, popup_leftovers):
    pages = ["/sources/", popup_leftovers["story"].get_absolute_url(), "/sitemap-sources.xml"]
    for url in pages:
        html = client.get(url).content.decode()
        assert "Stray" not in html and "Lonely" not in html, url
    assert client.get(popup_leftovers["lonely"].get_absolute_url()).status_code == 404


def test_a_source_on_an_unknown_domain_offers_its_outlet_named_from_the_domain(editor_client):
    url = "https://www.larkport-ledger.example/2026/budget"
    data = {"url": url, "title": "Budget passes", "outlet": ""}
    response = editor_client.post("/admin/sources/source/add/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "No outlet publishes on larkport-ledger.example yet" in html
    assert 'value="Larkport Ledger"' in html  # the new outlet's name, filled in
    response = editor_client.post(
        "/admin/sources/source/add/", data | {"new_outlet_name": "The Larkport Ledger"}
    )
    assert response.status_code == 302, response.context["errors"]
    source = Source.objects.get(title="Budget passes")
    assert source.outlet.name == "The Larkport Ledger"
    assert [d.domain for d in source.outlet.domains.all()] == ["larkport-ledger.example"]


def test_a_new_outlet_name_is_ignored_when_an_outlet_has_the_domain(editor_client):
    ledger = OutletFactory(name="Ledger")
    ledger.domains.create(domain="ledger.example")
    data = {"url": "https://ledger.example/a", "title": "A", "new_outlet_name": "Other"}
    assert editor_client.post("/admin/sources/source/add/", data).status_code == 302
    assert Source.objects.get(title="A").outlet == ledger
    assert not Outlet.objects.filter(name="Other").exists()


def test_an_outlet_cannot_be_saved_without_a_domain(editor_client):
    data = {
        "name": "No Domain",
        "slug": "no-domain",
        "kind": "newspaper",
        "domains-TOTAL_FORMS": "1",
        "domains-INITIAL_FORMS": "0",
        "domains-MIN_NUM_FORMS": "1",
        "domains-0-domain": "",
    }
    response = editor_client.post("/admin/sources/outlet/add/", data)
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.errors[0]["domain"] == ["This field is required."]
    assert not Outlet.objects.filter(slug="no-domain").exists()
