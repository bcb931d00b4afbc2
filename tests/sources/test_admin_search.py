"""The source and outlet lists' search and pickers: the obvious match first,
rows counted only as far as a page needs, and as many queries whatever the
archive holds."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext

from factlen.pagination import EstimatedCountPaginator, about
from sources.models import Source

from ..factories import OutletFactory, SourceFactory
from ..html import attribute, elements, parse, text

pytestmark = pytest.mark.django_db

PICKER = {"app_label": "stories", "model_name": "citation", "field_name": "source"}
OUTLET_PICKER = {"app_label": "sources", "model_name": "source", "field_name": "outlet"}


def listed(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def picked(client, term, picker=PICKER):
    response = client.get("/admin/autocomplete/", {**picker, "term": term})
    assert response.status_code == 200
    return response.json()


def test_a_pasted_url_lists_its_own_source_before_longer_urls_containing_it(editor_client):
    ledger = OutletFactory(name="Larkport Ledger")
    exact = SourceFactory(outlet=ledger, url="https://ledger.example/budget", title="Budget")
    for suffix in ("-vote", "-reaction", "-explained"):  # newer, so listed first otherwise
        SourceFactory(outlet=ledger, url=f"https://ledger.example/budget{suffix}")
    found = listed(editor_client, "/admin/sources/source/", q="https://ledger.example/budget")
    assert found[0] == exact
    assert len(found) == 4


def test_a_pasted_url_with_tracking_parameters_still_finds_its_source(editor_client):
    source = SourceFactory(url="https://ledger.example/budget")
    url = "HTTPS://ledger.example/budget/?utm_source=newsletter#top"
    assert listed(editor_client, "/admin/sources/source/", q=url) == [source]
    assert [r["id"] for r in picked(editor_client, url)["results"]] == [str(source.pk)]


def test_the_outlet_of_that_name_comes_before_headlines_that_mention_it(editor_client):
    times = OutletFactory(name="Harbour Times")
    own = [SourceFactory(outlet=times, title=f"Ferry fares {i}") for i in range(2)]
    for i in range(3):  # newer sources of other outlets naming it in the headline
        SourceFactory(title=f"Harbour Times owner sells paper, part {i}")
    found = listed(editor_client, "/admin/sources/source/", q="harbour times")
    assert set(found[:2]) == set(own)
    assert len(found) == 5
    results = picked(editor_client, "Harbour Times")["results"]
    assert {r["id"] for r in results[:2]} == {str(s.pk) for s in own}


def test_an_exact_headline_comes_before_headlines_that_start_or_contain_it(editor_client):
    contains = SourceFactory(title="Why the port budget failed")
    starts = SourceFactory(title="Port budget: the vote")
    exact = SourceFactory(title="Port budget")
    SourceFactory(title="Something else entirely")
    found = listed(editor_client, "/admin/sources/source/", q="port budget")
    assert found == [exact, starts, contains]


def test_sorting_by_a_column_overrides_the_search_rank(editor_client):
    SourceFactory(title="Port budget")
    SourceFactory(title="A port budget vote")
    found = listed(editor_client, "/admin/sources/source/", q="port budget", o="1")
    assert [s.title for s in found] == ["A port budget vote", "Port budget"]


def test_the_outlet_of_that_exact_name_or_domain_is_listed_and_picked_first(editor_client):
    OutletFactory(name="Alpha Times")
    OutletFactory(name="Bay Times")
    times = OutletFactory(name="Times")
    assert listed(editor_client, "/admin/sources/outlet/", q="times")[0] == times
    assert picked(editor_client, "times", OUTLET_PICKER)["results"][0]["id"] == str(times.pk)
    bay = OutletFactory(name="Bay News")
    bay.domains.create(domain="baynews.example")
    OutletFactory(name="Baynews.example Watchers")
    assert listed(editor_client, "/admin/sources/outlet/", q="baynews.example")[0] == bay


def test_the_source_picker_runs_as_many_queries_for_three_matches_as_for_sixty(editor_client):
    outlet = OutletFactory(name="Quay Post")
    counts = []
    for total in (3, 60):
        while outlet.sources.count() < total:
            SourceFactory(outlet=outlet, title=f"Quay story {outlet.sources.count()}")
        with CaptureQueriesContext(connection) as queries:
            found = picked(editor_client, "quay")
        counts.append(len(queries))
        assert len(found["results"]) == min(total, 20)
        assert found["pagination"]["more"] == (total > 20)
        counted = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
        assert counted == [], "a picker only asks whether there is more"
    assert counts[0] == counts[1], f"{counts[0]} queries for 3 matches, {counts[1]} for 60"
    last = editor_client.get("/admin/autocomplete/", {**PICKER, "term": "quay", "page": 3})
    assert len(last.json()["results"]) == 20
    assert last.json()["pagination"]["more"] is False


@pytest.mark.parametrize(
    "url", ["/admin/sources/source/", "/admin/sources/outlet/", "/admin/sources/source/?q=news"]
)
def test_source_and_outlet_lists_run_as_many_queries_at_two_sizes(editor_client, url):
    counts = []
    for total in (3, 12):
        while OutletFactory._meta.model.objects.count() < total:
            outlet = OutletFactory()
            outlet.domains.create(domain=f"{outlet.slug}.example")
            for _ in range(2):
                SourceFactory(outlet=outlet)
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{url}: {counts[0]} queries at 3 outlets, {counts[1]} at 12"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="estimates are PostgreSQL's")
def test_a_long_list_is_numbered_from_the_tables_estimate_not_counted(editor_client, monkeypatch):
    monkeypatch.setattr(EstimatedCountPaginator, "limit", 5)
    outlet = OutletFactory()
    for _ in range(12):
        SourceFactory(outlet=outlet)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sources_source")
    with CaptureQueriesContext(connection) as queries:
        response = editor_client.get("/admin/sources/source/")
    assert response.context["cl"].result_count == 12  # ANALYZE saw every row of so few
    whole_counts = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT COUNT(*) AS "__count" FROM "sources_source"')
    ]
    assert whole_counts == []
    # A filtered list is counted as far as the limit, then estimated by the planner.
    filtered = editor_client.get("/admin/sources/source/", {"q": "headline"})
    assert filtered.context["cl"].result_count > 5


def test_a_short_list_is_counted_exactly(editor_client):
    for _ in range(3):
        SourceFactory()
    response = editor_client.get("/admin/sources/source/")
    assert response.context["cl"].result_count == 3
    assert response.context["cl"].count_is_estimated is False
    assert paginator_text(response) == "3 sources"


def paginator_text(response) -> str:
    return " ".join(
        text(elements(parse(response.content.decode()), "p", class_="paginator")[0]).split()
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="estimates are PostgreSQL's")
def test_an_estimated_count_is_shown_as_an_estimate_and_an_exact_one_as_exact(
    editor_client, monkeypatch
):
    monkeypatch.setattr(EstimatedCountPaginator, "limit", 5)
    outlet = OutletFactory()
    for _ in range(12):
        SourceFactory(outlet=outlet, title="Harbour headline")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sources_source")
    whole = editor_client.get("/admin/sources/source/")
    assert whole.context["cl"].count_is_estimated is True
    assert paginator_text(whole) == "about 12 sources"
    # Selecting every row across the pages says how many, as an estimate too.
    monkeypatch.setattr(admin.site._registry[Source], "list_per_page", 5)
    paged = editor_client.get("/admin/sources/source/")
    assert "Select all sources (of about 12)" in text(parse(paged.content.decode()))
    assert paged.context["selection_note_all"] == "All of about 12 selected"
    monkeypatch.undo()
    monkeypatch.setattr(EstimatedCountPaginator, "limit", 5)
    searched = editor_client.get("/admin/sources/source/", {"q": "harbour"})
    assert searched.context["cl"].count_is_estimated is True
    assert "about " in text(elements(parse(searched.content.decode()), "span", class_="quiet")[0])
    # Within the limit the count is exact, and shown so.
    monkeypatch.setattr(EstimatedCountPaginator, "limit", 1000)
    exact = editor_client.get("/admin/sources/source/")
    assert exact.context["cl"].count_is_estimated is False
    assert paginator_text(exact) == "12 sources"


def test_estimates_are_rounded_to_two_figures():
    assert about(21_614) == "about 22,000"
    assert about(1_234) == "about 1,200"
    assert about(98) == "about 98"


def test_the_source_list_shows_a_long_address_cut_and_whole_in_its_tooltip(editor_client):
    long = "https://news.example.org/2026/11/27/" + "council-budget-" * 8 + "report.html"
    SourceFactory(url=long, title="Budget report")
    SourceFactory(url="https://example.org/a", title="Short one")
    page = parse(editor_client.get("/admin/sources/source/").content.decode())
    cells = {text(cell): cell for cell in elements(page, "span") if attribute(cell, "title")}
    (cut,) = [shown for shown in cells if shown.startswith("news.example.org/")]
    assert len(cut) == 48 and cut.startswith("news.example.org/…") and cut.endswith("report.html")
    assert attribute(cells[cut], "title") == long
    assert attribute(cells["example.org/a"], "title") == "https://example.org/a"
