"""Which pages the benchmark measures, picked from the data set itself.

Readers' pages are driven with wrk through gunicorn; admin pages are timed
in-process as the superuser. Each page has a short key for `--pages`.
"""

import math
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import Length
from taggit.models import Tag

from sources.models import Outlet, Source
from stories.counts import scheduled_by_outlet
from stories.models import Story, Topic

# Story sizes the admin figures are quoted at ("story change form (6 citations)").
CHANGE_FORM_CITATIONS = 6
DEEP_PAGE = 42


@dataclass
class Page:
    key: str
    name: str
    path: str


def _published_with_citations():
    return Story.objects.published().annotate(cited=Count("citations")).order_by()


def typical_story():
    """The newest story with the median number of citations (13 of 6–20)."""
    return _published_with_citations().filter(cited=13).order_by("-published_at").first()


def largest_story():
    """The most cited story, longest body first among those."""
    return (
        _published_with_citations()
        .annotate(length=Length("body"))
        .order_by("-cited", "-length", "pk")
        .first()
    )


def story_with_citations(count=CHANGE_FORM_CITATIONS):
    return _published_with_citations().filter(cited=count).order_by("-published_at").first()


def stories_with_history():
    """The stories whose history page is measured (they get a few revisions)."""
    return [s for s in (story_with_citations(),) if s]


def busiest_topic():
    return max(Topic.objects.live(), key=lambda topic: (topic.published_count, topic.slug))


def most_cited_outlet():
    outlets = Outlet.objects.cited(scheduled=scheduled_by_outlet())
    return max(outlets, key=lambda outlet: (outlet.story_count, outlet.slug))


def reader_pages() -> list[Page]:
    story, largest = typical_story(), largest_story()
    topic = busiest_topic()
    last = max(1, math.ceil(topic.published_count / settings.STORIES_PER_PAGE))
    deep = min(DEEP_PAGE, last)
    outlet = most_cited_outlet()
    return [
        Page("story", "story", story.get_absolute_url()),
        Page(
            "story-largest", f"story, largest ({largest.cited} sources)", largest.get_absolute_url()
        ),
        Page("home", "home", "/"),
        Page("topic", "topic", topic.get_absolute_url()),
        Page("topic-deep", f"topic page {deep}", f"{topic.get_absolute_url()}?page={deep}"),
        Page("search", "search ?q=cost", "/search/?q=cost"),
        Page("rss", "RSS", "/feeds/rss/"),
        Page("topic-rss", "topic RSS", f"/feeds/{topic.slug}/rss/"),
        Page("atom", "Atom", "/feeds/atom/"),
        Page("sources", "/sources/", "/sources/"),
        Page("outlet", "outlet (most cited)", outlet.get_absolute_url()),
        Page("corrections", "/corrections/", "/corrections/"),
        Page("sitemap", "/sitemap.xml", "/sitemap.xml"),
        Page("sitemap-stories", "/sitemap-stories.xml", "/sitemap-stories.xml"),
        Page("sitemap-news", "/sitemap-news.xml", "/sitemap-news.xml"),
    ]


def admin_pages() -> list[Page]:
    """Every admin list with its search and filters, the forms, the history
    pages and every picker."""
    story = story_with_citations()
    typical = typical_story()
    largest = largest_story()
    topic = busiest_topic()
    years = [d.year for d in Story.objects.published().dates("published_at", "year")]
    year = years[len(years) // 2]
    some_source = Source.objects.order_by("pk").only("url").first()
    outlet = most_cited_outlet()
    tag = Tag.objects.order_by("pk").first()
    change = "/admin/stories/story/{}/change/"
    picker = "/admin/autocomplete/?app_label={}&model_name={}&field_name={}&{}"

    def source_picker(key, name, term):
        query = urlencode({"term": term})
        return Page(key, name, picker.format("stories", "citation", "source", query))

    pages = [
        Page("a-story-list", "story list", "/admin/stories/story/"),
        Page("a-story-search", "story list ?q=transit", "/admin/stories/story/?q=transit"),
        Page(
            "a-story-filter",
            "story list, status and topic",
            f"/admin/stories/story/?status__exact=published&topic__id__exact={topic.pk}",
        ),
        Page(
            "a-story-year",
            f"story list, year {year}",
            f"/admin/stories/story/?published_at__year={year}",
        ),
        Page("a-story-tag", "story list, a tag", f"/admin/stories/story/?tags__id__exact={tag.pk}"),
        Page("a-story-sorted", "story list by sources", "/admin/stories/story/?o=-6"),
        Page("a-story-page", "story list page 50", "/admin/stories/story/?p=50"),
        Page("a-review-queue", "review queue", "/admin/stories/reviewqueue/"),
        Page("a-topic-list", "topic list", "/admin/stories/topic/"),
        Page("a-topic-search", "topic list ?q=transit", "/admin/stories/topic/?q=transit"),
        Page("a-source-list", "source list", "/admin/sources/source/"),
        Page("a-source-search", "source list ?q=budget", "/admin/sources/source/?q=budget"),
        Page(
            "a-source-url",
            "source list ?q=<a URL>",
            "/admin/sources/source/?" + urlencode({"q": some_source.url}),
        ),
        Page(
            "a-source-outlet-search",
            "source list ?q=<an outlet>",
            "/admin/sources/source/?" + urlencode({"q": outlet.name}),
        ),
        Page("a-source-broken", "source list, broken links", "/admin/sources/source/?link=broken"),
        Page(
            "a-source-kind",
            "source list, outlet kind",
            "/admin/sources/source/?outlet__kind__exact=newspaper",
        ),
        Page(
            "a-source-outlet",
            "source list, one outlet",
            f"/admin/sources/source/?outlet__id__exact={outlet.pk}",
        ),
        Page("a-outlet-list", "outlet list", "/admin/sources/outlet/"),
        Page("a-outlet-search", "outlet list ?q=larkport", "/admin/sources/outlet/?q=larkport"),
        Page(
            "a-outlet-filter", "outlet list, kind", "/admin/sources/outlet/?kind__exact=newspaper"
        ),
        Page("a-subscriber-list", "subscriber list", "/admin/newsletter/subscriber/"),
        Page(
            "a-subscriber-search",
            "subscriber list ?q=example",
            "/admin/newsletter/subscriber/?q=example",
        ),
        Page(
            "a-subscriber-filter",
            "subscriber list, confirmed, a topic",
            f"/admin/newsletter/subscriber/?status=confirmed&topics__id__exact={topic.pk}",
        ),
        Page("a-user-list", "user list", "/admin/auth/user/"),
        Page(
            "a-story-change",
            f"story change form ({CHANGE_FORM_CITATIONS} citations)",
            change.format(story.pk),
        ),
        Page(
            "a-story-change-typical",
            f"story change form ({typical.cited} citations, typical)",
            change.format(typical.pk),
        ),
        Page(
            "a-story-change-largest",
            f"story change form ({largest.cited} citations)",
            change.format(largest.pk),
        ),
        Page("a-story-add", "story add form", "/admin/stories/story/add/"),
        Page("a-story-history", "story history", f"/admin/stories/story/{story.pk}/history/"),
        Page("a-source-add", "source add form", "/admin/sources/source/add/"),
        Page(
            "a-source-change",
            "source change form",
            f"/admin/sources/source/{some_source.pk}/change/",
        ),
        Page(
            "a-source-history", "source history", f"/admin/sources/source/{some_source.pk}/history/"
        ),
        Page("a-outlet-change", "outlet change form", f"/admin/sources/outlet/{outlet.pk}/change/"),
        Page("a-topic-change", "topic change form", f"/admin/stories/topic/{topic.pk}/change/"),
        source_picker("a-source-picker", "source picker term=ai", "ai"),
        source_picker("a-source-picker-word", "source picker term=budget", "budget"),
        source_picker("a-source-picker-url", "source picker term=<a URL>", some_source.url),
        Page(
            "a-outlet-picker",
            "outlet picker term=lark",
            picker.format("sources", "source", "outlet", "term=lark"),
        ),
    ]
    return pages


def pick(pages: list[Page], keys) -> list[Page]:
    """The pages named by `--pages` (all when empty)."""
    if not keys:
        return pages
    return [p for p in pages if p.key in keys]
