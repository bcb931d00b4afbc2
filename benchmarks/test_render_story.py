"""Render-time benchmark for the public pages: prints figures, asserts no speed.

Run with `make bench` (SQLite) or `DATABASE_URL=postgres://… make bench`.
"""

import statistics
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import StoryFactory, TopicFactory, complete_story

RENDERS = 200


def measure(client, url):
    client.get(url)  # warm caches (templates, connection)
    timings = []
    for _ in range(RENDERS):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(timings), statistics.quantiles(timings, n=20)[18], len(queries)


@pytest.mark.django_db
def test_page_render_times(client):
    topic = TopicFactory(slug="ai", name="AI")
    story = complete_story(size=6, topic=topic)
    for _ in range(8):
        StoryFactory(topic=topic)
    for _ in range(3):
        complete_story(size=4, topic=TopicFactory())
    print(f"\n{connection.vendor}: {RENDERS} renders each through the test client")
    for name, url in [
        ("story page", story.get_absolute_url()),
        ("topic page", topic.get_absolute_url()),
        ("home", "/"),
    ]:
        median, p95, queries = measure(client, url)
        print(f"  {name:<11} median {median:6.2f} ms   p95 {p95:6.2f} ms   {queries} queries")
