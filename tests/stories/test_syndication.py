"""Feeds, sitemaps, robots.txt and structured data, parsed as their readers parse them."""

import datetime
import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify

from stories.models import Author

from ..factories import AuthorFactory, StoryFactory, TopicFactory, byline, complete_story

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@pytest.fixture
def site(topic):
    energy = TopicFactory(slug="energy", name="Energy")
    story = complete_story(topic=topic, title="Open weights debate", slug="open-weights")
    other = StoryFactory(
        topic=energy,
        title="Grid tariff",
        published_at=timezone.now() - datetime.timedelta(days=5),
    )
    draft = StoryFactory(topic=topic, title="Secret draft", draft=True)
    future = StoryFactory(
        topic=topic, title="Embargoed", published_at=timezone.now() + datetime.timedelta(hours=3)
    )
    return {"story": story, "other": other, "draft": draft, "future": future}


def xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return ET.fromstring(response.content)


def test_rss_feed_lists_published_stories_with_their_details(client, site):
    channel = xml(client, "/feeds/rss/").find("channel")
    items = channel.findall("item")
    assert [i.findtext("title") for i in items] == ["Open weights debate", "Grid tariff"]
    first = items[0]
    assert first.findtext("description") == site["story"].dek
    assert first.findtext("link").endswith("/ai/open-weights/")
    categories = [c.text for c in first.findall("category")]
    assert categories[:2] == ["AI", "Local Politics"]
    assert {"tag 0", "tag 1", "tag 2"} <= set(categories)
    assert first.findtext("pubDate")


def test_atom_feed_carries_published_and_updated_times(client, site):
    feed = xml(client, "/feeds/atom/")
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Open weights debate", "Grid tariff"]
    entry = entries[0]
    assert entry.findtext(f"{ATOM}published").startswith(
        site["story"].published_at.strftime("%Y-%m-%d")
    )
    assert entry.findtext(f"{ATOM}updated")
    assert entry.find(f"{ATOM}summary").text == site["story"].dek


def test_topic_feeds_hold_only_that_topics_stories(client, site):
    rss = xml(client, "/feeds/energy/rss/").find("channel")
    assert [i.findtext("title") for i in rss.findall("item")] == ["Grid tariff"]
    atom = xml(client, "/feeds/ai/atom/")
    assert [e.findtext(f"{ATOM}title") for e in atom.findall(f"{ATOM}entry")] == [
        "Open weights debate"
    ]
    assert client.get("/feeds/nothing/rss/").status_code == 404


def test_every_page_announces_its_feeds(client, site):
    for url in ("/", "/ai/", site["story"].get_absolute_url()):
        html = client.get(url).content.decode()
        assert 'type="application/rss+xml"' in html and 'href="/feeds/rss/"' in html
        assert 'href="/feeds/atom/"' in html
    topic_page = client.get("/ai/").content.decode()
    assert 'href="/feeds/ai/rss/"' in topic_page


def test_sitemap_index_points_at_each_section(client, site):
    index = xml(client, "/sitemap.xml")
    locations = [s.findtext(f"{SITEMAP}loc") for s in index.findall(f"{SITEMAP}sitemap")]
    assert sorted(re.sub(r"^https?://[^/]+", "", loc) for loc in locations) == [
        "/sitemap-authors.xml",
        "/sitemap-sources.xml",
        "/sitemap-stories.xml",
        "/sitemap-topics.xml",
    ]


def test_story_sitemap_lists_published_stories_with_their_update_time(client, site):
    urlset = xml(client, "/sitemap-stories.xml")
    entries = {
        re.sub(r"^https?://[^/]+", "", u.findtext(f"{SITEMAP}loc")): u.findtext(f"{SITEMAP}lastmod")
        for u in urlset.findall(f"{SITEMAP}url")
    }
    story = site["story"]
    assert set(entries) == {story.get_absolute_url(), site["other"].get_absolute_url()}
    assert entries[story.get_absolute_url()].startswith(story.updated_at.strftime("%Y-%m-%d"))


def test_topic_and_outlet_sitemaps(client, site):
    topics = xml(client, "/sitemap-topics.xml")
    assert sorted(u.findtext(f"{SITEMAP}loc").split("/", 3)[3] for u in topics) == [
        "ai/",
        "energy/",
    ]
    outlets = xml(client, "/sitemap-sources.xml")
    assert len(outlets.findall(f"{SITEMAP}url")) == 3  # complete_story cites 3 outlets


def test_news_sitemap_holds_only_the_last_two_days(client, site):
    urlset = xml(client, "/sitemap-news.xml")
    urls = urlset.findall(f"{SITEMAP}url")
    assert [u.find(f"{NEWS}news").findtext(f"{NEWS}title") for u in urls] == ["Open weights debate"]
    publication = urls[0].find(f"{NEWS}news/{NEWS}publication")
    assert publication.findtext(f"{NEWS}name") == "Factlen"


def test_robots_txt_points_at_the_sitemaps_and_keeps_crawlers_out(client):
    text = client.get("/robots.txt").content.decode()
    for path in ("/admin/", "/preview/", "/search/"):
        assert f"Disallow: {path}" in text
    assert re.search(r"^Sitemap: https?://[^/]+/sitemap\.xml$", text, re.M)


def json_ld(html):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert len(blocks) == 1
    return json.loads(blocks[0])


def test_story_page_carries_news_article_json_ld(client, site):
    story = site["story"]
    data = json_ld(client.get(story.get_absolute_url()).content.decode())
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == story.title
    assert data["description"] == story.dek
    assert data["datePublished"].startswith(story.published_at.strftime("%Y-%m-%dT%H:%M"))
    assert data["dateModified"]
    assert data["author"] == [
        {"@type": "Person", "name": "Mara Okafor", "url": "http://testserver/authors/mara-okafor/"}
    ]
    assert data["publisher"]["@type"] == "NewsMediaOrganization"
    assert data["articleSection"] == "AI"
    assert "tag 1" in data["keywords"]
    assert [c["url"] for c in data["citation"]] == [
        c.source.url for c in story.citations.order_by("number")
    ]


def test_json_ld_gives_people_as_persons_and_desks_as_organizations_with_their_pages(client, topic):
    desk = AuthorFactory(name="Energy Desk", slug="energy-desk", kind=Author.Kind.DESK)
    people = [AuthorFactory(name=name, slug=slugify(name)) for name in ("Mara", "Hana Villiers")]
    story = byline(StoryFactory(topic=topic), people[1], desk, people[0])
    data = json_ld(client.get(story.get_absolute_url()).content.decode())
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "Hana Villiers",
            "url": "http://testserver/authors/hana-villiers/",
        },
        {
            "@type": "Organization",
            "name": "Energy Desk",
            "url": "http://testserver/authors/energy-desk/",
        },
        {"@type": "Person", "name": "Mara", "url": "http://testserver/authors/mara/"},
    ]


def test_a_story_with_no_author_named_is_the_newsrooms_in_json_ld(client, topic):
    story = StoryFactory(topic=topic)
    data = json_ld(client.get(story.get_absolute_url()).content.decode())
    assert data["author"] == [
        {"@type": "Organization", "name": "Factlen", "url": "http://testserver/"}
    ]


def test_meta_author_tags_name_the_byline_in_order(client, topic):
    story = byline(
        StoryFactory(topic=topic),
        AuthorFactory(name="Tomas Reyland", slug="tomas-reyland"),
        AuthorFactory(name="Priya Lindqvist", slug="priya-lindqvist"),
    )
    html = client.get(story.get_absolute_url()).content.decode()
    assert '<meta name="author" content="Tomas Reyland and Priya Lindqvist">' in html
    assert re.findall(r'<meta property="article:author" content="([^"]+)">', html) == [
        "http://testserver/authors/tomas-reyland/",
        "http://testserver/authors/priya-lindqvist/",
    ]


def test_sitemap_lists_authors_of_live_stories_only(client, topic):
    byline(StoryFactory(topic=topic), AuthorFactory(slug="live-author"))
    byline(StoryFactory(topic=topic, draft=True), AuthorFactory(slug="draft-author"))
    urlset = xml(client, "/sitemap-authors.xml")
    assert [u.findtext(f"{SITEMAP}loc").split("/", 3)[3] for u in urlset] == [
        "authors/live-author/"
    ]


def test_feed_items_name_their_authors(client, topic):
    byline(
        StoryFactory(topic=topic),
        AuthorFactory(name="Mara Okafor", slug="mara-okafor"),
        AuthorFactory(name="Hana Villiers", slug="hana-villiers"),
    )
    rss = xml(client, "/feeds/rss/")
    creators = [e.text for e in rss.iter("{http://purl.org/dc/elements/1.1/}creator")]
    authors = [e.text for e in rss.iter("author")]
    assert "Mara Okafor and Hana Villiers" in creators + authors


def test_json_ld_keywords_repeat_no_word_in_another_capitalisation(client, topic):
    story = StoryFactory(topic=topic, label="Wind power")
    story.tags.add("wind power", "Fishing", "fishing", "ports")
    data = json_ld(client.get(story.get_absolute_url()).content.decode())
    assert [k.casefold() for k in data["keywords"]] == ["wind power", "fishing", "ports"]
    assert data["keywords"][0] == "Wind power"


def test_json_ld_survives_a_script_closing_tag_in_any_field(client, topic):
    hostile = "</script><script>alert(1)</script> & <!--"
    story = StoryFactory(topic=topic, title=hostile, dek=hostile)
    html = client.get(story.get_absolute_url()).content.decode()
    assert "</script><script>alert(1)" not in html
    data = json_ld(html)
    assert data["headline"] == hostile


def test_story_page_has_open_graph_twitter_and_canonical_tags(client, site):
    story = site["story"]
    html = client.get(story.get_absolute_url()).content.decode()
    assert re.search(r'<link rel="canonical" href="https?://[^"]+/ai/open-weights/">', html)
    assert '<meta property="og:type" content="article">' in html
    assert f'<meta property="og:title" content="{story.title}">' in html
    assert re.search(r'<meta property="og:image" content="https?://[^"]+social-preview', html)
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<meta property="article:section" content="AI">' in html
    tags = meta_tags(html)
    assert tags["twitter:image"] == tags["og:image"]
    assert tags["twitter:image:alt"]


def meta_tags(html):
    found = re.findall(r'<meta (?:property|name)="((?:og|twitter):[^"]+)" content="([^"]*)"', html)
    return dict(found)


@pytest.mark.parametrize(
    ("path", "og_url"),
    [
        ("/", "/"),
        ("/sources/", "/sources/"),
        ("/sources/?kind=newspaper&utm_source=x", "/sources/?kind=newspaper"),
        ("/corrections/", "/corrections/"),
        ("/search/?q=weights", "/search/?q=weights"),
        ("/ai/", "/ai/"),
    ],
)
def test_every_listing_page_carries_open_graph_and_twitter_card_tags(client, site, path, og_url):
    tags = meta_tags(client.get(path).content.decode())
    assert tags["og:type"] == "website"
    assert tags["og:title"] and tags["og:description"]
    assert tags["og:url"] == "http://testserver" + og_url
    assert tags["og:image"].startswith("http://testserver/static/social-preview")
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["twitter:image"] == tags["og:image"]
    assert tags["twitter:image:alt"]


def test_outlet_page_carries_open_graph_tags_naming_the_outlet(client, site):
    outlet = site["story"].citations.first().source.outlet
    tags = meta_tags(client.get(outlet.get_absolute_url()).content.decode())
    assert tags["og:title"] == outlet.name
    assert tags["og:description"].startswith(f"{outlet.name}: Newspaper.")
    assert tags["og:url"] == "http://testserver" + outlet.get_absolute_url()
    assert tags["twitter:image:alt"]


def test_topic_page_carries_collection_page_json_ld(client, site):
    data = json_ld(client.get("/ai/").content.decode())
    assert data["@type"] == "CollectionPage"
    assert data["name"] == "AI"
    names = [item["name"] for item in data["mainEntity"]["itemListElement"]]
    assert names == ["Open weights debate"]


def test_drafts_and_future_stories_leak_through_nothing(client, site):
    hidden = [site["draft"].title, site["future"].title]
    for url in (
        "/feeds/rss/",
        "/feeds/atom/",
        "/feeds/ai/rss/",
        "/sitemap-stories.xml",
        "/sitemap-news.xml",
        "/ai/",
    ):
        body = client.get(url).content.decode()
        for title in hidden:
            assert title not in body, (title, url)


def test_feeds_send_text_fields_escaped_where_readers_read_html(client, topic):
    """RSS titles and descriptions and Atom summaries are HTML to a feed reader."""
    hostile = '<img src=x onerror="alert(1)">'
    topic.description = hostile
    topic.save()
    StoryFactory(topic=topic, title=f"Title {hostile}", dek=f"Dek {hostile}")

    rss = xml(client, "/feeds/ai/rss/").find("channel")
    assert rss.findtext("description") == escape(hostile)
    assert rss.find("item").findtext("title") == escape(f"Title {hostile}")
    assert rss.find("item").findtext("description") == escape(f"Dek {hostile}")

    atom = xml(client, "/feeds/ai/atom/")
    entry = atom.find(f"{ATOM}entry")
    summary = entry.find(f"{ATOM}summary")
    assert summary.get("type") == "html"
    assert summary.text == escape(f"Dek {hostile}")
    # Atom titles and subtitles are type="text": readers show them as written.
    assert entry.find(f"{ATOM}title").get("type") in (None, "text")
    assert entry.findtext(f"{ATOM}title") == f"Title {hostile}"
    assert atom.findtext(f"{ATOM}subtitle") == hostile


def feed_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("url", ["/feeds/rss/", "/feeds/atom/"])
def test_a_feed_writes_only_the_entries_of_stories_that_changed(client, topic, settings, url):
    settings.PAGE_CACHE = False  # the feed itself rendered every time
    stories = [complete_story(topic=topic, title=f"Story {i}") for i in range(3)]
    first, _ = feed_queries(client, url)
    again, queries = feed_queries(client, url)
    assert again.content == first.content
    # Every entry kept: the stories' ids and times, and no story, author or tag read.
    assert not any("taggit" in sql or "stories_author" in sql for sql in queries), queries
    edited = stories[1]
    edited.title = "Story 1, retitled"
    edited.save()
    after, queries = feed_queries(client, url)
    assert "Story 1, retitled" in after.content.decode()
    assert "Story 0" in after.content.decode() and "Story 2" in after.content.decode()
    (tags,) = [sql for sql in queries if "taggit_taggeditem" in sql]
    assert re.search(rf"IN \({edited.pk}\)", tags), tags  # the edited story's alone


def test_kept_entries_match_the_feed_written_afresh(client, topic, settings):
    settings.PAGE_CACHE = False
    settings.ALLOWED_HOSTS = ["testserver", "example.org"]
    for i in range(3):
        complete_story(topic=topic, title=f"Story {i}")
    for url in ("/feeds/rss/", "/feeds/atom/", "/feeds/ai/rss/", "/feeds/ai/atom/"):
        fresh = client.get(url).content
        assert client.get(url).content == fresh
        # Entries are kept per host: links name the host the reader asked.
        other = client.get(url, HTTP_HOST="example.org").content.decode()
        assert "http://example.org/ai/" in other and "testserver" not in other
