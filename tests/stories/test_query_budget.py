"""Each public page runs a fixed number of queries, whatever the story holds."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ..factories import StoryFactory, TopicFactory, complete_story

STORY_PAGE_BUDGET = 11
TOPIC_PAGE_BUDGET = 5
HOME_BUDGET = 5


def build_site(size):
    """`size` topics, each with `size` complete stories of `size` items each."""
    topics = [TopicFactory() for _ in range(size)]
    stories = [complete_story(size=size, topic=topic) for topic in topics for _ in range(size)]
    return topics, stories


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "budget"),
    [("story", STORY_PAGE_BUDGET), ("topic", TOPIC_PAGE_BUDGET), ("home", HOME_BUDGET)],
)
def test_page_query_count_is_the_same_at_two_sizes_and_within_budget(client, page, budget):
    counts = []
    for size in (2, 6):
        topics, stories = build_site(size)
        url = {
            "story": stories[-1].get_absolute_url(),
            "topic": topics[-1].get_absolute_url(),
            "home": "/",
        }[page]
        counts.append(count_queries(client, url))
    assert counts[0] == counts[1], f"{page} page: {counts[0]} queries at size 2, {counts[1]} at 6"
    assert counts[1] <= budget, f"{page} page runs {counts[1]} queries; the budget is {budget}"


@pytest.mark.django_db
def test_story_cards_count_sources_without_a_query_per_card(client):
    topic = TopicFactory()
    for _ in range(8):
        complete_story(size=4, topic=topic)
    StoryFactory(topic=topic)
    assert count_queries(client, topic.get_absolute_url()) <= TOPIC_PAGE_BUDGET
