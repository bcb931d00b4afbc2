"""Server time, SQL queries and bytes of a page, measured in this process.

Django's test client runs the full request through the middleware and the
view with the production settings, against the benchmark's database; no
network or gunicorn in between, so the time is the server's own.
"""

import re
import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

HOST = "127.0.0.1"


def client(user=None) -> Client:
    browser = Client(HTTP_HOST=HOST)
    if user is not None:
        browser.force_login(user)
    return browser


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def measure(browser: Client, path: str, *, repeats: int) -> dict:
    """One warming request, `repeats` timed ones (median), then one counting queries."""
    browser.get(path)
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        response = browser.get(path)
        _body(response)
        timings.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(path)
        body = _body(response)
    slowest = max(queries.captured_queries, key=lambda q: float(q["time"]), default=None)
    return {
        "status": response.status_code,
        "server_ms": statistics.median(timings),
        "queries": len(queries),
        "query_ms": sum(float(q["time"]) for q in queries.captured_queries) * 1000,
        "slowest_sql": slowest["sql"][:2000] if slowest else "",
        "slowest_sql_ms": float(slowest["time"]) * 1000 if slowest else 0.0,
        "bytes": len(body),
        "body": body,
    }


def sitemap_sections(browser: Client, *, repeats: int) -> list[dict]:
    """Every section the sitemap index lists, measured as above."""
    index = _body(browser.get("/sitemap.xml")).decode()
    paths = [
        re.sub(r"^https?://[^/]+", "", loc) for loc in re.findall(r"<loc>([^<]+)</loc>", index)
    ]
    results = []
    for path in paths:
        found = measure(browser, path.replace("&amp;", "&"), repeats=repeats)
        found.pop("body")
        results.append({"path": path, **found})
    return results
