from adminsortable2.admin import SortableAdminBase, SortableStackedInline, SortableTabularInline
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models
from django.db.models import OuterRef, Subquery
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from reversion.admin import VersionAdmin

from factlen.admin_lists import ArchiveListMixin, rank_first
from factlen.admin_widgets import TimesInNewsroomZone, TolerantAutocompleteSelect

from . import limits
from .admin_workflow import StoryWorkflowAdmin
from .deletion import delete_stories
from .forms import CitationFormSet, StoryForm, TimelineEventForm, ViewpointForm
from .models import (
    Author,
    Citation,
    Correction,
    KeyPoint,
    OpenQuestion,
    ReviewQueue,
    Story,
    StoryAuthor,
    TimelineEvent,
    Topic,
    Transition,
    Viewpoint,
)
from .search import editors_rank, search_for_editors, uses_full_text
from .workflow import can_edit


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


class RowsLoadedWithStory:
    """An inline that shows the rows loaded with the story (the admin reads it
    with Story.objects.for_page(), see StoryWorkflowAdmin.get_object) instead
    of reading them again: a query fewer per inline on the change page.

    Only to show the page: a save reads its rows as Django does, so the story
    keeps them as saved while the formsets take the editor's input."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is None or request.method != "GET":
            return formset
        return type(formset.__name__, (LoadedRowsFormSet, formset), {})


class LoadedRowsFormSet:
    def get_queryset(self):
        if not hasattr(self, "_queryset"):
            loaded = getattr(self.instance, "_prefetched_objects_cache", {})
            rows = loaded.get(self.fk.remote_field.get_accessor_name())
            # None: not loaded with the story; empty: the inline may not show them.
            if rows is None or self.queryset.query.is_empty():
                return super().get_queryset()
            self._queryset = rows
        return self._queryset


class InlineMediaOnce(helpers.InlineAdminFormSet):
    """An inline's scripts and styles from its formset alone. Django's adds up
    those of every row too, though every row has the same widgets (as its
    formset says): on a story of forty rows, some 8 ms for nothing new."""

    @property
    def media(self):
        return self.opts.media + self.formset.media


def picture_preview(image) -> str:
    """An uploaded picture (stories.images.LeadImage) as the admin previews it:
    a rendition at least PREVIEW_WIDTH wide (else the original), its size, and
    whether its renditions are made yet."""
    if image is None:
        return "No image yet."
    shown = next((c for c in image.fallback if c.width >= PREVIEW_WIDTH), None)
    shown = shown or (image.fallback[-1] if image.fallback else None)
    return format_html(
        '<img class="lead-image-preview" src="{}" width="{}" height="{}" alt="{}">'
        "<br>{} × {} pixels; {}",
        shown.url if shown else image.original,
        shown.width if shown else image.width,
        shown.height if shown else image.height,
        image.alt,
        image.width,
        image.height,
        f"{len(image.fallback)} sizes made" if image.fallback else "sizes not made yet",
    )


PREVIEW_WIDTH = 192


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "kind", "story_count"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "role"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "kind", "role", "bio", "photo", "photo_preview", "website", "social"]
    readonly_fields = ["photo_preview"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    class Media:
        css = {"all": ["admin-story/story-form.css"]}

    @admin.display(description="Preview")
    def photo_preview(self, author):
        return picture_preview(author.portrait)

    def get_queryset(self, request):
        return super().get_queryset(request).with_story_count()

    @admin.display(description="stories", ordering="story_count")
    def story_count(self, author):
        return author.story_count

    def view_on_site(self, author):
        return author.get_absolute_url()


class LimitedInline:
    """Rows edited with the story, at most `limit.most` of them (stories.limits):
    the page offers no more, and a save with more is refused in the limit's words."""

    limit: limits.ItemLimit

    def get_max_num(self, request, obj=None, **kwargs):
        return self.limit.most

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, validate_max=True, **kwargs)
        formset.default_error_messages = {
            **formset.default_error_messages,
            "too_many_forms": self.limit.refusal(),
        }
        return formset


class NewStoryRows:
    """An inline that opens a new story with the rows a publishable story needs
    (`add_rows`), and an existing one with none. Rows left empty are not saved."""

    add_rows = 0

    def get_extra(self, request, obj=None, **kwargs):
        return self.add_rows if obj is None else 0


# The byline's authors, viewpoints, key points and open questions are put in order by dragging
# (adminsortable2): their position field is hidden and kept by the drag.
class ViewpointInline(RowsLoadedWithStory, LimitedInline, NewStoryRows, SortableStackedInline):
    model = Viewpoint
    limit = limits.ITEMS["viewpoints"]
    form = ViewpointForm
    add_rows = 3
    fields = [
        ("label", "holders"),
        "stance",
        "summary",
        "detail",
        ("sign_off_status", "sign_off"),
    ]
    readonly_fields = ["sign_off_status"]
    formfield_overrides = {
        models.CharField: {"widget": forms.TextInput(attrs={"size": 90})},
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 5, "cols": 90})},
    }

    def get_fields(self, request, obj=None):
        # The ordering library adds the hidden position field to ours.
        fields = super().get_fields(request, obj)
        if request.user.has_perm("stories.sign_off_viewpoint"):
            return fields
        # Writers see whether a viewpoint is signed off, with no box to tick.
        return [
            "sign_off_status" if field == ("sign_off_status", "sign_off") else field
            for field in fields
        ]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type("ViewpointForm", (formset.form,), {"user": request.user})
        return formset

    @admin.display(description="sign-off")
    def sign_off_status(self, viewpoint):
        if not viewpoint.signed_off_at:
            return "Not signed off"
        when = date_format(timezone.localtime(viewpoint.signed_off_at), "DATETIME_FORMAT")
        if viewpoint.is_signed_off:
            return f"Signed off by {viewpoint.signed_off_by_name} on {when}"
        return f"Changed since {viewpoint.signed_off_by_name} signed it off on {when}"


class SentenceListInline(RowsLoadedWithStory, LimitedInline, NewStoryRows, SortableTabularInline):
    """A list of one-sentence items, with room to read each sentence whole."""

    fields = ["text"]
    formfield_overrides = {
        models.CharField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 90})}
    }
    text_label = "Text"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "text":
            field.label = self.text_label
        return field


class KeyPointInline(SentenceListInline):
    model = KeyPoint
    limit = limits.ITEMS["key_points"]
    add_rows = 3
    text_label = "Key point (one sentence)"
    verbose_name_plural = "key points"


class OpenQuestionInline(SentenceListInline):
    model = OpenQuestion
    limit = limits.ITEMS["open_questions"]
    add_rows = 1
    text_label = "Open question (one sentence)"
    fk_name = "story"
    fields = ["text", "status", "answer"]
    readonly_fields = ["answer"]
    verbose_name_plural = "what we don't know"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("answered_in")

    @admin.display(description="answered in")
    def answer(self, question):
        # Answered from the later story's page (its “Answers” field), which sets the date.
        if question.answered_in is None:
            return "—"
        return f"{question.answered_in} on {question.answered_on:%d %b %Y}"


class TimelineEventInline(RowsLoadedWithStory, LimitedInline, NewStoryRows, admin.TabularInline):
    model = TimelineEvent
    limit = limits.ITEMS["timeline_events"]
    form = TimelineEventForm
    add_rows = 2
    verbose_name_plural = "how we got here (timeline)"


class CorrectionInline(
    RowsLoadedWithStory, LimitedInline, TimesInNewsroomZone, admin.StackedInline
):
    model = Correction
    limit = limits.ITEMS["corrections"]
    extra = 0
    fields = [("kind", "created_at"), "text", ("paragraph", "source_number")]
    # Each note's heading reads "Public note: Correction: …" (its kind is in its name).
    verbose_name = "public note"
    verbose_name_plural = "updates and corrections (public)"


class ChosenNamesSelect(TolerantAutocompleteSelect):
    """An autocomplete naming each row's choice from the rows loaded with the
    story (`chosen`: id → name, set per page by the inline), instead of with
    queries per row."""

    chosen: dict[str, str] = {}

    def optgroups(self, name, value, attr=None):
        picked = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        if not set(picked) <= set(self.chosen):  # e.g. a source picked in a refused save
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        for pk in picked:
            options.append(self.create_option(name, pk, self.chosen[pk], True, len(options)))
        return [(None, options, 0)]


class CitedSourceSelect(ChosenNamesSelect):
    """The source autocomplete; naming a source otherwise takes two queries a row."""

    chosen: dict[str, str] = {}  # source id → name, set per page by CitationInline


class CitationInline(RowsLoadedWithStory, LimitedInline, NewStoryRows, admin.TabularInline):
    model = Citation
    limit = limits.ITEMS["citations"]
    formset = CitationFormSet
    add_rows = 2
    fields = ["number", "source", "quote", "accessed"]
    autocomplete_fields = ["source"]
    verbose_name_plural = "sources cited ([n] in the body)"
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}

    def get_queryset(self, request):
        # Each row shows its citation, named by its source and outlet.
        return super().get_queryset(request).select_related("source__outlet")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source":
            kwargs["widget"] = CitedSourceSelect(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None:
            select = formset.form.base_fields["source"].widget.widget
            select.chosen = {str(c.source_id): str(c.source) for c in obj.citations.all()}
        return formset


class BylineAuthorSelect(ChosenNamesSelect):
    chosen: dict[str, str] = {}  # author id → name, set per page by StoryAuthorInline


class StoryAuthorInline(LimitedInline, NewStoryRows, SortableTabularInline):
    """The byline: at least one author to publish (publish_checks), in the
    order readers see them, put in order by dragging."""

    model = StoryAuthor
    limit = limits.ITEMS["story_authors"]
    add_rows = 1
    fields = ["author"]
    autocomplete_fields = ["author"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "author":
            kwargs["widget"] = BylineAuthorSelect(db_field, self.admin_site)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if obj is not None:
            select = formset.form.base_fields["author"].widget.widget
            select.chosen = {str(row.author_id): str(row.author) for row in obj.story_authors.all()}
        return formset


@admin.register(Story)
class StoryAdmin(
    SortableAdminBase, ArchiveListMixin, TimesInNewsroomZone, StoryWorkflowAdmin, VersionAdmin
):
    form = StoryForm
    object_history_template = "admin/stories/story/object_history.html"
    list_display = ["title", "status", "topic", "label", "published_at", "source_count", "is_live"]
    actions = ["publish_selected"]
    list_filter = ["status", "topic", "tags"]
    list_select_related = ["topic"]
    # On SQLite; PostgreSQL searches the story's search vector (get_search_results).
    search_fields = ["title", "slug", "dek", "body", "label"]
    list_deferred = ("dek", "body", "why_it_matters", "withdrawn_reason", "search_vector")
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
    inlines = [
        StoryAuthorInline,
        ViewpointInline,
        KeyPointInline,
        TimelineEventInline,
        OpenQuestionInline,
        CitationInline,
        CorrectionInline,
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "dek",
                    ("topic", "label"),
                    "tags",
                    "opened_version",
                ]
            },
        ),
        (
            "Lead image",
            {
                "description": "Optional. With an image, its alt text, caption and credit "
                "are required. Sizes for every screen are made once, after saving.",
                "fields": ["image", "image_preview", "image_alt", "image_caption", "image_credit"],
            },
        ),
        ("People", {"classes": ["collapse"], "fields": [("owner", "assigned_to")]}),
        ("Text", {"fields": ["why_it_matters", "body"]}),
        ("Answers", {"fields": ["answers", "answer_paragraph"]}),
        (
            "Record",
            {"classes": ["collapse"], "fields": ["created_at", "updated_at"]},
        ),
    ]
    readonly_fields = ["created_at", "updated_at", "image_preview"]
    change_form_template = "admin/stories/story/change_form.html"

    class Media:
        css = {"all": ["admin-story/story-form.css"]}
        js = ["admin-story/checklist.js"]

    @admin.display(description="Preview")
    def image_preview(self, story):
        return picture_preview(story.lead_image)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.has_perm("stories.edit_any_story"):
            return fieldsets
        # Answering marks other stories' questions: an editor's call.
        return [fieldset for fieldset in fieldsets if fieldset[0] != "Answers"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("stories.edit_any_story"):
            fields += ["owner", "assigned_to"]
        return fields

    def get_queryset(self, request):
        stories = super().get_queryset(request)
        if request.user.has_perm("stories.edit_any_story"):
            return stories
        # Writers see their own stories and those assigned to them.
        user = request.user
        return stories.filter(models.Q(owner=user) | models.Q(assigned_to=user))

    def get_search_results(self, request, queryset, search_term):
        if uses_full_text():
            return rank_first(request, search_for_editors(queryset, search_term)), False
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            found = rank_first(request, found.annotate(search_rank=editors_rank(search_term)))
        return found, duplicates

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return can_edit(request.user, obj)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # A writer sees only their own and assigned stories (get_queryset); a
        # colleague's story exists, and "doesn't exist, perhaps deleted" would
        # send them looking for a deletion that never happened.
        story = Story.objects.filter(pk=_int_or_none(object_id)).select_related("owner").first()
        if story is None:
            return super()._get_obj_does_not_exist_redirect(request, opts, object_id)
        owner = story.owner.get_full_name() or story.owner.username if story.owner else "no one"
        self.message_user(
            request,
            f"Story {story.pk} belongs to someone else ({owner}): writers open only their own "
            "stories and those assigned to them. Ask an editor to assign it to you.",
            messages.WARNING,
        )
        return redirect("admin:stories_story_changelist")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Writers' forms leave the field out (see get_fieldsets); theirs would reopen all.
        if request.user.has_perm("stories.edit_any_story"):
            form.save_answers()

    def save_model(self, request, obj, form, change):
        if not change and obj.owner_id is None:
            obj.owner = request.user
        obj.last_edited_by = request.user
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        delete_stories(Story.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        delete_stories(queryset)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "body":
            kwargs["widget"] = forms.Textarea(attrs={"rows": 28, "cols": 100})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="sources", ordering="source_count")
    def source_count(self, story):
        return story.source_count

    @admin.display(description="live", boolean=True)
    def is_live(self, story):
        return story.is_live

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        inline_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)
        for inline_formset in inline_formsets:
            if type(inline_formset) is helpers.InlineAdminFormSet:
                inline_formset.__class__ = InlineMediaOnce
        return inline_formsets

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

    def view_on_site(self, story):
        return story.get_absolute_url() if story.is_live else None


@admin.register(ReviewQueue)
class ReviewQueueAdmin(admin.ModelAdmin):
    """Stories in review, oldest submission first: what editors work through."""

    list_display = ["story", "topic", "owner", "submitted_at"]
    list_display_links = None
    list_select_related = ["topic", "owner"]

    def get_queryset(self, request):
        submitted = Transition.objects.filter(
            story=OuterRef("pk"), to_status=Story.Status.IN_REVIEW
        )
        return (
            super()
            .get_queryset(request)
            .filter(status=Story.Status.IN_REVIEW)
            .annotate(submitted_at=Subquery(submitted.order_by("-at").values("at")[:1]))
            .order_by("submitted_at", "pk")
        )

    @admin.display(description="submitted", ordering="submitted_at")
    def submitted_at(self, story):
        return story.submitted_at

    def has_module_permission(self, request):
        return request.user.has_perm("stories.review_story")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("stories.review_story")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="story")
    def story(self, story):
        # Opens in the story admin, where the review actions are.
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:stories_story_change", args=[story.pk]), story
        )


def _int_or_none(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return None
