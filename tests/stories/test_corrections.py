import copy
import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.asserts import assertInHTML

from stories.models import Correction, Story
from stories.packages import export_package, import_package

from ..factories import StoryFactory, package_data
from ..html import elements, parse, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def withdrawn(topic):
    return StoryFactory(
        topic=topic,
        title="Retracted story",
        status=Story.Status.WITHDRAWN,
        withdrawn_reason="A key document was forged <b>badly</b>.",
    )


def test_a_withdrawn_story_answers_410_with_its_reason(client, withdrawn):
    response = client.get(withdrawn.get_absolute_url())
    assert response.status_code == 410
    html = response.content.decode()
    assert "We have withdrawn this story" in html
    assert "A key document was forged &lt;b&gt;badly&lt;/b&gt;." in html
    assertInHTML('<meta name="robots" content="noindex">', html, count=1)


def test_a_withdrawn_story_leaves_every_list_feed_and_sitemap(client, withdrawn):
    for url in ("/", "/ai/", "/feeds/rss/", "/feeds/ai/atom/", "/sitemap-stories.xml"):
        assert "Retracted story" not in client.get(url).content.decode(), url
    assert (
        "Retracted"
        not in client.get("/search/", {"q": "retracted"}).content.decode().split("<main")[1]
    )


def test_withdrawing_needs_a_public_reason(topic):
    story = StoryFactory.build(topic=topic, status=Story.Status.WITHDRAWN, withdrawn_reason=" ")
    with pytest.raises(ValidationError) as error:
        story.clean()
    assert "withdrawn_reason" in error.value.message_dict


def test_corrections_show_on_the_story_with_their_time_and_an_updated_line(client, published_story):
    at = timezone.now() - datetime.timedelta(minutes=5)
    Correction.objects.create(
        story=published_story,
        kind=Correction.Kind.CORRECTION,
        text="An earlier version gave the wrong vote count.",
        created_at=at,
        source_number=2,
        paragraph=1,
    )
    Correction.objects.create(story=published_story, kind="update", text="The vote was delayed.")
    html = client.get(published_story.get_absolute_url()).content.decode()
    page = parse(html)
    section = elements(page, "section", id="updates")[0]
    assert [text(h) for h in elements(section, "h2")] == ["Updates and corrections"]
    notes = elements(section, "p", class_="update-meta")
    assert [text(elements(p, "strong")[0]) for p in notes] == ["Correction", "Update"]
    assert "paragraph 1 · source 2" in text(notes[0])
    assertInHTML('<a href="#source-2">source 2</a>', str(notes[0]), count=1)
    updated = elements(page, "a", href="#updates")
    assert [elements(a, "time") != [] for a in updated] == [True]


def test_a_correction_marks_the_story_as_updated(published_story):
    before = Story.objects.get(pk=published_story.pk).updated_at
    Correction.objects.create(story=published_story, text="Fixed a date.")
    assert Story.objects.get(pk=published_story.pk).updated_at > before


def test_the_corrections_page_lists_every_note_newest_first(client, published_story, draft_story):
    now = timezone.now()
    Correction.objects.create(
        story=published_story, text="Old note.", created_at=now - datetime.timedelta(days=2)
    )
    Correction.objects.create(story=published_story, text="New note.", created_at=now)
    Correction.objects.create(story=draft_story, text="Draft note.")
    html = client.get("/corrections/").content.decode()
    assert html.index("New note.") < html.index("Old note.")
    assert "Draft note." not in html
    assert f'href="{published_story.get_absolute_url()}#updates"' in html


def test_the_corrections_pages_are_counted_once_per_change(client, published_story, settings):
    settings.PAGE_CACHE = False
    settings.STORIES_PER_PAGE = 2
    for note in ("First note.", "Second note."):
        Correction.objects.create(story=published_story, text=note)
    client.get("/corrections/")
    with CaptureQueriesContext(connection) as queries:
        assert "Page 1 of" not in client.get("/corrections/").content.decode()
    assert not [q for q in queries.captured_queries if "COUNT(" in q["sql"]]
    # A new note is a change: the next request counts three, two pages.
    Correction.objects.create(story=published_story, text="Third note.")
    assert "Page 1 of 2" in client.get("/corrections/").content.decode()


def with_corrections(data):
    data["corrections"] = [
        {"kind": "correction", "text": "Wrong date.", "at": "2026-11-21T10:00:00Z", "source": 1},
        {"kind": "update", "text": "Vote delayed.", "at": "2026-11-22T08:30:00Z", "paragraph": 2},
    ]
    return data


def test_corrections_round_trip_in_story_packages():
    story = import_package(with_corrections(package_data())).story
    assert [c.kind for c in story.corrections.all()] == ["correction", "update"]
    first = export_package(story)
    assert first == with_corrections(package_data())
    Story.objects.all().delete()
    assert export_package(import_package(copy.deepcopy(first)).story) == first


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda c: c.update(kind="erratum"), "corrections[0].kind: 'erratum' is not one of"),
        (lambda c: c.update(at="yesterday"), "corrections[0].at: 'yesterday' is not a date"),
        (lambda c: c.pop("text"), "corrections[0].text: required field is missing"),
        (lambda c: c.update(source=0), "corrections[0].source: expected a whole number"),
    ],
)
def test_bad_corrections_in_a_package_are_refused(change, expected):
    from stories.packages import PackageInvalid

    data = with_corrections(package_data())
    change(data["corrections"][0])
    with pytest.raises(PackageInvalid) as error:
        import_package(data)
    assert any(p.startswith(expected) for p in error.value.problems), error.value.problems
    assert not Story.objects.exists()


def test_a_withdrawn_story_round_trips_with_its_reason():
    data = package_data(status="withdrawn", withdrawn_reason="The main source retracted.")
    story = import_package(data).story
    assert story.status == "withdrawn"
    assert export_package(story) == data


def test_a_withdrawn_package_needs_a_reason():
    from stories.packages import PackageInvalid

    with pytest.raises(PackageInvalid) as error:
        import_package(package_data(status="withdrawn"))
    assert error.value.problems == ["withdrawn_reason: required when the status is 'withdrawn'"]
