from django.contrib import admin
from django.db import models

from .models import Source


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["outlet_name", "title", "url", "published_on", "story_count"]
    search_fields = ["outlet_name", "title", "url"]
    list_filter = ["outlet_name"]
    fields = ["outlet_name", "title", "url", "author", "published_on"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return super().get_queryset(request).with_story_count()

    @admin.display(description="stories", ordering="story_count")
    def story_count(self, source):
        return source.story_count
