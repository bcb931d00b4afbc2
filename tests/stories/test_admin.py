import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sources.models import Source
from stories.models import Correction, Story, StoryAuthor
from stories.roles import EDITOR
from stories.search import refresh_search_vectors

from ..factories import (
    AuthorFactory,
    OutletFactory,
    SourceFactory,
    StoryFactory,
    complete_story,
    newsroom_member,
)
from ..html import attribute, elements, parse, text
from .test_locking import form_data

INLINES = [
    "story_authors",
    "viewpoints",
    "key_points",
    "timeline_events",
    "open_questions",
    "citations",
    "corrections",
]


def story_form(topic, **fields):
    """POST data for the story add/change form, with empty inline formsets."""
    data = {
        "title": "Council weighs bus lanes",
        "slug": "council-bus-lanes",
        "dek": "Faster buses or more parking.",
        "topic": topic.pk,
        "label": "Public Transit",
        "tags": "buses, parking",
        "status": "published",
        "published_at_0": "2026-11-20",
        "published_at_1": "09:00:00",
        "why_it_matters": "Half the city rides the bus.",
        "body": "The council voted [1]. Drivers object [2].",
    }
    for prefix in INLINES:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    data.update(fields)
    return data


def add_rows(data, prefix, rows):
    data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def full_story_form(topic, sources, **fields):
    data = story_form(topic, **fields)
    add_rows(data, "story_authors", [{"author": AuthorFactory().pk, "position": 0}])
    add_rows(
        data,
        "viewpoints",
        [
            {
                "label": f"View {i}",
                "stance": f"Stance {i}",
                "holders": f"Holders {i}",
                "summary": f"Summary {i}",
                "detail": f"Detail {i} [{i + 1}]",
                "position": i,
            }
            for i in range(2)
        ],
    )
    add_rows(data, "key_points", [{"text": f"Point {i}", "position": i} for i in range(3)])
    add_rows(data, "open_questions", [{"text": "Who pays?", "status": "open", "position": 0}])
    add_rows(
        data,
        "timeline_events",
        [{"when": "2019", "text": "Study"}, {"when": "2024-02", "text": "Vote"}],
    )
    add_rows(
        data,
        "citations",
        [{"number": i + 1, "source": source.pk} for i, source in enumerate(sources)],
    )
    return data


def sign_off_viewpoints(story, editor):
    """`editor` ticks every viewpoint's sign-off box on the change form and saves."""
    client = Client()
    client.force_login(editor)
    url = f"/admin/stories/story/{story.pk}/change/"
    data = form_data(client.get(url))
    for i in range(story.viewpoints.count()):
        data[f"viewpoints-{i}-sign_off"] = "on"
    response = client.post(url, data)
    assert response.status_code == 302, errors_of(response)
    return response


def errors_of(response):
    """Every error message the admin form shows, as text."""
    assert response.status_code == 200, "expected the form to be shown again"
    messages = list(response.context["errors"])
    for formset in response.context["inline_admin_formsets"]:
        messages += formset.formset.non_form_errors()
    return " ".join(str(m) for m in messages)


@pytest.mark.django_db
def test_story_add_and_change_pages_open_with_every_inline(editor_client, published_story):
    add = editor_client.get("/admin/stories/story/add/")
    assert add.status_code == 200
    change = editor_client.get(f"/admin/stories/story/{published_story.pk}/change/")
    assert change.status_code == 200
    page = parse(change.content.decode())
    for prefix in INLINES:
        assert elements(page, "input", name=f"{prefix}-TOTAL_FORMS"), prefix
    # The timeline date as the editor typed it.
    assert elements(page, "input", name="timeline_events-0-when", value="2015-02")
    assert [text(a) for a in elements(page, "a", class_="viewsitelink")] == ["View on site"]


@pytest.mark.django_db
def test_an_editor_creates_a_complete_story_with_every_inline(editor_client, topic):
    sources = [SourceFactory(), SourceFactory()]
    response = editor_client.post(
        "/admin/stories/story/add/", full_story_form(topic, sources), follow=True
    )
    assert response.status_code == 200
    story = Story.objects.get(slug="council-bus-lanes")
    assert story.viewpoints.count() == 2
    assert story.key_points.count() == 3
    assert story.open_questions.count() == 1
    assert [e.when.display() for e in story.timeline_events.all()] == ["2019", "Feb 2024"]
    assert [c.source for c in story.citations.all()] == sources
    assert sorted(story.tags.names()) == ["buses", "parking"]
    assert story.status == "draft"  # the form cannot set the state; the workflow does
    assert story.owner.username == "erin"
    assert editor_client.get(story.get_absolute_url()).status_code == 404
    # Erin wrote it, so another editor signs its viewpoints off as fair.
    sign_off_viewpoints(story, newsroom_member("eddie", EDITOR))
    response = editor_client.post(
        f"/admin/stories/story/{story.pk}/transition/publish/",
        {"published_at": "2026-11-20T09:00", "comment": ""},
    )
    assert response.status_code == 302
    assert editor_client.get(story.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_a_body_citing_a_missing_number_is_refused_naming_the_marker(editor_client, topic):
    sources = [SourceFactory()]
    data = full_story_form(topic, sources)
    response = editor_client.post("/admin/stories/story/add/", data)
    assert "The body cites [2], but no citation is numbered 2." in errors_of(response)
    assert not Story.objects.exists()
    # What the editor typed is still on the form.
    assert "Drivers object [2]." in response.content.decode()


@pytest.mark.django_db
def test_the_marker_problem_is_shown_on_the_body_field_too(editor_client, topic):
    data = full_story_form(topic, [SourceFactory()])
    response = editor_client.post("/admin/stories/story/add/", data)
    body_errors = response.context["adminform"].form.errors["body"]
    assert body_errors == ["The body cites [2], but no citation is numbered 2."]


@pytest.mark.django_db
def test_citation_numbers_with_a_gap_are_refused(editor_client, topic):
    data = full_story_form(topic, [SourceFactory(), SourceFactory()])
    data["citations-1-number"] = "3"
    data["body"] = "One [1]. Three [3]."
    response = editor_client.post("/admin/stories/story/add/", data)
    assert "Citations are numbered 1 to 2 with no gap; number 2 is missing." in errors_of(response)
    assert not Story.objects.exists()


@pytest.mark.django_db
def test_two_citations_with_the_same_number_are_refused(editor_client, topic):
    data = full_story_form(topic, [SourceFactory(), SourceFactory(), SourceFactory()])
    data["citations-2-number"] = "2"
    response = editor_client.post("/admin/stories/story/add/", data)
    assert "Two or more citations are numbered 2" in errors_of(response)
    assert not Story.objects.exists()


@pytest.mark.django_db
def test_editing_the_body_alone_is_checked_against_saved_citations(editor_client, published_story):
    url = f"/admin/stories/story/{published_story.pk}/change/"
    form = editor_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data = story_form(published_story.topic, title=published_story.title)
    data["slug"] = published_story.slug
    for inline in editor_client.get(url).context["inline_admin_formsets"]:
        formset = inline.formset
        data[f"{formset.prefix}-TOTAL_FORMS"] = str(len(formset.forms))
        data[f"{formset.prefix}-INITIAL_FORMS"] = str(formset.initial_form_count())
        for f in formset.forms:
            for name, field in f.fields.items():
                value = f.initial.get(name, field.initial)
                if value is not None:
                    data[f"{f.prefix}-{name}"] = getattr(value, "pk", value)
    data["body"] = "Now citing a fourth source [4]."
    response = editor_client.post(url, data)
    assert "The body cites [4], but no citation is numbered 4." in errors_of(response)
    published_story.refresh_from_db()
    assert "[4]" not in published_story.body


@pytest.mark.django_db
def test_a_bad_timeline_date_is_refused_with_the_expected_forms(editor_client, topic):
    data = full_story_form(topic, [SourceFactory(), SourceFactory()])
    data["timeline_events-1-when"] = "Feb 2024"
    response = editor_client.post("/admin/stories/story/add/", data)
    assert response.status_code == 200
    assert "is not a date (use YYYY, YYYY-MM or YYYY-MM-DD)" in response.content.decode()
    assert not Story.objects.exists()


@pytest.mark.django_db
def test_story_list_shows_status_topic_and_source_count_and_filters(
    editor_client, published_story, draft_story
):
    response = editor_client.get("/admin/stories/story/")
    html = response.content.decode()
    assert published_story.title in html and draft_story.title in html
    row = response.context["cl"].result_list.get(pk=published_story.pk)
    assert row.source_count == 3
    drafts = editor_client.get("/admin/stories/story/?status__exact=draft")
    assert list(drafts.context["cl"].result_list) == [draft_story]
    refresh_search_vectors()  # kept on commit, which a test's transaction never reaches
    found = editor_client.get("/admin/stories/story/?q=Opening+paragraph")
    assert list(found.context["cl"].result_list) == [published_story]
    tagged = editor_client.get("/admin/stories/story/?tags__id__exact=999999")
    assert list(tagged.context["cl"].result_list) == []


@pytest.mark.django_db
def test_source_list_counts_citing_stories_and_searches_by_outlet(editor_client, published_story):
    source = published_story.citations.get(number=1).source
    StoryFactory().citations.create(source=source, number=1)
    response = editor_client.get("/admin/sources/source/")
    row = response.context["cl"].result_list.get(pk=source.pk)
    assert row.story_count == 2
    found = editor_client.get(f"/admin/sources/source/?q={source.outlet.name}")
    assert source in found.context["cl"].result_list


@pytest.mark.django_db
def test_sources_are_picked_by_autocomplete(editor_client, published_story):
    source = published_story.citations.get(number=2).source
    response = editor_client.get(
        "/admin/autocomplete/",
        {
            "term": source.title,
            "app_label": "stories",
            "model_name": "citation",
            "field_name": "source",
        },
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(source.pk)]


@pytest.mark.django_db
def test_a_source_added_in_the_admin_is_stored_normalised(editor_client):
    ledger = OutletFactory(name="Larkport Ledger")
    ledger.domains.create(domain="ledger.example")
    response = editor_client.post(
        "/admin/sources/source/add/",
        {"title": "Buses", "url": "HTTPS://www.Ledger.example/buses/?utm_source=x"},
    )
    assert response.status_code == 302
    source = Source.objects.get()
    assert source.url == "https://www.ledger.example/buses"
    assert source.outlet == ledger  # matched by domain
    again = editor_client.post(
        "/admin/sources/source/add/",
        {"title": "Buses", "url": "https://www.ledger.example/buses/"},
    )
    assert again.status_code == 200
    assert f"Already a source: Larkport Ledger: Buses (#{source.pk}). Cite that one." in (
        again.content.decode()
    )
    bad = editor_client.post(
        "/admin/sources/source/add/", {"title": "X", "url": "javascript:alert(1)"}
    )
    assert bad.context["adminform"].form.errors["url"] == ["Enter a valid URL."]


@pytest.mark.django_db
def test_a_topic_cannot_take_a_site_path_as_its_slug(editor_client):
    response = editor_client.post("/admin/stories/topic/add/", {"name": "Search", "slug": "search"})
    assert response.status_code == 200
    assert "is a site path (/search/)" in response.content.decode()


# Two of them list the topic's open questions the story may answer, and those it does.
CHANGE_PAGE_BUDGET = 24  # the byline: its inline rows, and for the checklist
INLINE_TABLES = [
    "stories_viewpoint",
    "stories_keypoint",
    "stories_timelineevent",
    "stories_citation",
    "stories_correction",
]


@pytest.mark.django_db
def test_the_change_page_loads_the_story_once_whatever_its_inlines_hold(editor_client, topic):
    counts = []
    for size in (2, 6):
        story = complete_story(size=size, topic=topic)
        # complete_story names one author; `size` of them here.
        byline_authors = [AuthorFactory() for _ in range(size - 1)]
        for position, author in enumerate(byline_authors, start=1):
            StoryAuthor.objects.create(story=story, author=author, position=position)
        with CaptureQueriesContext(connection) as queries:
            response = editor_client.get(f"/admin/stories/story/{story.pk}/change/")
        assert response.status_code == 200
        story_reads = [
            q["sql"]
            for q in queries.captured_queries
            # Reads of story rows, not subqueries that name stories (the
            # questions this story may answer come from the topic's latest).
            if q["sql"].startswith('SELECT "stories_story".')
        ]
        assert len(story_reads) == 1, story_reads
        for table in INLINE_TABLES:
            # Read with the story, and shown from there: not again for its formset.
            sql = [q["sql"] for q in queries.captured_queries]
            reads = [q for q in sql if q.startswith(f'SELECT "{table}".')]
            assert len(reads) == 1, reads
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{counts[0]} queries with 2 of each inline, {counts[1]} with 6"
    assert counts[1] <= CHANGE_PAGE_BUDGET, (
        f"{counts[1]} queries; the budget is {CHANGE_PAGE_BUDGET}"
    )


@pytest.mark.django_db
def test_a_save_that_goes_through_runs_no_publish_checks(
    editor_client, published_story, monkeypatch
):
    from stories import admin_workflow

    runs = []
    monkeypatch.setattr(admin_workflow, "run_checks", lambda story: runs.append(story) or [])
    url = f"/admin/stories/story/{published_story.pk}/change/"
    data = form_data(editor_client.get(url))
    assert len(runs) == 1  # the page shows the checklist
    assert editor_client.post(url, data | {"title": "A sharper headline"}).status_code == 302
    assert len(runs) == 1


@pytest.mark.django_db
def test_the_editor_role_runs_the_newsroom_but_not_the_accounts(editor_client):
    assert editor_client.get("/admin/stories/topic/add/").status_code == 200
    assert editor_client.get("/admin/sources/outlet/").status_code == 200
    assert editor_client.get("/admin/newsletter/subscriber/").status_code == 200
    assert editor_client.get("/admin/auth/user/").status_code == 403


def _listed(client, **params):
    response = client.get("/admin/stories/story/", params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


@pytest.mark.django_db
def test_the_story_of_that_exact_title_is_listed_first_in_a_search(editor_client, topic):
    old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=400)
    exact = StoryFactory(title="Harbour ferry fares", topic=topic, published_at=old)
    titled = StoryFactory(title="Harbour ferry fares rise again", topic=topic)
    mentioned = StoryFactory(
        title="Council budget", dek="Harbour ferry fares and more.", topic=topic
    )
    StoryFactory(title="Unrelated", topic=topic)
    refresh_search_vectors()
    assert _listed(editor_client, q="harbour ferry fares") == [exact, titled, mentioned]
    by_slug = _listed(editor_client, q=mentioned.slug)
    assert by_slug[0] == mentioned
    # A column the editor sorts by wins over the rank.
    assert _listed(editor_client, q="harbour ferry fares", o="1")[0] == mentioned


@pytest.mark.django_db
def test_the_story_search_reads_the_search_vector_on_postgresql(editor_client, topic):
    if connection.vendor != "postgresql":
        pytest.skip("the search vector is PostgreSQL's; SQLite matches substrings as before")
    StoryFactory(title="Tram timetable", topic=topic)
    with CaptureQueriesContext(connection) as queries:
        editor_client.get("/admin/stories/story/", {"q": "tram"})
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert '"search_vector" @@' in sql
    assert 'UPPER("stories_story"."body"' not in sql


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?q=story", "?status__exact=published", "?o=2"])
def test_the_story_list_runs_as_many_queries_for_three_stories_as_for_twelve(
    editor_client, topic, query
):
    counts = []
    for total in (3, 12):
        while Story.objects.count() < total:
            complete_story(size=2, topic=topic)
        refresh_search_vectors()
        with CaptureQueriesContext(connection) as queries:
            response = editor_client.get(f"/admin/stories/story/{query}")
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == total
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{query}: {counts[0]} queries at 3 stories, {counts[1]} at 12"


@pytest.mark.django_db
def test_the_story_list_leaves_long_texts_unread(editor_client, published_story):
    with CaptureQueriesContext(connection) as queries:
        editor_client.get("/admin/stories/story/")
    listing = [q["sql"] for q in queries.captured_queries if "LIMIT" in q["sql"]]
    assert listing
    for sql in listing:
        assert '"stories_story"."body"' not in sql
        assert '"stories_story"."search_vector"' not in sql


@pytest.mark.django_db
def test_the_story_search_lists_the_newest_matches_and_an_old_exact_title(
    editor_client, topic, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite lists every substring match, as before")
    from stories import search

    monkeypatch.setattr(search, "MAX_RANKED", 2)
    long_ago = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=900)
    exact = StoryFactory(title="Ferry strike", topic=topic, published_at=long_ago)
    newer = [StoryFactory(title=f"Ferry strike, day {i}", topic=topic) for i in range(4)]
    refresh_search_vectors()
    found = _listed(editor_client, q="ferry strike")
    assert found[0] == exact
    assert set(found[1:]) == {newer[-1], newer[-2]}


NEW_STORY_ROWS = {
    "viewpoints": 3,
    "key_points": 3,
    "timeline_events": 2,
    "open_questions": 1,
    "citations": 2,
    "corrections": 0,
}


@pytest.mark.django_db
def test_a_new_story_opens_with_the_rows_a_publishable_story_needs(editor_client, published_story):
    add = parse(editor_client.get("/admin/stories/story/add/").content.decode())
    change = parse(
        editor_client.get(f"/admin/stories/story/{published_story.pk}/change/").content.decode()
    )
    for prefix, rows in NEW_STORY_ROWS.items():
        total = attribute(elements(add, "input", name=f"{prefix}-TOTAL_FORMS")[0], "value")
        assert total == str(rows), prefix
        initial = attribute(elements(change, "input", name=f"{prefix}-INITIAL_FORMS")[0], "value")
        total = attribute(elements(change, "input", name=f"{prefix}-TOTAL_FORMS")[0], "value")
        assert total == initial, f"{prefix}: an existing story gets no empty rows"


@pytest.mark.django_db
def test_rows_left_empty_on_a_new_story_are_not_saved(editor_client, topic):
    sources = [SourceFactory(), SourceFactory()]
    data = full_story_form(topic, sources)
    # The form as the browser sends it: the blank rows come too, untouched.
    for prefix, rows in NEW_STORY_ROWS.items():
        filled = int(data[f"{prefix}-TOTAL_FORMS"])
        for i in range(filled, max(rows, filled)):
            data[f"{prefix}-{i}-position"] = "0" if prefix not in ("citations",) else ""
        data[f"{prefix}-TOTAL_FORMS"] = str(max(rows, filled))
    for key in [k for k in data if k.endswith("-position") and data[k] == ""]:
        del data[key]
    response = editor_client.post("/admin/stories/story/add/", data, follow=True)
    assert response.status_code == 200
    story = Story.objects.get(slug="council-bus-lanes")
    assert story.viewpoints.count() == 2
    assert story.key_points.count() == 3
    assert story.citations.count() == 2


@pytest.mark.django_db
def test_viewpoint_fields_say_where_the_reader_sees_them(editor_client):
    html = editor_client.get("/admin/stories/story/add/").content.decode()
    assert "Stance: one line in the strip at the top" in html
    assert "Summary: the bold sentence in “Viewpoints in depth”" in html
    assert "Key point (one sentence)" in html


@pytest.mark.django_db
def test_the_change_page_loads_the_scripts_of_every_inlines_widgets(editor_client, topic):
    story = complete_story(size=2, topic=topic)
    page = parse(editor_client.get(f"/admin/stories/story/{story.pk}/change/").content.decode())
    scripts = [attribute(s, "src") for s in elements(page, "script") if attribute(s, "src")]
    for needed in (
        "admin/js/inlines",  # adding and removing rows
        "admin/js/autocomplete",  # the source picker of each citation
        "admin/js/admin/DateTimeShortcuts",  # a citation's access date
        "adminsortable2/js/adminsortable2",  # dragging viewpoints, key points, questions
    ):
        assert any(needed in src for src in scripts), (needed, scripts)


def test_the_admin_index_lists_stories_sources_and_the_newsletter_first(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("chief", "c@example.org", "x"))
    html = client.get("/admin/").content.decode()
    sections = [
        attribute(section, "class").split()[0]
        for section in elements(parse(html), "div")
        if "module" in (attribute(section, "class") or "").split()
    ]
    assert sections[:3] == ["app-stories", "app-sources", "app-newsletter"]
    assert {"app-auth", "app-axes"} <= set(sections[3:])


def test_a_public_note_s_heading_names_its_kind_once(editor_client, published_story):
    long = "An earlier version of this story gave the consultation's closing date wrongly."
    note = Correction.objects.create(story=published_story, kind="correction", text=long)
    url = f"/admin/stories/story/{published_story.pk}/change/"
    html = editor_client.get(url).content.decode()
    assert "Public note:" in html
    assert "Correction: Correction:" not in html
    assert str(note) == f"Correction: {long[:59]}…"  # cut, and said to be


def test_the_admin_writes_times_one_way_as_readers_pages_do(editor_client, topic, settings):
    settings.TIME_ZONE = "Europe/London"
    when = datetime.datetime(2026, 11, 27, 14, 5, tzinfo=datetime.timezone.utc)
    StoryFactory(topic=topic, title="Ferry fares", published_at=when)
    html = editor_client.get("/admin/stories/story/").content.decode()
    (row,) = [row for row in elements(parse(html), "tr") if "Ferry fares" in text(row)]
    assert "27 Nov 2026, 14:05" in text(row)  # not "2:05 p.m."
