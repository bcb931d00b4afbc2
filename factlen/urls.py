from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from stories import sitemaps
from stories import views as stories_views
from stories.sitemaps import SITEMAPS

from . import views
from .caching import public_page

# A database outage answers 503 with Retry-After, any other error 500.
handler500 = "factlen.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("favicon.ico", views.favicon),
    path("robots.txt", public_page(views.robots_txt)),
    path("search/", stories_views.search, name="search"),
    path("feeds/", include("stories.feeds")),
    path(
        "sitemap.xml",
        public_page(sitemap_views.index),
        {"sitemaps": SITEMAPS},
        name="sitemap-index",
    ),
    path("sitemap-news.xml", stories_views.news_sitemap, name="news-sitemap"),
    path(
        "sitemap-<section>.xml",
        sitemaps.section,
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("sources/", include("stories.outlet_urls")),
    path("authors/", include("stories.author_urls")),
    path("newsletter/", include("newsletter.urls")),
]
if settings.SERVE_MEDIA:
    # Development: in production the proxy serves uploaded media.
    urlpatterns.append(path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", views.media))
# Last: topic pages take every other first path segment.
urlpatterns.append(path("", include("stories.urls")))
