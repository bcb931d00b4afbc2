"""Authors: bylines that link, author pages, the publish rule, packages and the admin."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from stories import limits
from stories.models import Author, Story, StoryAuthor
from stories.packages import PackageInvalid, export_package, import_package
from stories.publish_checks import run_checks
from stories.roles import EDITOR, WRITER

from ..factories import (
    AuthorFactory,
    SourceFactory,
    StoryFactory,
    byline,
    complete_story,
    newsroom_member,
    package_data,
)
from ..html import attribute, elements, parse, text

pytestmark = pytest.mark.django_db


def ago(hours):
    return timezone.now() - datetime.timedelta(hours=hours)


@pytest.fixture
def mara():
    return AuthorFactory(
        name="Mara Okafor",
        slug="mara-okafor",
        role="Housing editor",
        bio="Mara edits our housing coverage.\n\nShe lives by the harbour.",
        website="https://maraokafor.example/",
        social="https://social.example/@mara",
    )


def byline_links(html, css_class="byline"):
    found = elements(parse(html), "p", class_=css_class)[0]
    return [(text(a), attribute(a, "href")) for a in elements(found, "a", rel="author")]


def test_a_story_page_links_each_author_in_byline_order(client, topic, mara):
    hana = AuthorFactory(name="Hana Villiers", slug="hana-villiers")
    story = byline(StoryFactory(topic=topic), hana, mara)
    html = client.get(story.get_absolute_url()).content.decode()
    assert byline_links(html) == [
        ("Hana Villiers", "/authors/hana-villiers/"),
        ("Mara Okafor", "/authors/mara-okafor/"),
    ]
    assert "By Hana Villiers and Mara Okafor ·" in text(
        elements(parse(html), "p", class_="byline")[0]
    )


def test_story_cards_name_their_authors_with_links(client, topic, mara):
    byline(StoryFactory(topic=topic, title="Harbour homes"), mara)
    html = client.get(topic.get_absolute_url()).content.decode()
    card = elements(parse(html), "article", class_="card")[0]
    links = [(text(a), attribute(a, "href")) for a in elements(card, "a", rel="author")]
    assert links == [("Mara Okafor", "/authors/mara-okafor/")]


def test_the_author_page_shows_the_bio_links_and_live_stories_newest_first(client, topic, mara):
    old = byline(StoryFactory(topic=topic, title="Older story", published_at=ago(48)), mara)
    new = byline(StoryFactory(topic=topic, title="Newer story", published_at=ago(1)), mara)
    byline(StoryFactory(topic=topic, title="A draft of hers", draft=True), mara)
    byline(StoryFactory(topic=topic, title="Someone else's"), AuthorFactory())
    response = client.get("/authors/mara-okafor/")
    assert response.status_code == 200
    page = parse(response.content.decode())
    assert text(elements(page, "h1")[0]) == "Mara Okafor"
    assert "Housing editor" in text(page)
    assert "She lives by the harbour." in text(page)
    links = elements(elements(page, "ul", class_="author-links")[0], "a")
    assert [attribute(a, "href") for a in links] == [mara.website, mara.social]
    titles = [text(h) for h in elements(page, "h3", class_="card-title")]
    assert titles == [new.title, old.title]
    assert "2 stories" in text(page)


def test_the_author_page_is_paged_like_a_topic_page(client, topic, mara, settings):
    settings.STORIES_PER_PAGE = 2
    for hours in range(5):
        byline(StoryFactory(topic=topic, published_at=ago(hours + 1)), mara)
    first = parse(client.get("/authors/mara-okafor/").content.decode())
    third = parse(client.get("/authors/mara-okafor/?page=3").content.decode())
    assert len(elements(first, "article", class_="card")) == 2
    assert len(elements(third, "article", class_="card")) == 1
    assert "Page 1 of 3" in text(first)
    assert client.get("/authors/mara-okafor/?page=4").status_code == 404


def test_an_unknown_author_or_one_with_no_live_story_has_no_page(client, topic, mara):
    assert client.get("/authors/nobody/").status_code == 404
    byline(StoryFactory(topic=topic, draft=True), mara)
    assert client.get("/authors/mara-okafor/").status_code == 404


def test_the_author_page_describes_a_person_to_search_engines(client, topic, mara):
    story = byline(StoryFactory(topic=topic), mara)
    html = client.get("/authors/mara-okafor/").content.decode()
    from .test_syndication import json_ld

    data = json_ld(html)
    assert data["@type"] == "ProfilePage"
    assert data["mainEntity"] == {
        "@type": "Person",
        "name": "Mara Okafor",
        "url": "http://testserver/authors/mara-okafor/",
        "jobTitle": "Housing editor",
        "description": mara.bio,
        "sameAs": [mara.website, mara.social],
    }
    assert [part["url"] for part in data["hasPart"]] == [
        "http://testserver" + story.get_absolute_url()
    ]


def test_renaming_an_author_changes_their_bylines_on_the_next_request(client, topic, mara):
    story = byline(StoryFactory(topic=topic), mara)
    for url in (story.get_absolute_url(), topic.get_absolute_url(), "/authors/mara-okafor/"):
        assert "Mara Okafor" in client.get(url).content.decode()
    mara.name = "Mara Okafor-Reyes"
    mara.save()
    for url in (story.get_absolute_url(), topic.get_absolute_url(), "/authors/mara-okafor/"):
        assert "Mara Okafor-Reyes" in client.get(url).content.decode(), url


def test_a_new_byline_shows_on_the_story_page_at_once(client, topic, mara):
    story = StoryFactory(topic=topic)
    assert "Mara Okafor" not in client.get(story.get_absolute_url()).content.decode()
    StoryAuthor.objects.create(story=story, author=mara)
    assert "Mara Okafor" in client.get(story.get_absolute_url()).content.decode()


def test_an_author_bio_and_links_are_checked(mara):
    mara.bio = "x" * (limits.AUTHOR_BIO_LENGTH + 1)
    mara.website = "not a web address"
    with pytest.raises(ValidationError) as refused:
        mara.full_clean()
    assert set(refused.value.message_dict) == {"bio", "website"}


def test_publishing_needs_at_least_one_author(topic):
    story = complete_story(topic=topic, status=Story.Status.DRAFT, published_at=None)
    assert next(
        r for r in run_checks(Story.objects.for_page().get(pk=story.pk)) if r.rule == "authors"
    ).passed
    StoryAuthor.objects.filter(story=story).delete()
    result = next(
        r for r in run_checks(Story.objects.for_page().get(pk=story.pk)) if r.rule == "authors"
    )
    assert result.problems == ["Name at least one author: readers see who wrote the story."]


# Packages.


def test_a_package_names_existing_authors_by_slug_and_creates_new_ones(mara):
    data = package_data(
        authors=[
            {"slug": "new-reporter", "name": "New Reporter"},
            {"slug": "mara-okafor", "name": "M. Okafor"},
        ]
    )
    result = import_package(data)
    assert [(a.slug, a.name) for a in result.story.byline_authors] == [
        ("new-reporter", "New Reporter"),
        ("mara-okafor", "Mara Okafor"),  # an existing author keeps her name
    ]
    assert any("authors[1].name" in note and "Mara Okafor" in note for note in result.notes)
    assert Author.objects.get(slug="mara-okafor").bio == mara.bio


def test_a_package_with_two_authors_round_trips_in_order():
    data = package_data(
        authors=[
            {"slug": "hana-villiers", "name": "Hana Villiers", "kind": "person"},
            {"slug": "energy-desk", "name": "Energy Desk", "kind": "desk"},
        ]
    )
    first = export_package(import_package(data).story)
    assert first["authors"] == data["authors"]
    assert "byline" not in first
    Story.objects.all().delete()
    assert export_package(import_package(first).story) == first
    assert Author.objects.get(slug="energy-desk").kind == Author.Kind.DESK


def test_an_older_package_byline_becomes_its_authors():
    data = package_data(byline="Hana Villiers and Tomas Reyland")
    del data["authors"]
    story = import_package(data).story
    assert [(a.name, a.slug, a.kind) for a in story.byline_authors] == [
        ("Hana Villiers", "hana-villiers", "person"),
        ("Tomas Reyland", "tomas-reyland", "person"),
    ]
    again = package_data(slug="another", byline="Factlen Editorial Team")
    del again["authors"]
    desk = import_package(again).story.byline_authors
    assert [(a.name, a.kind) for a in desk] == [("Factlen Editorial Team", "desk")]


def test_a_package_naming_an_author_twice_is_refused_naming_where():
    data = package_data(
        authors=[{"slug": "mara-okafor", "name": "Mara"}, {"slug": "mara-okafor", "name": "M"}]
    )
    with pytest.raises(PackageInvalid) as refused:
        import_package(data)
    assert refused.value.problems == [
        "authors[1].slug: 'mara-okafor' is named twice: each author once"
    ]
    assert not Story.objects.exists() and not Author.objects.exists()


def test_a_package_with_too_many_authors_is_refused_in_the_limits_words():
    most = limits.ITEMS["story_authors"].most
    data = package_data(authors=[{"slug": f"a-{i}", "name": f"A {i}"} for i in range(most + 1)])
    with pytest.raises(PackageInvalid) as refused:
        import_package(data)
    assert refused.value.problems == [f"authors: {limits.ITEMS['story_authors'].refusal(most + 1)}"]


# The admin.


def test_editors_find_authors_by_name_in_the_authors_list(client, mara):
    AuthorFactory(name="Tomas Reyland", slug="tomas-reyland")
    client.force_login(newsroom_member("edna", EDITOR))
    response = client.get("/admin/stories/author/?q=okafor")
    assert [a.name for a in response.context["cl"].result_list] == ["Mara Okafor"]


def test_a_writer_picks_authors_by_autocomplete_but_cannot_make_them(client, mara):
    client.force_login(newsroom_member("wendy", WRITER))
    found = client.get(
        "/admin/autocomplete/",
        {
            "term": "mara",
            "app_label": "stories",
            "model_name": "storyauthor",
            "field_name": "author",
        },
    ).json()
    assert [r["text"] for r in found["results"]] == ["Mara Okafor"]
    assert client.get("/admin/stories/author/add/").status_code == 403


def test_the_story_form_saves_the_byline_in_the_order_given(client, topic, mara):
    from .test_admin import add_rows, full_story_form

    hana = AuthorFactory(name="Hana Villiers", slug="hana-villiers")
    client.force_login(newsroom_member("edna", EDITOR))
    data = add_rows(
        full_story_form(topic, [SourceFactory(), SourceFactory()]),
        "story_authors",
        [{"author": hana.pk, "position": 1}, {"author": mara.pk, "position": 2}],
    )
    response = client.post("/admin/stories/story/add/", data)
    assert response.status_code == 302
    story = Story.objects.get(slug=data["slug"])
    assert [a.name for a in story.byline_authors] == ["Hana Villiers", "Mara Okafor"]


def test_the_story_form_refuses_an_author_named_twice(client, topic, mara):
    from .test_admin import add_rows, errors_of, full_story_form

    client.force_login(newsroom_member("edna", EDITOR))
    data = add_rows(
        full_story_form(topic, [SourceFactory(), SourceFactory()]),
        "story_authors",
        [{"author": mara.pk, "position": 1}, {"author": mara.pk, "position": 2}],
    )
    response = client.post("/admin/stories/story/add/", data)
    assert not Story.objects.filter(slug=data["slug"]).exists()
    assert "Please correct the duplicate data for author." in errors_of(response)


# The demo.


def test_the_demo_names_its_authors_and_one_story_has_two(client):
    import io

    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())
    stories = Story.objects.published()
    assert all(s.story_authors.exists() for s in stories)
    assert Author.objects.filter(kind=Author.Kind.PERSON).exclude(bio="").count() >= 5
    paired = [s for s in stories if s.story_authors.count() == 2]
    assert len(paired) >= 1
    html = client.get(paired[0].get_absolute_url()).content.decode()
    assert len(byline_links(html)) == 2


def test_an_older_package_byline_too_long_for_a_name_is_cut_to_fit():
    data = package_data(byline="N" * 200)
    del data["authors"]
    (author,) = import_package(data).story.byline_authors
    assert author.name == "N" * Author._meta.get_field("name").max_length
