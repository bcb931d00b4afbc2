from django import forms
from django.contrib import admin, messages
from django.db import models

from sources.models import Source

from .forms import CitationFormSet, TimelineEventForm
from .models import (
    Citation,
    Correction,
    KeyPoint,
    OpenQuestion,
    Story,
    TimelineEvent,
    Topic,
    Viewpoint,
)


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "story_count"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).with_story_count()

    @admin.display(description="stories", ordering="story_count")
    def story_count(self, topic):
        return topic.story_count


class ViewpointInline(admin.StackedInline):
    model = Viewpoint
    extra = 0
    fields = [("label", "holders", "position"), "stance", "summary", "detail"]
    formfield_overrides = {
        models.CharField: {"widget": forms.TextInput(attrs={"size": 90})},
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 5, "cols": 90})},
    }


class SentenceListInline(admin.TabularInline):
    """A list of one-sentence items, with room to read each sentence whole."""

    extra = 0
    fields = ["text", "position"]
    formfield_overrides = {
        models.CharField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 90})}
    }


class KeyPointInline(SentenceListInline):
    model = KeyPoint
    verbose_name_plural = "key points"


class OpenQuestionInline(SentenceListInline):
    model = OpenQuestion
    verbose_name_plural = "what we don't know"


class TimelineEventInline(admin.TabularInline):
    model = TimelineEvent
    form = TimelineEventForm
    extra = 0
    verbose_name_plural = "how we got here (timeline)"


class CorrectionInline(admin.StackedInline):
    model = Correction
    extra = 0
    fields = [("kind", "created_at"), "text", ("paragraph", "source_number")]
    verbose_name_plural = "updates and corrections (public)"


class CitationInline(admin.TabularInline):
    model = Citation
    formset = CitationFormSet
    extra = 0
    fields = ["number", "source", "quote", "accessed"]
    autocomplete_fields = ["source"]
    verbose_name_plural = "sources cited ([n] in the body)"


@admin.register(Story)
class StoryAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "topic", "label", "published_at", "source_count", "is_live"]
    list_filter = ["status", "topic", "tags"]
    list_select_related = ["topic"]
    search_fields = ["title", "slug", "dek", "body", "byline", "label"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    inlines = [
        ViewpointInline,
        KeyPointInline,
        TimelineEventInline,
        OpenQuestionInline,
        CitationInline,
        CorrectionInline,
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "dek", ("topic", "label"), "byline", "tags"]}),
        ("Publishing", {"fields": [("status", "published_at"), "withdrawn_reason"]}),
        ("Text", {"fields": ["why_it_matters", "body"]}),
        (
            "Record",
            {"classes": ["collapse"], "fields": ["created_at", "updated_at"]},
        ),
    ]
    readonly_fields = ["created_at", "updated_at"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "body":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 28, "cols": 100})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).with_source_count()

    @admin.display(description="sources", ordering="source_count")
    def source_count(self, story):
        return story.source_count

    @admin.display(description="live", boolean=True)
    def is_live(self, story):
        return story.is_live

    def render_change_form(self, request, context, *args, **kwargs):
        # Marker problems are found by the citations formset, far down the page;
        # show them on the Body field too, where the editor will fix them.
        form = context["adminform"].form
        for inline in context.get("inline_admin_formsets", []):
            formset = inline.formset
            if isinstance(formset, CitationFormSet) and formset.is_bound:
                for error in formset.non_form_errors():
                    form.add_error("body", error)
        return super().render_change_form(request, context, *args, **kwargs)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            broken = Source.objects.broken().filter(citations__story_id=object_id).distinct()
            for source in broken.select_related("outlet"):
                archived = (
                    " Readers are shown its archived copy."
                    if source.archive_url
                    else (" It has no archived copy: add one, or cite another source.")
                )
                messages.warning(
                    request,
                    f"This story cites a broken link: {source.outlet.name}, “{source.title}” "
                    f"({source.url}) failed {source.link_failures} checks in a row.{archived}",
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def view_on_site(self, story):
        return story.get_absolute_url() if story.is_live else None
