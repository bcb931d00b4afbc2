"""Sitemaps: an index (Django's view) and its sections, split into pages.

Sections are written by `section()` rather than Django's template-driven
view: a page lists thousands of addresses, and building each through the
template language cost most of a second. Here a page is read as plain values
and written as XML directly, so any page of any section costs a few
milliseconds however large the archive grows.
"""

from types import SimpleNamespace
from xml.sax.saxutils import escape

from django.contrib.sitemaps import Sitemap
from django.core.paginator import InvalidPage
from django.db.models.functions import TruncDate
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.functional import cached_property

from factlen.caching import public_page
from factlen.times import machine_time, whole_seconds
from sources.models import Outlet

from .counts import scheduled_by_outlet
from .models import Author, Story, live_topics

# Addresses per sitemap page (the protocol allows 50,000; smaller pages are
# quick to build and to fetch).
SITEMAP_PAGE_SIZE = 1000


def _path_filler(name, *keys):
    """A URL pattern's path with placeholders filled per row: one reverse() per
    page, not one per address. Slugs hold only [a-z0-9-], so filling is safe."""
    pattern = reverse(name, kwargs={key: f"__{key}__" for key in keys})

    def fill(**values):
        path = pattern
        for key, value in values.items():
            path = path.replace(f"__{key}__", value)
        return path

    return fill


class StorySitemap(Sitemap):
    """Live stories, paged by id: page n lists ids from (n-1)·size+1 to n·size.

    A page by offset would read every story before it; an id range is one
    index scan however deep the page, so every page costs the same. Pages
    may hold fewer than `limit` addresses (drafts, withdrawals, gaps).
    """

    changefreq = "daily"
    priority = 0.8
    limit = SITEMAP_PAGE_SIZE

    def items(self):
        # The date in the database: cheaper than reading and converting times.
        return Story.objects.published().values_list("topic__slug", "slug", TruncDate("updated_at"))

    def get_latest_lastmod(self):
        newest = Story.objects.published().order_by("-updated_at")
        return whole_seconds(newest.values_list("updated_at", flat=True).first())

    @property
    def paginator(self):
        return IdRangePaginator(self.items(), self.limit)

    def rows(self, items):
        path = _path_filler("stories:story", "topic", "slug")
        return [(path(topic=topic, slug=slug), updated) for topic, slug, updated in items]


class IdRangePaginator:
    """The little of Django's Paginator that sitemaps use, over id ranges."""

    def __init__(self, rows, per_page):
        self.rows, self.per_page = rows, per_page

    @cached_property
    def num_pages(self):
        highest = self.rows.order_by("-pk").values_list("pk", flat=True).first() or 0
        return max(1, -(-highest // self.per_page))

    def page(self, number):
        number = int(number)
        if not 1 <= number <= self.num_pages:
            raise InvalidPage(f"No page {number}.")
        first, last = (number - 1) * self.per_page + 1, number * self.per_page
        rows = self.rows.filter(pk__gte=first, pk__lte=last).order_by("pk")
        return SimpleNamespace(number=number, object_list=rows)


class TopicSitemap(Sitemap):
    changefreq = "hourly"
    priority = 0.6
    limit = SITEMAP_PAGE_SIZE

    def items(self):
        return sorted(live_topics(), key=lambda topic: topic.slug)

    def rows(self, items):
        return [(topic.get_absolute_url(), None) for topic in items]


class OutletSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.3
    limit = SITEMAP_PAGE_SIZE

    def items(self):
        outlets = Outlet.objects.only("slug", "published_story_count").order_by("slug")
        return outlets.cited(scheduled=scheduled_by_outlet())

    def rows(self, items):
        path = _path_filler("sources:outlet", "slug")
        return [(path(slug=outlet.slug), None) for outlet in items]


class AuthorSitemap(Sitemap):
    """Authors of live stories: their pages list those stories."""

    changefreq = "weekly"
    priority = 0.3
    limit = SITEMAP_PAGE_SIZE

    def items(self):
        return Author.objects.with_live_stories().order_by("slug").values_list("slug", flat=True)

    def rows(self, items):
        path = _path_filler("authors:author", "slug")
        return [(path(slug=slug), None) for slug in items]


SITEMAPS = {
    "stories": StorySitemap,
    "topics": TopicSitemap,
    "sources": OutletSitemap,
    "authors": AuthorSitemap,
}


@public_page
def section(request, section):
    """One page (`?p=`) of one section, as the index lists them."""
    if section not in SITEMAPS:
        raise Http404("No such sitemap.")
    sitemap = SITEMAPS[section]()
    try:
        page = sitemap.paginator.page(request.GET.get("p", 1))
    except (InvalidPage, ValueError):
        raise Http404("No such sitemap page.") from None
    # Paths hold only slugs, which need no escaping; the host is escaped once.
    root = escape(f"{request.scheme}://{request.get_host()}")
    entries = []
    for path, lastmod in sitemap.rows(page.object_list):
        entry = f"<url><loc>{root}{path}</loc>"
        if lastmod is not None:
            entry += f"<lastmod>{machine_time(lastmod)}</lastmod>"
        entries.append(
            f"{entry}<changefreq>{sitemap.changefreq}</changefreq>"
            f"<priority>{sitemap.priority}</priority></url>"
        )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "\n".join(entries)
        + "\n</urlset>\n"
    )
    return HttpResponse(
        xml,
        content_type="application/xml; charset=utf-8",
        headers={"X-Robots-Tag": "noindex, noodp, noarchive"},
    )
