"""The stories app's background work: search vectors refreshed, and the
renditions of lead images and author photos made, off the request."""

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from factlen.caching import content_changed
from factlen.retries import retrying

from .images import PORTRAIT_WIDTHS, delete_renditions, make_renditions
from .models import Author, Story
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
    _refresh_on_commit({story_id})


def refresh_authors_stories(sender, instance, raw=False, **kwargs):
    """Signal receiver: an author saved (renamed, perhaps): their stories'
    vectors hold their name."""
    if raw or not uses_full_text():
        return
    _refresh_on_commit(set(instance.bylines.values_list("story_id", flat=True)))


def _refresh_on_commit(story_ids):
    if not story_ids:
        return
    pending = next(
        (hook for _, hook, _ in transaction.get_connection().run_on_commit
         if isinstance(hook, _Refresh) and not hook.done),
        None,
    )  # fmt: skip
    if pending is None:
        pending = _Refresh()
        transaction.on_commit(pending)
    pending.story_ids |= story_ids


@task(takes_context=True)
@retrying
def render_lead_image(*, story_id, image):
    """Make the renditions of the story's lead image `image` (a stored name),
    unless the story has since changed image or they exist already."""
    # No signals: the story's pages and cards are kept under its `updated_at`, touched here.
    return _render(
        Story.objects.filter(pk=story_id), "image", image, touch={"updated_at": timezone.now()}
    )


@task(takes_context=True)
@retrying
def render_author_photo(*, author_id, photo):
    """Make the renditions of the author's photo `photo` (a stored name), unless
    the author has since changed photo or they exist already."""
    author = Author.objects.filter(pk=author_id)
    made = _render(author, "photo", photo, widths=PORTRAIT_WIDTHS)
    if made:
        # Bylines beside the photo are cached with their story.
        Story.objects.filter(story_authors__author_id=author_id).update(updated_at=timezone.now())
    return made


def _render(rows, field: str, name: str, *, widths=None, touch=None) -> int:
    """Make and keep the renditions of `name`, the `field` image of the one row
    in `rows`; how many sizes were made (0 when there was nothing to do)."""
    kept_as = f"{field}_renditions"
    row = rows.only(field, kept_as).first()
    if row is None or getattr(row, field).name != name or getattr(row, kept_as).get("of") == name:
        return 0
    renditions = make_renditions(name, **({"widths": widths} if widths else {}))
    # Only if the image is still the one they were made from.
    if not rows.filter(**{field: name}).update(**{kept_as: renditions, **(touch or {})}):
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


def schedule_portrait_renditions(sender, instance, raw=False, **kwargs):
    """Signal receiver: once the transaction commits, have the renditions of an
    author's new photo made."""
    if raw or not instance.photo:
        return
    if (instance.photo_renditions or {}).get("of") == instance.photo.name:
        return
    author_id, photo = instance.pk, instance.photo.name
    transaction.on_commit(lambda: render_author_photo.enqueue(author_id=author_id, photo=photo))
