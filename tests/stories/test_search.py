import datetime
import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stories.models import KeyPoint, OpenQuestion, Viewpoint
from stories.packages import import_package
from stories.search import (
    MAX_QUERY_LENGTH,
    clean_query,
    refresh_search_vectors,
    search_stories,
    snippet,
)

from ..factories import AuthorFactory, StoryFactory, TopicFactory, byline, package_data

pytestmark = pytest.mark.django_db
needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="full-text search is PostgreSQL's; CI runs the suite on PostgreSQL too",
)
BOTH_METHODS = pytest.mark.parametrize(
    "full_text",
    [pytest.param(True, marks=needs_postgres, id="full-text"), pytest.param(False, id="substring")],
)


@pytest.fixture
def newsroom(topic):
    energy = TopicFactory(slug="energy", name="Energy")
    stories = {
        "title": StoryFactory(topic=topic, title="Congestion charge divides traders"),
        "body": StoryFactory(
            topic=topic,
            title="Waterfront plan",
            body="The congestion charge would apply on weekdays [1].",
        ),
        "energy": StoryFactory(topic=energy, title="Congestion on the grid"),
        "draft": StoryFactory(topic=topic, title="Congestion charge draft", draft=True),
        "future": StoryFactory(
            topic=topic,
            title="Congestion charge tomorrow",
            published_at=timezone.now() + datetime.timedelta(days=1),
        ),
    }
    stories["points"] = StoryFactory(topic=topic, title="Bus lanes")
    KeyPoint.objects.create(story=stories["points"], text="Shops fear the parking loss.")
    stories["questions"] = StoryFactory(topic=topic, title="Library hours")
    OpenQuestion.objects.create(story=stories["questions"], text="Will the levy pass?")
    stories["views"] = StoryFactory(topic=topic, title="Heat pumps")
    Viewpoint.objects.create(
        story=stories["views"],
        label="Grants First",
        stance="s",
        holders="Installers",
        summary="s",
        detail="Installers want bigger grants for terraced homes.",
    )
    refresh_search_vectors()
    return stories


def titles(results):
    return [story.title for story in results]


@BOTH_METHODS
def test_search_finds_words_in_every_field(newsroom, full_text):
    for query, expected in [
        ("parking", "Bus lanes"),
        ("levy", "Library hours"),
        ("terraced", "Heat pumps"),
        ("weekdays", "Waterfront plan"),
    ]:
        assert titles(search_stories(query, full_text=full_text)) == [expected], query


@BOTH_METHODS
def test_a_title_match_ranks_above_a_body_match(newsroom, full_text):
    found = titles(search_stories("congestion charge", full_text=full_text))
    assert found[0] == "Congestion charge divides traders"
    assert "Waterfront plan" in found


@BOTH_METHODS
def test_drafts_and_future_stories_are_never_found(newsroom, full_text):
    found = titles(search_stories("congestion", full_text=full_text))
    assert "Congestion charge draft" not in found
    assert "Congestion charge tomorrow" not in found
    assert len(found) == 3


@BOTH_METHODS
def test_the_topic_filter_limits_results(newsroom, full_text):
    energy = newsroom["energy"].topic
    assert titles(search_stories("congestion", topic=energy, full_text=full_text)) == [
        "Congestion on the grid"
    ]


@BOTH_METHODS
def test_a_quoted_phrase_and_an_excluded_word(newsroom, full_text):
    assert titles(search_stories('"congestion charge" -traders', full_text=full_text)) == [
        "Waterfront plan"
    ]


@needs_postgres
def test_full_text_search_stems_english_words(newsroom):
    assert titles(search_stories("charging", full_text=True))[0] == (
        "Congestion charge divides traders"
    )


@needs_postgres
def test_the_search_vector_has_a_gin_index():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'stories_story' "
            "AND indexname = 'story_search_vector_gin'"
        )
        (definition,) = cursor.fetchone()
    assert "USING gin (search_vector)" in definition


@BOTH_METHODS
def test_a_story_is_found_by_its_author_s_name(topic, full_text):
    byline(StoryFactory(topic=topic, title="Ferry fares"), AuthorFactory(name="Ines Marwood"))
    StoryFactory(topic=topic, title="Bus lanes")
    refresh_search_vectors()
    assert titles(search_stories("Marwood", full_text=full_text)) == ["Ferry fares"]


@needs_postgres
def test_renaming_an_author_or_changing_a_byline_updates_the_vectors(
    django_capture_on_commit_callbacks, topic
):
    with django_capture_on_commit_callbacks(execute=True):
        story = StoryFactory(topic=topic, title="Ferry fares")
        author = AuthorFactory(name="Ines Marwood")
        byline(story, author)
    assert titles(search_stories("Marwood", full_text=True)) == ["Ferry fares"]
    with django_capture_on_commit_callbacks(execute=True):
        author.name = "Ines Castellan"
        author.save()
    assert titles(search_stories("Castellan", full_text=True)) == ["Ferry fares"]
    assert titles(search_stories("Marwood", full_text=True)) == []
    with django_capture_on_commit_callbacks(execute=True):
        story.story_authors.all().delete()
    assert titles(search_stories("Castellan", full_text=True)) == []


@needs_postgres
def test_saving_a_story_or_importing_one_updates_its_vector(
    django_capture_on_commit_callbacks, topic
):
    with django_capture_on_commit_callbacks(execute=True):
        import_package(package_data())
    assert titles(search_stories("skippers", full_text=True)) == [
        "Harbour wind lease splits fishing towns"
    ]
    # One refresh per transaction, for every story it touched: the story's
    # creation and its key point are one commit here.
    with django_capture_on_commit_callbacks(execute=True):
        story = StoryFactory(topic=topic, title="Ferries")
        KeyPoint.objects.create(story=story, text="Timetables change in spring.")
    assert titles(search_stories("timetables", full_text=True)) == ["Ferries"]


def test_results_page_highlights_matches_and_escapes_text(client, newsroom):
    newsroom["body"].body = "The <b>congestion</b> charge would apply [1]."
    newsroom["body"].save()
    refresh_search_vectors()
    html = client.get("/search/", {"q": "congestion"}).content.decode()
    assert "<mark>" in html.split('<ol class="search-results">')[1]
    assert "<b>congestion</b>" not in html
    assert "3 results for “congestion”" in html


@pytest.mark.parametrize(
    "story",
    [
        # A full-text headline, with the database's highlight delimiters.
        SimpleNamespace(
            headline="Say <script>x</script> \x02charge\x03 [2] now", dek="", body_start=""
        ),
        # No headline: the excerpt is cut from dek and body.
        SimpleNamespace(
            headline="", dek="Dek.", body_start="Say <script>x</script> charge [2] now"
        ),
    ],
)
def test_snippets_escape_story_text_and_mark_only_the_matches(story):
    html = snippet(story, "charge")
    assert "&lt;script&gt;" in html
    assert "<script>" not in html
    assert "<mark>charge</mark>" in html
    assert "[2]" not in html


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "x" * 5000,
        '"unbalanced',
        "& | ! ( ) :* <->",
        "'; DROP TABLE stories_story; --",
        "%_\\",
        "naïve café 東京 🚲",
        "a\x01b\x1b",  # NUL is refused before search (tests/security/test_odd_input.py)
        "-",
        '""',
    ],
)
def test_odd_queries_get_a_normal_page(client, newsroom, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert response.context["query"] == clean_query(query)
    assert len(response.context["query"]) <= MAX_QUERY_LENGTH


def test_the_search_box_is_in_every_page_header(client, newsroom):
    for url in ("/", "/ai/", newsroom["title"].get_absolute_url()):
        html = client.get(url).content.decode()
        assert re.search(r'<form class="site-search" method="get" action="/search/"', html)


def test_search_pages_ask_not_to_be_indexed(client, newsroom):
    html = client.get("/search/", {"q": "congestion"}).content.decode()
    assert '<meta name="robots" content="noindex">' in html


def test_search_runs_a_fixed_number_of_queries(client, topic):
    counts = []
    for n in (2, 9):
        for i in range(n):
            StoryFactory(topic=topic, title=f"Harbour story {n}-{i}")
        refresh_search_vectors()
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/search/", {"q": "harbour"})
        assert response.status_code == 200
        # Not counted: setting the search's time limit, and inside the test's own
        # transaction its savepoint and putting the setting back.
        time_limit = [
            q for q in queries if "statement_timeout" in q["sql"] or "SAVEPOINT" in q["sql"]
        ]
        counts.append(len(queries) - len(time_limit))
    assert counts[0] == counts[1] <= 5, counts


@BOTH_METHODS
def test_only_the_newest_matches_are_ranked_and_the_page_says_so(
    client, topic, full_text, monkeypatch
):
    monkeypatch.setattr("stories.search.MAX_RANKED", 3)
    now = timezone.now()
    for days in range(5):
        StoryFactory(
            topic=topic,
            title=f"Harbour story {days} days old",
            published_at=now - datetime.timedelta(days=days, hours=1),
        )
    refresh_search_vectors()
    results = search_stories("harbour", full_text=full_text)
    assert (results.count, results.more) == (3, True)
    assert sorted(titles(results)) == [f"Harbour story {d} days old" for d in range(3)]
    if full_text == (connection.vendor == "postgresql"):
        html = client.get("/search/", {"q": "harbour"}).content.decode()
        assert "More than 3 results for “harbour”: the 3 newest, best first." in html


def test_search_pages_hold_every_ranked_match_once_in_rank_order(
    client, topic, settings, monkeypatch
):
    monkeypatch.setattr("stories.search.MAX_RANKED", 5)
    settings.STORIES_PER_PAGE = 2
    now = timezone.now()
    for days in range(7):
        # Older stories name the harbour more often: ranked by words alone,
        # the two left out (the oldest) would come first.
        StoryFactory(
            topic=topic,
            title=f"Story {days}",
            dek="Harbour. " * (days + 1),
            published_at=now - datetime.timedelta(days=days, hours=1),
        )
    refresh_search_vectors()
    shown = []
    for number in (1, 2, 3):
        html = client.get("/search/", {"q": "harbour", "page": number}).content.decode()
        shown += re.findall(r"Story \d", html.split('class="search-results"')[1])
    assert shown == titles(search_stories("harbour"))
    assert sorted(shown) == [f"Story {d}" for d in range(5)]  # the five newest
    for past in (4, 10**20):
        assert client.get("/search/", {"q": "harbour", "page": past}).status_code == 404


def full_text_only():
    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's; SQLite searches have no timeout")


def test_a_search_the_database_takes_too_long_over_answers_narrow_it_not_500(
    client, topic, settings
):
    full_text_only()
    from stories.search import refresh_search_vectors

    long_body = "Harbour fishers object to the wind lease and its cost. " * 1000
    stories = [StoryFactory(topic=topic, body=long_body) for _ in range(40)]
    refresh_search_vectors([story.pk for story in stories])
    settings.SEARCH_TIMEOUT_MS = 1
    response = client.get("/search/", {"q": "harbour fishers"})
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "This search took too long and was stopped. Narrow it" in response.content.decode()
    settings.SEARCH_TIMEOUT_MS = 60_000
    response = client.get("/search/", {"q": "harbour fishers"})
    assert response.status_code == 200
    assert "40 results" in response.content.decode()


def test_a_search_leaves_no_timeout_behind_on_its_connection(client, published_story):
    full_text_only()
    assert client.get("/search/", {"q": "open weights"}).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
