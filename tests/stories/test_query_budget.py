"""Each public page runs a fixed number of queries, whatever the archive holds."""

import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sources.models import Outlet
from stories.counts import scheduled_by_outlet
from stories.models import Correction, StoryAuthor

from ..factories import AuthorFactory, StoryFactory, TopicFactory, complete_story
from ..images import picture, with_image

PICTURE = picture(600, 400)

# Queries for a page rendered from nothing (an empty cache). Every page reads the
# content state (1) and, for its navigation, the topics and their scheduled stories (2).
# A list of cards reads its stories' authors in one query, however many each has.
BUDGETS = {
    "story": 14,  # the byline's authors, and the authors on the topic's cards: a query each
    "topic": 8,  # with its open and recently answered questions
    "topic page 2": 6,
    # The topic, every event of its live stories in one query, and the outlets
    # their [n] markers name in another.
    "topic timeline": 6,
    "home": 7,  # on PostgreSQL each topic's newest ids, then the stories
    "search": 6,  # on PostgreSQL one sets the search's time limit
    # The stories' ids and times, then for the entries not kept the stories, their
    # tags and authors (with every entry kept, the first alone: test_syndication).
    "rss": 5,
    "atom": 5,
    "topic rss": 6,
    "sources": 5,
    "outlet": 8,
    "corrections": 5,
    "sitemap index": 8,
    "stories sitemap": 3,
    "topics sitemap": 3,
    "sources sitemap": 3,
    "authors sitemap": 3,
    "author": 7,
    "news sitemap": 2,
    "robots": 1,
}


def build_site(size):
    """`size` topics, each with `size` complete stories of `size` items each."""
    topics = [TopicFactory() for _ in range(size)]
    stories = [complete_story(size=size, topic=topic) for topic in topics for _ in range(size)]
    # `size` authors per story (complete_story names the first), so that a query
    # per author would show.
    authors = [AuthorFactory() for _ in range(size - 1)]
    StoryAuthor.objects.bulk_create(
        StoryAuthor(story=story, author=author, position=position)
        for story in stories
        for position, author in enumerate(authors, start=1)
    )
    for story in stories[::2]:
        Correction.objects.create(story=story, text="A correction.")
    # Lead images on every other story, the page's own among them: no query of their own.
    for story in stories[::-2]:
        with_image(story, PICTURE)
    return topics, stories


def urls(topics, stories):
    cited = Outlet.objects.order_by("pk").cited(scheduled=scheduled_by_outlet())
    outlet = max(cited, key=lambda o: o.story_count)
    return {
        "story": stories[-1].get_absolute_url(),
        "topic": topics[-1].get_absolute_url(),
        "topic page 2": topics[-1].get_absolute_url() + "?page=2",
        "topic timeline": topics[-1].get_absolute_url() + "timeline/",
        "home": "/",
        "search": "/search/?q=position",
        "rss": "/feeds/rss/",
        "atom": "/feeds/atom/",
        "topic rss": f"/feeds/{topics[-1].slug}/rss/",
        "sources": "/sources/",
        "outlet": outlet.get_absolute_url(),
        "corrections": "/corrections/",
        "sitemap index": "/sitemap.xml",
        "stories sitemap": "/sitemap-stories.xml",
        "topics sitemap": "/sitemap-topics.xml",
        "sources sitemap": "/sitemap-sources.xml",
        "authors sitemap": "/sitemap-authors.xml",
        "author": stories[-1].story_authors.last().author.get_absolute_url(),
        "news sitemap": "/sitemap-news.xml",
        "robots": "/robots.txt",
    }


def captured(client, url):
    # A page rendered from nothing, the process's own caches emptied too: the
    # most it ever costs.
    for each in caches.all(initialized_only=True):
        each.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [
        query for query in queries.captured_queries if not transaction_bookkeeping(query["sql"])
    ]


def transaction_bookkeeping(sql):
    """Statements only the test's own transaction causes: the search's savepoint,
    and putting its time limit back (outside a transaction it simply ends)."""
    return "SAVEPOINT" in sql or "set_config('statement_timeout', '0'" in sql


@pytest.mark.django_db
def test_every_public_page_runs_as_many_queries_at_two_sizes_within_budget(client, settings):
    settings.STORIES_PER_PAGE = 2  # so that the topic has a page 2 at both sizes
    counts = {}
    for size in (3, 6):
        topics, stories = build_site(size)
        for page, url in urls(topics, stories).items():
            counts.setdefault(page, []).append(len(captured(client, url)))
    for page, (small, large) in counts.items():
        assert small == large, f"{page}: {small} queries at size 3, {large} at size 6"
        assert large <= BUDGETS[page], f"{page} runs {large} queries; the budget is {BUDGETS[page]}"


# The search vector as a column of the select list (not inside a function the
# database computes, such as a search's rank).
SELECTS_THE_VECTOR = re.compile(r'(^|,)\s*("\w+"\.)?"search_vector"\s*(AS\s+"\w+"\s*)?(,|$)', re.I)


@pytest.mark.django_db
def test_no_reader_query_selects_the_search_vector(client, settings):
    settings.STORIES_PER_PAGE = 2
    topics, stories = build_site(3)
    selects = re.compile(r"^\s*SELECT(.*?)\bFROM\b", re.S | re.I)
    for page, url in urls(topics, stories).items():
        for query in captured(client, url):
            select_list = selects.match(query["sql"])
            columns = select_list.group(1) if select_list else ""
            assert not SELECTS_THE_VECTOR.search(columns), f"{page}: {query['sql'][:300]}"


@pytest.mark.parametrize(
    "columns, selected",
    [
        (' "stories_story"."id", "stories_story"."search_vector" ', True),
        (' "stories_story"."search_vector", "stories_story"."id" ', True),
        (' "search_vector" AS "v" ', True),
        (' "stories_story"."id", ts_rank("stories_story"."search_vector", q) AS "rank" ', False),
        (' "stories_story"."id", "stories_story"."title" ', False),
    ],
)
def test_the_vector_check_tells_a_selected_column_from_a_rank_computed_of_it(columns, selected):
    assert bool(SELECTS_THE_VECTOR.search(columns)) is selected


@pytest.mark.django_db
def test_story_cards_count_sources_without_a_query_per_card(client):
    topic = TopicFactory()
    for _ in range(8):
        complete_story(size=4, topic=topic)
    StoryFactory(topic=topic)
    assert len(captured(client, topic.get_absolute_url())) <= BUDGETS["topic"]
