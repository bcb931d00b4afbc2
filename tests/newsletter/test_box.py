"""The sign-up box on the topic, story and home pages."""

import re

import pytest

from ..factories import StoryFactory, TopicFactory

pytestmark = pytest.mark.django_db


def box(client, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    match = re.search(r'<aside class="newsletter".*?</aside>', html, re.S)
    assert match, "no newsletter box"
    return match.group(0)


def test_the_topic_page_box_signs_up_for_that_topic(client, published_story):
    html = box(client, published_story.topic.get_absolute_url())
    assert '<h2 id="newsletter-heading">Every angle. Every day.</h2>' in html
    assert "Get AI stories with full source coverage and perspective breakdowns" in html
    assert 'method="post" action="/newsletter/subscribe/"' in html
    # No token: the page is the same for every reader, and cached (see the view).
    assert 'name="csrfmiddlewaretoken"' not in html
    assert '<input type="hidden" name="topics" value="ai">' in html
    assert '<label for="newsletter-email">Email address</label>' in html
    assert 'type="checkbox"' not in html


def test_the_story_page_box_signs_up_for_the_story_topic(client, published_story):
    html = box(client, published_story.get_absolute_url())
    assert '<input type="hidden" name="topics" value="ai">' in html


def test_the_honeypot_is_hidden_from_people_keyboards_and_screen_readers(client, published_story):
    html = box(client, published_story.topic.get_absolute_url())
    honeypot = re.search(r'<div class="newsletter-hp" aria-hidden="true">.*?</div>', html, re.S)
    assert honeypot
    assert 'name="website" tabindex="-1" autocomplete="off"' in honeypot.group(0)


def test_the_home_page_box_offers_every_topic_with_published_stories(
    client, published_story, draft_story
):
    StoryFactory(topic=TopicFactory(name="Energy", slug="energy"))
    TopicFactory(name="Empty", slug="empty")
    html = box(client, "/")
    assert "<legend>Topics</legend>" in html
    assert re.findall(r'type="checkbox" name="topics" value="([^"]+)"', html) == ["ai", "energy"]
    assert 'type="hidden" name="topics"' not in html


def test_the_home_page_has_no_box_before_anything_is_published(client, draft_story):
    assert "newsletter-heading" not in client.get("/").content.decode()
