"""With PostgreSQL stopped, readers and editors are told to come back, quickly;
kept pages are still served; and the site recovers by itself when it returns."""

import time

from .throwaway_site import database_stopped, fetch


def test_readers_get_a_styled_503_with_retry_after_while_the_database_is_down(
    throwaway_postgres, throwaway_site
):
    assert fetch(throwaway_site + "/")[0] == 200
    with database_stopped(throwaway_postgres):
        status, headers, body, seconds = fetch(throwaway_site + "/search/?q=anything")
    assert status == 503
    assert headers["Retry-After"] == "10"
    assert "We’ll be back in a moment" in body
    assert "/static/css/site." in body  # the site's own look, not a bare error
    assert seconds < 1


def test_the_admin_says_the_database_is_unavailable(throwaway_postgres, throwaway_site):
    with database_stopped(throwaway_postgres):
        status, headers, body, _ = fetch(
            throwaway_site + "/admin/", Cookie="sessionid=an-editors-session"
        )
    assert status == 503
    assert "Retry-After" in headers
    assert "The newsroom database is unavailable" in body


def test_pages_already_in_the_page_cache_are_served_while_the_database_is_down(
    throwaway_postgres, throwaway_site
):
    # Served once to be kept (the worker's local-memory cache), then again without the database.
    fetch(throwaway_site + "/corrections/")
    with database_stopped(throwaway_postgres):
        status, headers, body, _ = fetch(throwaway_site + "/corrections/")
    assert status == 200
    assert "Corrections" in body
    assert headers["X-Page-Cache"] == "hit"


def test_the_site_recovers_within_five_seconds_of_the_database_returning(
    throwaway_postgres, throwaway_site
):
    # A page that queries on every request, so the worker's kept connection is used.
    assert fetch(throwaway_site + "/search/?q=before")[0] == 200
    with database_stopped(throwaway_postgres):
        assert fetch(throwaway_site + "/search/?q=during")[0] == 503
    back = time.monotonic()
    statuses = []
    while time.monotonic() - back < 5:
        statuses.append(fetch(throwaway_site + f"/search/?q=after{len(statuses)}")[0])
        if statuses[-1] == 200:
            break
        time.sleep(0.1)
    assert statuses[-1] == 200, statuses
    # Once back, no request fails on a connection the outage broke.
    assert {fetch(throwaway_site + f"/search/?q=then{n}")[0] for n in range(5)} == {200}
