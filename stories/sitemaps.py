from django.contrib.sitemaps import Sitemap

from sources.models import Outlet

from .models import Story, Topic


class StorySitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self):
        return Story.objects.published().select_related("topic").newest_first()

    def lastmod(self, story):
        return story.updated_at


class TopicSitemap(Sitemap):
    changefreq = "hourly"
    priority = 0.6

    def items(self):
        return Topic.objects.with_published_stories().order_by("slug")


class OutletSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.3

    def items(self):
        return Outlet.objects.cited_by(Story.objects.published()).order_by("slug")


SITEMAPS = {"stories": StorySitemap, "topics": TopicSitemap, "sources": OutletSitemap}
