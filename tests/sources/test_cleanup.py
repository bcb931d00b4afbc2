"""Sources and outlets no story cites are listed for cleaning up, and readers never see them."""

import pytest

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
