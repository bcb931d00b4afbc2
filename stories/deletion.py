"""Deleting stories: everything that belongs to a story goes with it, quickly.

django-reversion keeps a story's revisions by id, not by foreign key, so no
cascade reaches them: however a story is deleted, its post_delete signal
calls forget_revisions() (stories.signals). Left to Django's cascade, a
story's rows also go one at a time, each sending its signals (a touch, a
recount, a new content version and a search refresh per row: a story with a
thousand viewpoints took half a minute); delete_stories() deletes them in one
statement per kind and brings counts and caches up to date once. The admin's
delete page and bulk action call it.

A story's lead images (the current one and those its revisions name, with
their renditions) are files, which no transaction holds: they are deleted
once the deletion commits (stories.signals).
"""

import json

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from reversion.models import Revision, Version

from .counts import outlets_cited_by, recount_outlets
from .models import Citation, Correction, KeyPoint, OpenQuestion, Story, TimelineEvent, Viewpoint

ROWS = (Viewpoint, KeyPoint, OpenQuestion, TimelineEvent, Citation, Correction)


@transaction.atomic
def delete_stories(stories) -> tuple[int, dict[str, int]]:
    """Delete `stories` (a queryset) with their rows and revisions; what
    QuerySet.delete() returns: the number deleted, and per model."""
    ids = list(stories.values_list("pk", flat=True))
    if not ids:
        return 0, {}
    outlets = outlets_cited_by(ids)
    counts = {}
    for model in ROWS:
        rows = model.objects.filter(story_id__in=ids)
        # No signals: what they would do per row is done once, below.
        counts[model._meta.label] = rows._raw_delete(rows.db)
    # Transitions, preview links, tags and newsletter records go by the cascade;
    # the story's own signal recounts its topic, turns the page cache over and
    # forgets its revisions.
    total, by_model = Story.objects.filter(pk__in=ids).delete()
    recount_outlets(outlets)
    counts.update(by_model)
    return total + sum(n for label, n in counts.items() if label not in by_model), counts


def forget_revisions(story_ids) -> int:
    """Delete the revisions of these stories (each holds one story and its rows).
    A revision that also holds another story keeps it: only these stories'
    versions leave it."""
    story_type = ContentType.objects.get_for_model(Story)
    object_ids = [str(pk) for pk in story_ids]
    versions = Version.objects.filter(content_type=story_type, object_id__in=object_ids)
    revisions = set(versions.values_list("revision", flat=True))
    shared = set(
        Version.objects.filter(revision__in=revisions, content_type=story_type)
        .exclude(object_id__in=object_ids)
        .values_list("revision", flat=True)
    )
    versions.filter(revision__in=shared).delete()
    deleted, _ = Revision.objects.filter(pk__in=revisions - shared).delete()
    return len(revisions - shared) if deleted else 0


def image_files(story) -> set[str]:
    """The stored lead images `story` names: its own and its revisions' (which a
    restore could bring back until they are forgotten)."""
    story_type = ContentType.objects.get_for_model(Story)
    names = {story.image.name}
    versions = Version.objects.filter(content_type=story_type, object_id=str(story.pk))
    for data in versions.values_list("serialized_data", flat=True):
        names |= {entry.get("fields", {}).get("image") or "" for entry in json.loads(data)}
    return names - {""}
