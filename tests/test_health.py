"""/healthz answers while the process runs; /readyz only while it can serve."""

import json

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from .throwaway_site import database_stopped, fetch


def test_healthz_answers_without_touching_the_database(client):
    # No `db` fixture: any query here would raise.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_the_database_and_the_cache_ready(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body["checks"] == {"database": "ok", "cache": "ok"}


@pytest.mark.django_db
def test_probes_are_never_cached(client):
    for path in ("/healthz", "/readyz"):
        response = client.get(path)
        assert "no-store" in response["Cache-Control"]
        assert "X-Page-Cache" not in response


def test_probes_answer_whatever_host_name_the_prober_uses(db):
    # Docker's and a load balancer's probes use the container's own address.
    client = Client(HTTP_HOST="10.0.0.7:8000", raise_request_exception=False)
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/").status_code == 400


@pytest.mark.django_db
def test_readyz_names_a_cache_that_does_not_answer(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing listens
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert json.loads(response.content)["failed"] == ["cache"]


def test_readyz_names_the_database_when_it_is_stopped(throwaway_postgres, throwaway_site):
    status, _, body, _ = fetch(throwaway_site + "/readyz")
    assert status == 200, body
    with database_stopped(throwaway_postgres):
        status, _, body, seconds = fetch(throwaway_site + "/readyz")
        assert status == 503
        # The site's tasks queue in that database (TASKS_BACKEND=database), so it goes too.
        assert json.loads(body)["failed"] == ["database", "queue"]
        assert seconds < 3
        # The process itself is fine: nothing should restart it.
        assert fetch(throwaway_site + "/healthz")[0] == 200


@pytest.mark.django_db
def test_readyz_leaves_out_the_queue_when_tasks_run_where_they_are_queued(client):
    # The suite's tasks_run_at_once fixture: the immediate backend, no queue to ask.
    assert "queue" not in json.loads(client.get("/readyz").content)["checks"]


@pytest.mark.django_db(transaction=True)
def test_readyz_asks_the_tasks_table_with_the_database_backend(client, queued):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content)["checks"]["queue"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_readyz_names_the_queue_when_the_tasks_table_is_missing(client, queued):
    # A database that answers but was never migrated for the queue.
    from django.db import connection

    with connection.schema_editor() as editor:
        editor.delete_model(DBTaskResult)
    try:
        response = client.get("/readyz")
    finally:
        with connection.schema_editor() as editor:
            editor.create_model(DBTaskResult)
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["failed"] == ["queue"]
    assert body["checks"]["database"] == "ok"


def rq_tasks(settings, url):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.RQ_QUEUES = {"default": {"URL": url}}


@pytest.mark.django_db
def test_readyz_pings_the_queue_s_redis_with_the_redis_backend(client, settings, redis_queue):
    rq_tasks(settings, redis_queue)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content)["checks"]["queue"] == "ok"


@pytest.mark.django_db
def test_readyz_names_the_queue_when_its_redis_does_not_answer(client, settings):
    rq_tasks(settings, "redis://127.0.0.1:9/0")  # the discard port: nothing listens
    response = client.get("/readyz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["failed"] == ["queue"]
    assert body["checks"]["queue"].startswith("ConnectionError")
