"""The sign-up box on the topic, story and home pages."""

import pytest
from pytest_django.asserts import assertInHTML

from ..factories import StoryFactory, TopicFactory
from ..html import attribute, elements, parse, text

pytestmark = pytest.mark.django_db


def box(client, url):
    response = client.get(url)
    assert response.status_code == 200
    boxes = elements(parse(response.content.decode()), "aside", class_="newsletter")
    assert len(boxes) == 1, "no newsletter box"
    return boxes[0]


def values(box, **attrs):
    return [attribute(i, "value") for i in elements(box, "input", name="topics", **attrs)]


def test_the_topic_page_box_signs_up_for_that_topic(client, published_story):
    aside = box(client, published_story.topic.get_absolute_url())
    assertInHTML('<h2 id="newsletter-heading">Every angle. Every day.</h2>', str(aside), count=1)
    assert "Get AI stories with full source coverage and perspective breakdowns" in text(aside)
    (form,) = elements(aside, "form", method="post", action="/newsletter/subscribe/")
    # No token: the page is the same for every reader, and cached (see the view).
    assert elements(form, "input", name="csrfmiddlewaretoken") == []
    assert values(form, type="hidden") == ["ai"]
    assertInHTML('<label for="newsletter-email">Email address</label>', str(form), count=1)
    assert elements(form, "input", type="checkbox") == []


def test_the_story_page_box_signs_up_for_the_story_topic(client, published_story):
    assert values(box(client, published_story.get_absolute_url()), type="hidden") == ["ai"]


def test_the_honeypot_is_hidden_from_people_keyboards_and_screen_readers(client, published_story):
    aside = box(client, published_story.topic.get_absolute_url())
    (honeypot,) = elements(aside, "div", class_="newsletter-hp", aria_hidden="true")
    assert elements(honeypot, "input", name="website", tabindex="-1", autocomplete="off")


def test_the_home_page_box_offers_every_topic_with_published_stories(
    client, published_story, draft_story
):
    StoryFactory(topic=TopicFactory(name="Energy", slug="energy"))
    TopicFactory(name="Empty", slug="empty")
    aside = box(client, "/")
    assertInHTML("<legend>Topics</legend>", str(aside), count=1)
    assert values(aside, type="checkbox") == ["ai", "energy"]
    assert values(aside, type="hidden") == []


def test_the_home_page_has_no_box_before_anything_is_published(client, draft_story):
    assert "newsletter-heading" not in client.get("/").content.decode()
