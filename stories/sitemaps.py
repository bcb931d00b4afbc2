"""Sitemaps: an index (Django's view) and its sections, split into pages.

Sections are written by `section()` rather than Django's template-driven
view: a page lists thousands of addresses, and building each through the
template language cost most of a second. Here a page is read as plain values
and written as XML directly, so any page of any section costs a few
milliseconds however large the archive grows.
"""

from xml.sax.saxutils import escape

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone

from factlen.caching import public_page
from factlen.pagination import KnownCountPaginator
from sources.models import Outlet

from .models import Story, live_topics

# Addresses per sitemap page (the protocol allows 50,000; smaller pages are
# quick to build and to fetch).
SITEMAP_PAGE_SIZE = 2000


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
    changefreq = "daily"
    priority = 0.8
    limit = SITEMAP_PAGE_SIZE

    def items(self):
        return (
            Story.objects.published()
            .newest_first()
            .values_list("topic__slug", "slug", "updated_at")
        )

    def get_latest_lastmod(self):
        return Story.objects.published().aggregate(latest=Max("updated_at"))["latest"]

    @property
    def paginator(self):
        # The topics keep their live counts: no need to count every story.
        count = sum(topic.published_count for topic in live_topics())
        return KnownCountPaginator(self._items(), self.limit, count=count)

    def rows(self, items):
        path = _path_filler("stories:story", "topic", "slug")
        return [(path(topic=topic, slug=slug), updated) for topic, slug, updated in items]


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
        return outlets.cited(scheduled=Story.objects.scheduled())

    def rows(self, items):
        path = _path_filler("sources:outlet", "slug")
        return [(path(slug=outlet.slug), None) for outlet in items]


SITEMAPS = {"stories": StorySitemap, "topics": TopicSitemap, "sources": OutletSitemap}


@public_page
def section(request, section):
    """One page (`?p=`) of one section, as the index lists them."""
    if section not in SITEMAPS:
        raise Http404("No such sitemap.")
    sitemap = SITEMAPS[section]()
    try:
        page = sitemap.paginator.page(request.GET.get("p", 1))
    except Exception:  # InvalidPage, or a page number that is no number
        raise Http404("No such sitemap page.") from None
    root = f"{request.scheme}://{request.get_host()}"
    entries = []
    for path, lastmod in sitemap.rows(page.object_list):
        entry = f"<url><loc>{escape(root + path)}</loc>"
        if lastmod is not None:
            entry += f"<lastmod>{timezone.localdate(lastmod).isoformat()}</lastmod>"
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
