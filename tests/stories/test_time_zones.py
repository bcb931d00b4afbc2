"""The newsroom's zone (TIME_ZONE): editors type and read times in it, readers
see times in it with the zone named, and the database keeps UTC."""

import datetime

import pytest

from stories.models import Correction, KeyPoint, Story

from ..factories import complete_story

pytestmark = pytest.mark.django_db
UTC = datetime.UTC
SUMMER_9AM_LONDON = datetime.datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def london(settings):
    settings.TIME_ZONE = "Europe/London"


@pytest.fixture
def draft(topic):
    story = complete_story(topic=topic, status=Story.Status.DRAFT, published_at=None)
    KeyPoint.objects.create(story=story, position=9, text="One more point.")
    return story


def test_an_editor_schedules_in_the_newsroom_zone_and_the_database_keeps_utc(client, editor, draft):
    client.force_login(editor)
    url = f"/admin/stories/story/{draft.pk}/transition/publish/"
    assert "Published time (Europe/London time)" in client.get(url).content.decode()
    response = client.post(url, {"published_at": "2036-07-01T09:00", "comment": ""})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.published_at == datetime.datetime(2036, 7, 1, 8, 0, tzinfo=UTC)
    page = client.get(f"/admin/stories/story/{draft.pk}/change/").content.decode()
    assert "scheduled for 1 Jul 2036, 09:00 BST" in page
    assert "Time (Europe/London time)" in page  # a correction's time


def test_a_reader_sees_times_in_the_newsroom_zone_with_its_name(client, topic):
    story = complete_story(topic=topic, published_at=SUMMER_9AM_LONDON)
    Correction.objects.create(story=story, text="A date was wrong.", created_at=SUMMER_9AM_LONDON)
    html = client.get(story.get_absolute_url()).content.decode()
    assert '<time datetime="2026-07-01T09:00:00+01:00">1 July 2026, 09:00 BST</time>' in html
    corrections = client.get("/corrections/").content.decode()
    assert "1 Jul 2026, 09:00 BST" in corrections
