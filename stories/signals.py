"""What a change means for readers' pages.

Any save or delete of a story, of a row shown with it (viewpoints, key
points, events, questions, citations, corrections, tags, bylines), of a
source, an outlet, an author, a tag or a topic:

- touches the stories it shows on (`updated_at`): the key their rendered
  article is kept under, and the time feeds and sitemaps report;
- keeps the published-story counts of topics and outlets exact;
- starts a new content version (factlen.caching), so cached pages are
  rendered afresh on the very next request.

Writes that send no signals (bulk inserts by an import, link checks' bulk
updates) call `stories_changed()` themselves.
"""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone
from taggit.models import Tag

from factlen.caching import content_changed, schedule_from
from sources.models import Outlet, Source
from sources.signals import link_health

from .counts import outlets_cited_by, recount_outlets, recount_sources, recount_topics
from .deletion import forget_revisions, image_files
from .images import delete_images
from .models import (
    Author,
    Citation,
    Correction,
    KeyPoint,
    OpenQuestion,
    Story,
    StoryAuthor,
    TimelineEvent,
    Topic,
    Viewpoint,
)

STORY_ROWS = (
    Viewpoint, KeyPoint, OpenQuestion, TimelineEvent, Citation, Correction, StoryAuthor,
)  # fmt: skip


def touch_stories(story_ids) -> None:
    ids = {pk for pk in story_ids if pk is not None}
    if ids:
        Story.objects.filter(pk__in=ids).update(updated_at=timezone.now())


def stories_changed(story_ids, *, recount=True) -> None:
    """These stories changed by a write that sent no signals."""
    ids = set(story_ids)
    touch_stories(ids)
    recount_sources(ids)
    if recount:
        recount_topics(Story.objects.filter(pk__in=ids).values_list("topic", flat=True))
        recount_outlets(outlets_cited_by(ids))
    content_changed(scheduling=recount)


def _is_published(status) -> bool:
    return status == Story.Status.PUBLISHED


def story_will_save(sender, instance, raw=False, **kwargs):
    instance._saved_state = None
    if not raw and instance.pk is not None:
        instance._saved_state = (
            Story.objects.filter(pk=instance.pk).values("status", "topic_id").first()
        )


def story_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    was = getattr(instance, "_saved_state", None) or {"status": None, "topic_id": None}
    if created or was["status"] != instance.status or was["topic_id"] != instance.topic_id:
        recount_topics({was["topic_id"], instance.topic_id})
    if _is_published(was["status"]) != _is_published(instance.status):
        recount_outlets(outlets_cited_by([instance.pk]))
    # Earlier stories show this one's title and link under the questions it answers.
    touch_stories(
        OpenQuestion.objects.filter(answered_in=instance.pk).values_list("story", flat=True)
    )
    content_changed(scheduling=True)


def story_deleted(sender, instance, **kwargs):
    files = image_files(instance)  # before its revisions, which name some, are forgotten
    forget_revisions([instance.pk])
    if files:
        transaction.on_commit(lambda: delete_images(files))
    recount_topics({instance.topic_id})
    content_changed(scheduling=True)


def row_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    touch_stories({instance.story_id})
    content_changed()


def citation_will_save(sender, instance, raw=False, **kwargs):
    instance._saved_outlet = instance._saved_story = None
    if not raw and instance.pk is not None:
        saved = Citation.objects.filter(pk=instance.pk).values_list("source__outlet", "story")
        instance._saved_outlet, instance._saved_story = saved.first() or (None, None)


def citation_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    outlets = {getattr(instance, "_saved_outlet", None)}
    outlets |= set(Source.objects.filter(pk=instance.source_id).values_list("outlet", flat=True))
    recount_outlets(outlets)
    recount_sources({getattr(instance, "_saved_story", None), instance.story_id})
    row_changed(sender, instance, **kwargs)


def tags_changed(sender, instance, action, reverse, **kwargs):
    if action in ("post_add", "post_remove", "post_clear") and isinstance(instance, Story):
        touch_stories({instance.pk})
        content_changed()


def tag_changed(sender, instance, raw=False, **kwargs):
    """A tag renamed or deleted (in the admin's Tags): the stories it names show
    it in their page's metadata and in feeds. Before a delete, while they still
    name it."""
    if raw:
        return
    touch_stories(Story.objects.filter(tags=instance).values_list("pk", flat=True))
    content_changed()


def topic_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    Story.objects.filter(topic=instance).update(updated_at=timezone.now())
    content_changed()


def source_will_save(sender, instance, raw=False, **kwargs):
    instance._saved_outlet = None
    if not raw and instance.pk is not None:
        instance._saved_outlet = (
            Source.objects.filter(pk=instance.pk).values_list("outlet", flat=True).first()
        )


def source_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    if getattr(instance, "_saved_outlet", None) not in (None, instance.outlet_id):
        recount_outlets({instance._saved_outlet, instance.outlet_id})
    Story.objects.filter(citations__source=instance).update(updated_at=timezone.now())
    content_changed()


def outlet_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    recount_outlets({instance.pk})
    Story.objects.filter(citations__source__outlet=instance).update(updated_at=timezone.now())
    content_changed()


def author_will_save(sender, instance, raw=False, **kwargs):
    instance._saved_photo = ""
    if not raw and instance.pk is not None:
        instance._saved_photo = (
            Author.objects.filter(pk=instance.pk).values_list("photo", flat=True).first() or ""
        )


def author_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    # A photo replaced or cleared is nowhere else (authors keep no revisions):
    # its file and renditions go once the change is committed.
    old = getattr(instance, "_saved_photo", "")
    if old and old != instance.photo.name:
        transaction.on_commit(lambda: delete_images({old}))
    # Their bylines show the name, and link to the author page by its slug.
    Story.objects.filter(story_authors__author=instance).update(updated_at=timezone.now())
    content_changed()


def anything_deleted(sender, instance, **kwargs):
    content_changed()


def author_deleted(sender, instance, **kwargs):
    if instance.photo:
        photo = instance.photo.name
        transaction.on_commit(lambda: delete_images({photo}))


def next_scheduled_time():
    """When the next scheduled story goes live: the page cache turns over then."""
    upcoming = Story.objects.scheduled().order_by("published_at")
    return upcoming.values_list("published_at", flat=True).first()


def link_health_changed(sender, source_ids, **kwargs):
    """Sources became broken or work again: readers are told on the stories citing them."""
    cited = Citation.objects.filter(source__in=source_ids).values_list("story", flat=True)
    stories_changed(cited, recount=False)


def connect() -> None:
    schedule_from(next_scheduled_time)
    link_health.connect(link_health_changed, dispatch_uid="link-health-changed")
    pre_save.connect(story_will_save, sender=Story, dispatch_uid="story-will-save")
    post_save.connect(story_saved, sender=Story, dispatch_uid="story-saved")
    post_delete.connect(story_deleted, sender=Story, dispatch_uid="story-deleted")
    for model in STORY_ROWS:
        if model is Citation:
            continue
        post_save.connect(row_changed, sender=model, dispatch_uid=f"row-saved-{model.__name__}")
        post_delete.connect(row_changed, sender=model, dispatch_uid=f"row-deleted-{model.__name__}")
    pre_save.connect(citation_will_save, sender=Citation, dispatch_uid="citation-will-save")
    post_save.connect(citation_changed, sender=Citation, dispatch_uid="citation-saved")
    post_delete.connect(citation_changed, sender=Citation, dispatch_uid="citation-deleted")
    m2m_changed.connect(tags_changed, sender=Story.tags.through, dispatch_uid="story-tags")
    post_save.connect(tag_changed, sender=Tag, dispatch_uid="tag-saved")
    pre_delete.connect(tag_changed, sender=Tag, dispatch_uid="tag-deleted")
    post_save.connect(topic_saved, sender=Topic, dispatch_uid="topic-saved")
    pre_save.connect(source_will_save, sender=Source, dispatch_uid="source-will-save")
    post_save.connect(source_saved, sender=Source, dispatch_uid="source-saved")
    post_save.connect(outlet_saved, sender=Outlet, dispatch_uid="outlet-saved")
    pre_save.connect(author_will_save, sender=Author, dispatch_uid="author-will-save")
    post_save.connect(author_saved, sender=Author, dispatch_uid="author-saved")
    post_delete.connect(author_deleted, sender=Author, dispatch_uid="author-deleted")
    for model in (Topic, Source, Outlet, Author):
        post_delete.connect(
            anything_deleted, sender=model, dispatch_uid=f"deleted-{model.__name__}"
        )
