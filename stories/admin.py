from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.html import format_html
from reversion.admin import VersionAdmin
from reversion.models import Version

from factlen.admin_widgets import TolerantAutocompleteMixin
from sources.models import Source

from .checks import failures, run_checks
from .forms import CitationFormSet, StoryForm, TimelineEventForm
from .models import (
    Citation,
    Correction,
    KeyPoint,
    OpenQuestion,
    PreviewLink,
    ReviewQueue,
    Story,
    TimelineEvent,
    Topic,
    Transition,
    Viewpoint,
)
from .revisions import compare, restore, versions_of
from .workflow import ACTIONS, TransitionRefused, allowed_actions, can_edit, override_label, perform


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


class CitationInline(TolerantAutocompleteMixin, admin.TabularInline):
    model = Citation
    formset = CitationFormSet
    extra = 0
    fields = ["number", "source", "quote", "accessed"]
    autocomplete_fields = ["source"]
    verbose_name_plural = "sources cited ([n] in the body)"


@admin.register(Story)
class StoryAdmin(VersionAdmin):
    form = StoryForm
    object_history_template = "admin/stories/story/object_history.html"
    list_display = ["title", "status", "topic", "label", "published_at", "source_count", "is_live"]
    actions = ["publish_selected"]
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
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "dek",
                    ("topic", "label"),
                    "byline",
                    "tags",
                    "opened_version",
                ]
            },
        ),
        ("People", {"classes": ["collapse"], "fields": [("owner", "assigned_to")]}),
        ("Text", {"fields": ["why_it_matters", "body"]}),
        (
            "Record",
            {"classes": ["collapse"], "fields": ["created_at", "updated_at"]},
        ),
    ]
    readonly_fields = ["created_at", "updated_at"]
    change_form_template = "admin/stories/story/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("stories.edit_any_story"):
            fields += ["owner", "assigned_to"]
        return fields

    def get_queryset(self, request):
        stories = super().get_queryset(request).with_source_count()
        if request.user.has_perm("stories.edit_any_story"):
            return stories
        # Writers see their own stories and those assigned to them.
        user = request.user
        return stories.filter(models.Q(owner=user) | models.Q(assigned_to=user))

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return can_edit(request.user, obj)

    def save_model(self, request, obj, form, change):
        if not change and obj.owner_id is None:
            obj.owner = request.user
        obj.last_edited_by = request.user
        super().save_model(request, obj, form, change)

    def workflow_context(self, request, story):
        """The state panel above the form: state, allowed actions, checks, history."""
        if story is None:
            return {}
        loaded = Story.objects.for_page().get(pk=story.pk)
        return {
            "workflow_story": story,
            "workflow_actions": allowed_actions(request.user, story),
            "workflow_checks": run_checks(loaded),
            "workflow_history": [
                (t, [(override_label(o["rule"]), o["reason"]) for o in t.overrides])
                for t in story.transitions.select_related("by")
            ],
            "workflow_scheduled": story.status == Story.Status.PUBLISHED and not story.is_live,
            "can_share": request.user.has_perm("stories.publish_story"),
            "preview_links": [
                (link, request.build_absolute_uri(link.get_absolute_url()))
                for link in story.preview_links.filter(
                    revoked_at__isnull=True, expires_at__gt=timezone.now()
                )
            ],
        }

    def get_urls(self):
        return [
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name="stories_story_compare",
            ),
            path(
                "<path:object_id>/history/<int:version_id>/restore/",
                self.admin_site.admin_view(self.restore_view),
                name="stories_story_restore",
            ),
            path(
                "<path:object_id>/share/",
                self.admin_site.admin_view(self.share_view),
                name="stories_story_share",
            ),
            path(
                "<path:object_id>/share/<int:link_id>/revoke/",
                self.admin_site.admin_view(self.revoke_view),
                name="stories_story_revoke_share",
            ),
            path(
                "<path:object_id>/transition/<str:action>/",
                self.admin_site.admin_view(self.transition_view),
                name="stories_story_transition",
            ),
            *super().get_urls(),
        ]

    def transition_view(self, request, object_id, action):
        story = self.get_object(request, object_id)
        if story is None or action not in ACTIONS:
            raise Http404("No such story or action.")
        step = ACTIONS[action]
        loaded = Story.objects.for_page().get(pk=story.pk)
        failed = failures(loaded) if action == "publish" else []
        problems = []
        if request.method == "POST":
            published_at = None
            if action == "publish" and request.POST.get("published_at"):
                published_at = parse_datetime(request.POST["published_at"])
                if published_at is None:
                    problems.append("The published time is not a date and time.")
                elif timezone.is_naive(published_at):
                    published_at = timezone.make_aware(published_at)
            overrides = {r.rule: request.POST.get(f"override_{r.rule}", "") for r in failed}
            if not problems:
                try:
                    perform(
                        story,
                        action,
                        by=request.user,
                        comment=request.POST.get("comment", ""),
                        published_at=published_at,
                        overrides=overrides,
                    )
                except TransitionRefused as refusal:
                    problems = refusal.problems
                else:
                    story.refresh_from_db()
                    self.message_user(
                        request,
                        f"“{story.title}” is now {story.get_status_display().lower()}"
                        + (
                            " (scheduled)"
                            if story.status == "published" and not story.is_live
                            else ""
                        )
                        + ".",
                        messages.SUCCESS,
                    )
                    return redirect("admin:stories_story_change", story.pk)
        default_time = timezone.localtime(story.published_at or timezone.now())
        context = {
            **self.admin_site.each_context(request),
            "title": f"{step.label}: {story.title}",
            "opts": self.model._meta,
            "original": story,
            "step": step,
            "problems": problems,
            "failed": failed,
            "can_override": request.user.has_perm("stories.override_check"),
            "refusals": allowed_actions(request.user, story),
            "allowed": step in allowed_actions(request.user, story),
            "default_time": default_time.strftime("%Y-%m-%dT%H:%M"),
            "target": Story.Status(step.target).label,
        }
        return TemplateResponse(request, "admin/stories/story/transition.html", context)

    def history_view(self, request, object_id, extra_context=None):
        story = self.get_object(request, object_id)
        extra = {"story_versions": list(versions_of(story))} if story else {}
        return super().history_view(request, object_id, {**extra, **(extra_context or {})})

    def compare_view(self, request, object_id):
        story = self.get_object(request, object_id)
        if story is None:
            raise Http404("No such story.")
        versions = versions_of(story)
        try:
            old = versions.get(pk=request.GET.get("old"))
            new = versions.get(pk=request.GET.get("new"))
        except (Version.DoesNotExist, ValueError):
            raise Http404("Pick two revisions of this story.") from None
        if old.revision.date_created > new.revision.date_created:
            old, new = new, old
        fields, inlines = compare(old, new)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Changes to “{story}”",
            "opts": self.model._meta,
            "original": story,
            "old": old,
            "new": new,
            "fields": fields,
            "inlines": inlines,
        }
        return TemplateResponse(request, "admin/stories/story/compare.html", context)

    def restore_view(self, request, object_id, version_id):
        story = self.get_object(request, object_id)
        if story is None:
            raise Http404("No such story.")
        if request.method != "POST" or not self.has_change_permission(request, story):
            raise PermissionDenied
        version = get_object_or_404(versions_of(story), pk=version_id)
        restore(version, by=request.user)
        when = date_format(timezone.localtime(version.revision.date_created), "j M Y H:i")
        self.message_user(
            request,
            f"Restored the revision of {when} as a new revision; the history keeps every "
            "earlier one.",
            messages.SUCCESS,
        )
        return redirect("admin:stories_story_change", story.pk)

    def share_view(self, request, object_id):
        story = self.get_object(request, object_id)
        if story is None:
            raise Http404("No such story.")
        if request.method != "POST" or not request.user.has_perm("stories.publish_story"):
            raise PermissionDenied
        link = PreviewLink.objects.create(story=story, created_by=request.user)
        self.message_user(
            request,
            format_html(
                "Share link for outside review (read-only, until {}): {}",
                date_format(timezone.localtime(link.expires_at), "j M Y H:i"),
                request.build_absolute_uri(link.get_absolute_url()),
            ),
            messages.SUCCESS,
        )
        return redirect("admin:stories_story_change", story.pk)

    def revoke_view(self, request, object_id, link_id):
        link = get_object_or_404(PreviewLink, pk=link_id, story_id=object_id)
        if request.method != "POST" or not request.user.has_perm("stories.publish_story"):
            raise PermissionDenied
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        self.message_user(request, "The share link is revoked: it no longer opens the story.")
        return redirect("admin:stories_story_change", object_id)

    @admin.action(description="Publish selected stories (runs the publish checks)")
    def publish_selected(self, request, queryset):
        published, refused = [], []
        for story in queryset:
            try:
                perform(story, "publish", by=request.user)
            except TransitionRefused as refusal:
                refused.append(f"“{story.title}”: {' '.join(refusal.problems)}")
            else:
                published.append(story.title)
        if published:
            self.message_user(request, f"Published {len(published)}: {', '.join(published)}.")
        for line in refused:
            self.message_user(request, f"Not published, {line}", messages.ERROR)

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
        story = self.get_object(request, object_id)
        extra_context = {**(extra_context or {}), **self.workflow_context(request, story)}
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
