"""Times that machines read (`<time datetime>`, meta tags, JSON-LD, feeds, sitemaps)
are given to the whole second, though the database keeps microseconds."""

import datetime
import re

import pytest
from django.utils import timezone

from stories.models import Correction, Story

from ..factories import complete_story

pytestmark = pytest.mark.django_db

FRACTION = re.compile(r"\d\d:\d\d:\d\d[.,]\d+")


@pytest.fixture
def story(topic):
    story = complete_story(topic=topic)
    odd = timezone.now().replace(microsecond=123456) - datetime.timedelta(hours=2)
    Story.objects.filter(pk=story.pk).update(published_at=odd, updated_at=odd)
    Correction.objects.create(story=story, text="A figure was wrong.")
    story.refresh_from_db()
    assert story.updated_at.microsecond and story.published_at.microsecond
    return story


def test_no_page_feed_or_sitemap_gives_a_fraction_of_a_second(client, story):
    urls = [
        story.get_absolute_url(),
        "/",
        story.topic.get_absolute_url(),
        "/corrections/",
        "/feeds/rss/",
        "/feeds/atom/",
        "/sitemap.xml",
        "/sitemap-stories.xml",
        "/sitemap-news.xml",
    ]
    for url in urls:
        body = client.get(url).content.decode()
        assert FRACTION.findall(body) == [], url


def test_story_page_times_are_whole_seconds_in_every_place(client, story):
    html = client.get(story.get_absolute_url()).content.decode()
    modified = re.search(r'property="article:modified_time" content="([^"]+)"', html).group(1)
    assert modified == story.updated_at.replace(microsecond=0).isoformat()
    datetimes = re.findall(r'<time datetime="([^"]+)"', html)
    assert len(datetimes) >= 3  # published, "Updated", the correction
    # Timeline dates may be a year or a month; times are whole seconds with a zone.
    whole = re.compile(r"\d{4}(-\d\d(-\d\d(T\d\d:\d\d:\d\d[+-]\d\d:\d\d)?)?)?")
    assert [d for d in datetimes if not whole.fullmatch(d)] == []
