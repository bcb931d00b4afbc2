from django.contrib import admin
from django.urls import include, path

from . import views

admin.site.site_header = "Factlen newsroom"
admin.site.site_title = "Factlen newsroom"
admin.site.index_title = "Stories, topics and sources"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("favicon.ico", views.favicon),
    path("sources/", include("sources.urls")),
    # Last: topic pages take every other first path segment.
    path("", include("stories.urls")),
]
