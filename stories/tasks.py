"""The stories app's background work: search vectors refreshed and lead image
renditions made, off the request."""

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from factlen.caching import content_changed
from factlen.retries import retrying

from .images import delete_renditions, make_renditions
from .models import Story
from .search import refresh_search_vectors, uses_full_text


@task(takes_context=True)
@retrying
def refresh_search(*, story_ids):
    return refresh_search_vectors(story_ids)


class _Refresh:
    """One queued refresh per transaction, for every story it touched."""

    def __init__(self):
        self.story_ids = set()
        self.done = False

    def __call__(self):
        self.done = True
        refresh_search.enqueue(story_ids=sorted(self.story_ids))


def schedule_refresh(sender, instance, **kwargs):
    """Signal receiver: queue a refresh of the story's vector once its transaction
    commits, when the story and all of its inlines are saved."""
    if not uses_full_text():
        return
    story_id = instance.pk if isinstance(instance, Story) else instance.story_id
    pending = next(
        (hook for _, hook, _ in transaction.get_connection().run_on_commit
         if isinstance(hook, _Refresh) and not hook.done),
        None,
    )  # fmt: skip
    if pending is None:
        pending = _Refresh()
        transaction.on_commit(pending)
    pending.story_ids.add(story_id)


@task(takes_context=True)
@retrying
def render_lead_image(*, story_id, image):
    """Make the renditions of the story's lead image `image` (a stored name),
    unless the story has since changed image or they exist already."""
    story = Story.objects.filter(pk=story_id).only("image", "image_renditions").first()
    if story is None or story.image.name != image or story.image_renditions.get("of") == image:
        return 0
    renditions = make_renditions(image)
    # Only if the image is still the one they were made from; no signals: the
    # story's pages and cards are kept under its `updated_at`, touched here.
    kept = Story.objects.filter(pk=story_id, image=image).update(
        image_renditions=renditions, updated_at=timezone.now()
    )
    if not kept:
        delete_renditions(renditions)
        return 0
    content_changed()
    return len(renditions["sizes"])


def schedule_renditions(sender, instance, raw=False, **kwargs):
    """Signal receiver: once the transaction commits, have the renditions of a
    story's new lead image made."""
    if raw or not instance.image:
        return
    if (instance.image_renditions or {}).get("of") == instance.image.name:
        return
    story_id, image = instance.pk, instance.image.name
    transaction.on_commit(lambda: render_lead_image.enqueue(story_id=story_id, image=image))
