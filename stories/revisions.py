"""Revisions of a story with everything edited with it, and readable diffs.

Storage is django-reversion's: every save in the admin, every workflow step and
every import records a revision of the story and its inlines. This module
turns two revisions into what an editor wants to read: which fields changed
(text changes word by word) and which inline rows were added or removed.
"""

import difflib
import re
from dataclasses import dataclass, field

import reversion
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from reversion.models import Version

from .counts import recount_sources
from .models import (
    Citation,
    Correction,
    KeyPoint,
    OpenQuestion,
    Story,
    StoryAuthor,
    TimelineEvent,
    Viewpoint,
)

INLINES = {
    "viewpoints": Viewpoint,
    "key_points": KeyPoint,
    "open_questions": OpenQuestion,
    "timeline_events": TimelineEvent,
    "citations": Citation,
    "corrections": Correction,
    "story_authors": StoryAuthor,
}
# Bookkeeping that changes on every save and says nothing to an editor.
IGNORED_FIELDS = {
    "id", "version", "updated_at", "created_at", "search_vector", "source_count", "last_edited_by",
}  # fmt: skip


def register():
    for model in INLINES.values():
        if not reversion.is_registered(model):
            reversion.register(model)
    if not reversion.is_registered(Story):
        reversion.register(Story, follow=list(INLINES))


@transaction.atomic
def restore(version: Version, *, by) -> None:
    """Bring back the story and its inlines as they were at `version`, recorded
    as a new revision (nothing in the history is erased)."""
    when = date_format(timezone.localtime(version.revision.date_created), "DATETIME_FORMAT")
    with reversion.create_revision():
        version.revision.revert(delete=True)
        # Restored rows are saved raw, without the signals that keep the count.
        recount_sources([version.object_id])
        story = Story.objects.get(pk=version.object_id)
        # The restored row carries the old version number; count this as a save.
        current = Story.objects.filter(pk=story.pk).values_list("version", flat=True).get()
        Story.objects.filter(pk=story.pk).update(version=current + 1, last_edited_by=by)
        story.refresh_from_db()
        reversion.add_to_revision(story)
        reversion.set_user(by)
        reversion.set_comment(f"Restored the revision of {when}")


def versions_of(story):
    """The story's revisions, newest first."""
    return Version.objects.get_for_object(story).select_related("revision__user")


@dataclass
class FieldChange:
    name: str
    before: str
    after: str

    @property
    def html(self):
        return word_diff(self.before, self.after)


@dataclass
class InlineChanges:
    label: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[tuple[str, str]] = field(default_factory=list)

    def __bool__(self):
        return bool(self.added or self.removed or self.changed)


def _rows(version, model):
    """Inline rows saved in the same revision as `version`, by primary key."""
    rows = {}
    for row in version.revision.version_set.all():
        if row.content_type.model_class() is model:
            data = {k: v for k, v in row.field_dict.items() if k not in IGNORED_FIELDS}
            rows[row.object_id] = _describe(model, data)
    return rows


def _describe(model, data):
    if model is Citation:
        return f"[{data.get('number')}] source #{data.get('source')}"
    if model is Viewpoint:
        return f"{data.get('label')}: {data.get('summary')}"
    if model is TimelineEvent:
        return f"{data.get('date')}: {data.get('text')}"
    return str(data.get("text", ""))


def compare(old: Version, new: Version):
    """(field changes, inline changes) from revision `old` to revision `new`."""
    before, after = old.field_dict, new.field_dict
    fields = []
    for model_field in Story._meta.concrete_fields:
        name = model_field.attname
        if model_field.name in IGNORED_FIELDS or name in IGNORED_FIELDS:
            continue
        a, b = before.get(name), after.get(name)
        if a != b:
            fields.append(FieldChange(model_field.verbose_name, _text(a), _text(b)))
    inlines = []
    for model in INLINES.values():
        a, b = _rows(old, model), _rows(new, model)
        changes = InlineChanges(model._meta.verbose_name_plural.capitalize())
        changes.added = [b[pk] for pk in b.keys() - a.keys()]
        changes.removed = [a[pk] for pk in a.keys() - b.keys()]
        changes.changed = [(a[pk], b[pk]) for pk in a.keys() & b.keys() if a[pk] != b[pk]]
        if changes:
            inlines.append(changes)
    return fields, inlines


def _text(value):
    return "" if value is None else str(value)


_WORDS = re.compile(r"\s+|[^\s]+")


def word_diff(before: str, after: str):
    """Escaped HTML with removed words in <del> and added words in <ins>."""
    a, b = _WORDS.findall(before), _WORDS.findall(after)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return mark_safe("".join(out))  # each piece escaped above
