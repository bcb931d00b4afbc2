import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sources.models import Source
from stories.models import Story
from stories.roles import EDITOR

from ..factories import (
    OutletFactory,
    SourceFactory,
    StoryFactory,
    complete_story,
    newsroom_member,
)
from ..html import elements, parse, text
from .test_locking import form_data

INLINES = [
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
        "byline": "Factlen Editorial Team",
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
CHANGE_PAGE_BUDGET = 28


@pytest.mark.django_db
def test_the_change_page_loads_the_story_once_whatever_its_inlines_hold(editor_client, topic):
    counts = []
    for size in (2, 6):
        story = complete_story(size=size, topic=topic)
        with CaptureQueriesContext(connection) as queries:
            response = editor_client.get(f"/admin/stories/story/{story.pk}/change/")
        assert response.status_code == 200
        story_reads = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].startswith("SELECT") and 'FROM "stories_story"' in q["sql"]
        ]
        assert len(story_reads) == 1, story_reads
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
