"""The story admin's workflow: the state panel on the change page, each step's
confirmation page, share links for outside reviewers, and the history's compare
and restore pages.

StoryAdmin takes these from StoryWorkflowAdmin (a mixin), so stories/admin.py
keeps to what is edited and listed. Every step goes through workflow.perform:
these pages ask, show what it says, and never write a state themselves.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from reversion.models import Version

from .draft_checks import check_posted
from .forms import TransitionForm
from .models import PreviewLink, Story
from .publish_checks import failures, run_checks
from .revisions import compare, restore, versions_of
from .workflow import (
    ACTIONS,
    TransitionRefused,
    allowed_actions,
    override_label,
    perform,
    refusals,
)


class StoryWorkflowAdmin:
    """Workflow pages for a story ModelAdmin."""

    def get_urls(self):
        def view(route, function, name):
            return path(
                f"<path:object_id>/{route}",
                self.admin_site.admin_view(function),
                name=f"stories_story_{name}",
            )

        return [
            # Before the object's own addresses, which would take "add" for an id.
            path(
                "add/checks/",
                self.admin_site.admin_view(self.add_checks_view),
                name="stories_story_add_checks",
            ),
            view("history/compare/", self.compare_view, "compare"),
            view("history/<int:version_id>/restore/", self.restore_view, "restore"),
            view("share/", self.share_view, "share"),
            view("share/<int:link_id>/revoke/", self.revoke_view, "revoke_share"),
            view("transition/<str:action>/", self.transition_view, "transition"),
            view("checks/", self.checks_view, "checks"),
            *super().get_urls(),
        ]

    def get_object(self, request, object_id, from_field=None):
        # One load serves the change page's form, its publish checks and its
        # panel, and each step's page: the story with its inlines. The history
        # page lists revisions and shows none of them.
        queryset = self.get_queryset(request)
        if not _is_history(request):
            queryset = queryset.for_page()
        opts = self.model._meta
        field = opts.pk if from_field is None else opts.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (self.model.DoesNotExist, ValidationError, ValueError):
            return None

    # The change page's panel ------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Only when the page is shown (not on a save that redirects).
        if obj is not None and obj.pk:
            context.update(self.workflow_context(request, obj))
            if request.method == "GET":
                self.warn_of_broken_links(request, obj)
        elif add:
            # A new story has no state or history yet, only the checks it will
            # need to pass: as it stands empty, then as the editor types.
            context["add_checks"] = check_posted(Story(owner=request.user), {}, {})
        return super().render_change_form(request, context, add, change, form_url, obj)

    def workflow_context(self, request, story):
        """The state panel above the form: state, allowed steps, checks, history."""
        # A refused save has put the editor's input on `story`: check what is saved.
        saved = story if request.method == "GET" else Story.objects.for_page().get(pk=story.pk)
        return {
            "workflow_story": story,
            "workflow_actions": allowed_actions(request.user, story),
            "workflow_checks": run_checks(saved),
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

    def warn_of_broken_links(self, request, story):
        for source in (c.source for c in story.citations.all()):
            if not source.is_broken:
                continue
            archived = (
                " Readers are shown its archived copy."
                if source.archive_url
                else " It has no archived copy: add one, or cite another source."
            )
            messages.warning(
                request,
                f"This story cites a broken link: {source.outlet.name}, “{source.title}” "
                f"({source.url}) failed {source.link_failures} checks in a row.{archived}",
            )

    def checks_view(self, request, object_id):
        """The publish checks on the form as typed (JSON): nothing is saved."""
        story = self.get_object(request, object_id)
        if story is None:
            raise Http404("No such story.")
        if request.method != "POST" or not self.has_change_permission(request, story):
            raise PermissionDenied
        return self._posted_checks(request, story)

    def add_checks_view(self, request):
        """The publish checks on the add form as typed (JSON): nothing is saved."""
        if request.method != "POST" or not self.has_add_permission(request):
            raise PermissionDenied
        # As the save would make it: the writer who adds a story owns it.
        return self._posted_checks(request, Story(owner=request.user))

    def _posted_checks(self, request, story):
        formsets = {}
        # A new story is no object yet to the inlines (as on the add page).
        obj = story if story.pk else None
        for formset_class, inline in self.get_formsets_with_inlines(request, obj):
            prefix = formset_class.get_default_prefix()
            formsets[prefix] = formset_class(
                data=request.POST,
                instance=story,
                prefix=prefix,
                queryset=inline.get_queryset(request),
            )
        return JsonResponse({"checks": check_posted(story, request.POST, formsets)})

    # Workflow steps ---------------------------------------------------------

    def transition_view(self, request, object_id, action):
        story = self.get_object(request, object_id)
        step = ACTIONS.get(action)
        if story is None or step is None:
            raise Http404("No such story or action.")
        failed = failures(story) if step.target == Story.Status.PUBLISHED else []
        can_override = request.user.has_perm("stories.override_check")
        form = TransitionForm(
            request.POST if request.method == "POST" else None,
            step=step,
            overridable=failed if can_override else (),
            initial={"published_at": timezone.localtime(story.published_at or timezone.now())},
        )
        problems = []
        if form.is_valid():
            try:
                transition = perform(
                    story,
                    action,
                    by=request.user,
                    comment=form.cleaned_data["comment"],
                    published_at=form.cleaned_data.get("published_at"),
                    overrides=form.overrides,
                )
            except TransitionRefused as refusal:
                problems = refusal.problems
            else:
                self.message_user(request, _done(transition.story), messages.SUCCESS)
                return redirect("admin:stories_story_change", story.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{step.label}: {story.title}",
            "opts": self.model._meta,
            "original": story,
            "step": step,
            "form": form,
            "problems": problems,
            "failed": failed,
            # Why not, in the workflow's words: what it needs and what to do instead.
            "refused": [] if problems else refusals(request.user, story, action=step),
            "target": Story.Status(step.target).label,
        }
        return TemplateResponse(request, "admin/stories/story/transition.html", context)

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

    # Share links ------------------------------------------------------------

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
                date_format(timezone.localtime(link.expires_at), "j M Y, H:i T"),
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

    # History: compare and restore -----------------------------------------

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
        when = date_format(timezone.localtime(version.revision.date_created), "j M Y, H:i T")
        self.message_user(
            request,
            f"Restored the revision of {when} as a new revision; the history keeps every "
            "earlier one.",
            messages.SUCCESS,
        )
        return redirect("admin:stories_story_change", story.pk)


def _is_history(request) -> bool:
    match = getattr(request, "resolver_match", None)
    return bool(match and match.url_name == "stories_story_history")


def _done(story) -> str:
    scheduled = story.status == Story.Status.PUBLISHED and not story.is_live
    state = story.get_status_display().lower() + (" (scheduled)" if scheduled else "")
    return f"“{story.title}” is now {state}."
