"""/healthz answers while the process runs; /readyz only while it can serve."""

import json

import pytest
from django.test import Client

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
        assert json.loads(body)["failed"] == ["database"]
        assert seconds < 3
        # The process itself is fine: nothing should restart it.
        assert fetch(throwaway_site + "/healthz")[0] == 200
