import datetime
import re

import pytest
from django.utils import timezone
from pytest_django.asserts import assertInHTML

from stories.models import Story, with_live_topics

from ..factories import StoryFactory, TopicFactory, complete_story
from ..html import attribute, elements, parse, text

SECTION_HEADINGS = [
    "Why this matters",
    "Key points",
    "How we got here",
    "Viewpoints in depth",
    "What we don’t know",
    "Sources",
]


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_story_page_sections_follow_the_reference_order_with_related_stories(
    client, published_story
):
    StoryFactory(topic=published_story.topic, title="Another AI story")
    html = page(client, published_story.get_absolute_url())
    order = [
        "<h1>",
        'class="perspective-strip"',
        ">Why this matters</h2>",
        ">Key points</h2>",
        'class="story-body"',
        ">How we got here</h2>",
        ">Viewpoints in depth</h2>",
        ">What we don’t know</h2>",
        ">Sources</h2>",
        ">More in AI</h2>",
        "Every angle. Every day.",
    ]
    positions = [html.find(marker) for marker in order]
    assert -1 not in positions
    assert positions == sorted(positions)


def test_story_page_shows_the_content_of_each_section(client, published_story):
    html = page(client, published_story.get_absolute_url())
    strip = elements(parse(html), "ul", class_="perspective-strip")[0]
    assertInHTML(
        '<a href="#viewpoint-1"><strong>Position 0</strong> <span>Stance of position 0.</span></a>',
        str(strip),
    )
    assertInHTML("<li>Key point 2.</li>", html)
    assertInHTML('<time datetime="2015-02">Feb 2015</time>', html)
    assertInHTML('<h3 id="viewpoint-1-heading">Holders 0</h3>', html)
    assert "Summary of position 1." in html
    # A viewpoint's [n] is linked to the source list, as the body's is.
    assert '<p>Detail of position 2<sup class="cite"><a href="#source-3"' in html
    assert "<li>Open question 1?" in html
    assertInHTML('<blockquote class="pull-quote"><p>A line worth quoting.</p></blockquote>', html)
    assert "Read on Outlet" in html


def test_every_citation_link_points_at_a_source_entry_on_the_page(client, published_story):
    html = page(client, published_story.get_absolute_url())
    document = parse(html)
    targets = {
        attribute(a, "href")[1:]
        for a in elements(document, "a")
        if (attribute(a, "href") or "").startswith("#source-")
    }
    assert targets == {"source-1", "source-2", "source-3"}
    for target in targets:
        assert elements(document, "li", id=target)
    first = published_story.citations.get(number=1).source
    assert elements(document, "a", aria_label=f"Source 1: {first.outlet.name}")
    assert elements(document, "a", href=first.url)


def test_sections_without_content_are_left_out(client, topic):
    story = StoryFactory(topic=topic, why_it_matters="", body="Just text.")
    html = page(client, story.get_absolute_url())
    for heading in SECTION_HEADINGS:
        assert f">{heading}</h2>" not in html
    assert "perspective-strip" not in html
    assert "More in" not in html
    assert "Just text." in html


def test_draft_story_is_hidden_from_readers(client, draft_story):
    assert client.get(f"/ai/{draft_story.slug}/").status_code == 404
    html = page(client, "/ai/")
    assert draft_story.title not in html
    assert draft_story.title not in page(client, "/")


def test_story_scheduled_for_the_future_is_hidden_until_its_time(client, topic):
    story = StoryFactory(topic=topic, published_at=timezone.now() + datetime.timedelta(hours=2))
    assert client.get(story.get_absolute_url()).status_code == 404
    assert story.title not in page(client, "/ai/")
    Story.objects.filter(pk=story.pk).update(
        published_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    assert client.get(story.get_absolute_url()).status_code == 200


def test_story_under_the_wrong_topic_redirects_to_its_address(client, published_story):
    TopicFactory(slug="energy", name="Energy")
    response = client.get("/energy/open-weights/")
    assert response.status_code == 301
    assert response["Location"] == "/ai/open-weights/"


def test_unknown_topic_and_story_are_not_found(client, topic):
    assert client.get("/nothing-here/").status_code == 404
    assert client.get("/ai/nothing-here/").status_code == 404


def test_more_in_topic_lists_other_stories_newest_first_and_counts_all(client, published_story):
    now = timezone.now()
    for hours in (5, 3, 9, 7):
        StoryFactory(
            topic=published_story.topic,
            title=f"Older by {hours}h",
            published_at=now - datetime.timedelta(hours=hours),
        )
    StoryFactory(topic=published_story.topic, draft=True, title="Hidden draft")
    StoryFactory(title="Other topic story")
    html = page(client, published_story.get_absolute_url())
    more = html[html.index("More in AI") :]
    titles = re.findall(r">(Older by \dh)</a>", more)
    assert titles == ["Older by 3h", "Older by 5h", "Older by 7h"]
    assert "See all 5 stories" in more
    assert "Hidden draft" not in more
    assert "Other topic story" not in more


def test_story_cards_show_label_title_and_source_count(client, published_story):
    StoryFactory(topic=published_story.topic, title="Neighbour")
    html = page(client, "/ai/")
    html = html[html.index("<main") :]
    card = html[html.index(published_story.title) - 400 : html.index(published_story.title) + 600]
    assert published_story.label in card
    assert "3 sources" in card


def test_topic_page_lists_published_stories_newest_first_in_pages(client, topic, settings):
    settings.STORIES_PER_PAGE = 2
    now = timezone.now()
    for day in range(5):
        StoryFactory(
            topic=topic, title=f"Day {day}", published_at=now - datetime.timedelta(days=day)
        )
    first = page(client, "/ai/")
    assert re.findall(r">(Day \d)</a>", first) == ["Day 0", "Day 1"]
    assert "Page 1 of 3" in first
    last = page(client, "/ai/?page=3")
    assert re.findall(r">(Day \d)</a>", last) == ["Day 4"]
    assert "5 stories" in first


def test_a_topic_page_reads_cards_in_the_order_of_its_page_leaving_out_the_unpublished(topic):
    now = timezone.now()
    older, newer = (
        StoryFactory(topic=topic, published_at=now - datetime.timedelta(days=d)) for d in (2, 1)
    )
    draft = StoryFactory(topic=topic, status=Story.Status.DRAFT, published_at=None)
    cards = Story.objects.published().cards_in_order([older.pk, draft.pk, newer.pk])
    assert [card.pk for card in cards] == [older.pk, newer.pk]
    assert cards[0].source_count == 0


def test_cards_take_their_topic_from_the_live_topics_and_follow_a_rename(topic):
    story = StoryFactory(topic=topic)
    [card] = Story.objects.published().cards_in_order([story.pk])
    assert (card.topic.pk, card.topic.name) == (topic.pk, topic.name)
    topic.name, topic.slug = "Renamed", "renamed"
    topic.save()
    [card] = Story.objects.published().cards_in_order([story.pk])
    assert card.topic.name == "Renamed"
    assert card.get_absolute_url() == f"/renamed/{story.slug}/"


def test_a_card_whose_topic_is_not_among_the_live_topics_reads_its_own(topic):
    StoryFactory(topic=topic)
    quiet = TopicFactory(name="Quiet")
    draft = StoryFactory(topic=quiet, status=Story.Status.DRAFT, published_at=None)
    [card] = with_live_topics(Story.objects.filter(pk=draft.pk).only("title", "topic"))
    assert (card.topic.pk, card.topic.name) == (quiet.pk, "Quiet")


def test_a_topic_with_no_live_story_still_has_its_page(client, db):
    TopicFactory(slug="quiet", name="Quiet Topic")
    html = page(client, "/quiet/")
    assert "No Quiet Topic stories have been published yet." in html


def test_home_shows_each_change_at_once_even_with_the_page_cache_off(client, db, settings):
    # The front page's sections are kept per content version, not per page.
    settings.PAGE_CACHE = False
    ai = TopicFactory(slug="ai", name="AI")
    first = StoryFactory(topic=ai, title="First of the day")
    assert "First of the day" in page(client, "/")
    StoryFactory(topic=ai, title="Second of the day")
    assert "Second of the day" in page(client, "/?utm_source=social")
    first.title = "First, retitled"
    first.save()
    html = page(client, "/")
    assert "First, retitled" in html and "First of the day" not in html


def test_home_groups_the_newest_stories_by_topic(client, db):
    ai = TopicFactory(slug="ai", name="AI")
    energy = TopicFactory(slug="energy", name="Energy")
    TopicFactory(slug="empty", name="Empty Topic")
    now = timezone.now()
    for i in range(6):
        StoryFactory(topic=ai, title=f"AI {i}", published_at=now - datetime.timedelta(hours=i))
    StoryFactory(topic=energy, title="Grid", published_at=now - datetime.timedelta(days=2))
    html = page(client, "/")
    lead = html[html.index('class="lead"') : html.index('class="topic-section"')]
    assert "AI 0" in lead
    ai_section = html[html.index('id="topic-ai"') : html.index('id="topic-energy"')]
    assert re.findall(r">(AI \d)</a>", ai_section) == ["AI 1", "AI 2", "AI 3", "AI 4"]
    assert "See all 6 stories" in ai_section
    assert "Grid" in html[html.index('id="topic-energy"') :]
    assert "Empty Topic" not in html
    assert html.count("card-lead") == 1


def test_home_says_see_all_only_beside_a_topic_with_stories_not_on_the_page(client, db):
    ai = TopicFactory(slug="ai", name="AI")
    energy = TopicFactory(slug="energy", name="Energy")
    solo = TopicFactory(slug="solo", name="Solo")
    now = timezone.now()
    StoryFactory(topic=ai, title="AI lead", published_at=now)
    StoryFactory(topic=ai, title="AI older", published_at=now - datetime.timedelta(hours=1))
    for i in range(5):
        StoryFactory(
            topic=energy, title=f"Grid {i}", published_at=now - datetime.timedelta(days=i + 1)
        )
    html = page(client, "/")
    # AI's two stories are both on the page (one leads it): one card, no "See all 2".
    ai_section = html[html.index('id="topic-ai"') : html.index('id="topic-energy"')]
    assert re.findall(r">(AI \w+)</a>", ai_section) == ["AI older"]
    assert "See all" not in ai_section
    # Energy has a fifth story off the page: its section says how many there are.
    assert "See all 5 stories" in html[html.index('id="topic-energy"') :]
    # A topic whose only story leads the page gets no empty section.
    StoryFactory(topic=solo, title="Solo news", published_at=timezone.now())
    html = page(client, "/")
    assert "Solo news" in html[html.index('class="lead"') : html.index('class="topic-section"')]
    assert 'id="topic-solo"' not in html
    # Both AI stories now show as cards, and nothing more is off the page.
    ai_section = html[html.index('id="topic-ai"') : html.index('id="topic-energy"')]
    assert re.findall(r">(AI \w+)</a>", ai_section) == ["AI lead", "AI older"]
    assert "See all" not in ai_section


def test_user_text_is_escaped_on_every_page(client, topic):
    story = complete_story(
        topic=topic,
        title="<script>alert('title')</script>",
        dek="<b>bold</b>",
        label="<i>label</i>",
    )
    for url in ("/", "/ai/", story.get_absolute_url()):
        html = page(client, url)
        assert "<script>alert" not in html
        assert "&lt;script&gt;" in html
        assert "<b>bold</b>" not in html


def test_pages_use_landmarks_and_machine_readable_times(client, published_story):
    document = parse(page(client, published_story.get_absolute_url()))
    skip = elements(document, "a", class_="skip-link", href="#main")
    assert [text(a) for a in skip] == ["Skip to content"]
    assert elements(document, "main", id="main")
    assert elements(document, "header") and elements(document, "footer")
    assert elements(document, "nav", class_="topic-nav", aria_label="Topics")
    iso = published_story.published_at.isoformat(timespec="seconds")
    times = [attribute(t, "datetime") or "" for t in elements(document, "time")]
    assert any(t.startswith(iso[:19]) for t in times), times
    assert len(elements(document, "h1")) == 1


def test_each_source_links_back_to_every_place_it_is_cited(client, published_story):
    html = page(client, published_story.get_absolute_url())
    # complete_story cites [1] twice and [2], [3] once each.
    entry = html[html.index('<li id="source-1"') : html.index('<li id="source-2"')]
    assert re.findall(r'class="backlink" href="#(cite-1-\d)"', entry) == ["cite-1-1", "cite-1-2"]
    assert "Back to where source 1 is cited (2 of 2)</span>" in entry
    for anchor in ("cite-1-1", "cite-1-2", "cite-2-1", "cite-3-1"):
        assert f'id="{anchor}"' in html


@pytest.mark.parametrize("page_number", ["2", "0", "abc"])
def test_a_page_number_that_does_not_exist_is_not_found(client, published_story, page_number):
    assert client.get(f"/ai/?page={page_number}").status_code == 404
    assert client.get("/ai/?page=1").status_code == 200


def test_the_footer_links_to_sources_corrections_and_feeds(client, published_story):
    html = client.get("/").content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    for href in ("/sources/", "/corrections/", "/feeds/rss/", "/feeds/atom/"):
        assert f'href="{href}"' in footer


@pytest.mark.parametrize("prefix", ["/", "/news/"])
def test_a_story_address_is_the_one_its_url_pattern_gives(db, prefix):
    from django.urls import reverse, set_script_prefix

    story = StoryFactory(slug="a-story_2", topic=TopicFactory(slug="energy-2"))
    set_script_prefix(prefix)
    try:
        expected = reverse("stories:story", kwargs={"topic": "energy-2", "slug": "a-story_2"})
        assert story.get_absolute_url() == expected == f"{prefix}energy-2/a-story_2/"
    finally:
        set_script_prefix("/")
