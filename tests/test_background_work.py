"""Work that leaves the request: cache purges and search refreshes are queued on
commit and run by the task worker, a purge retried when its endpoint fails."""

import threading
from http.server import ThreadingHTTPServer

import pytest
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from stories.models import KeyPoint
from stories.search import search_stories

from .factories import StoryFactory
from .tasks import run_worker
from .test_caching import PurgeReceiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def purge_endpoint(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), PurgeReceiver)
    server.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.CACHE_PURGE_URL = f"http://127.0.0.1:{server.server_address[1]}/purge/all"
    yield server
    server.shutdown()
    server.server_close()


# Real commits: the story's fixture already left a commit hook in a test's transaction.
@pytest.mark.django_db(transaction=True)
def test_a_committed_change_queues_one_purge_that_the_worker_sends(
    published_story, purge_endpoint, queued
):
    DBTaskResult.objects.all().delete()
    with transaction.atomic():
        published_story.save()
        published_story.key_points.first().save()

    assert purge_endpoint.received == []
    run_worker()
    assert purge_endpoint.received == [("POST", "/purge/all", None)]


@pytest.mark.django_db(transaction=True)
def test_a_failed_purge_is_tried_again(published_story, settings, queued):
    settings.CACHE_PURGE_URL = "http://127.0.0.1:9/unreachable"
    settings.TASK_RETRY_SECONDS = 0
    settings.TASK_ATTEMPTS = 2
    published_story.save()

    run_worker()

    purges = DBTaskResult.objects.filter(task_path="factlen.caching.purge_shared_caches_task")
    assert list(purges.values_list("status", flat=True)) == ["FAILED", "FAILED"]


@pytest.mark.django_db(transaction=True)
def test_no_purge_is_queued_without_a_purge_endpoint(published_story, queued):
    published_story.save()
    assert not DBTaskResult.objects.filter(task_path__contains="purge").exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text search is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_one_search_refresh_is_queued_per_transaction_and_the_worker_runs_it(topic, queued):
    with transaction.atomic():
        story = StoryFactory(topic=topic, title="Ferries")
        KeyPoint.objects.create(story=story, text="Timetables change in spring.")
        KeyPoint.objects.create(story=story, text="Fares stay the same.")

    (refresh,) = DBTaskResult.objects.filter(task_path="stories.tasks.refresh_search")
    assert refresh.args_kwargs["kwargs"] == {"story_ids": [story.pk]}
    assert list(search_stories("timetables", full_text=True)) == []
    run_worker()
    assert [s.title for s in search_stories("timetables", full_text=True)] == ["Ferries"]
