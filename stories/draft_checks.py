"""The publish checks on what the editor has typed but not saved yet.

The change page's checklist updates as the editor types (static
admin-story/checklist.js posts the form here). Nothing is saved: the story and
its inline rows are built in memory from the posted form, as a save would
build them, and the same rules (publish_checks) run on them. Publishing still
runs the checks on the saved story: this only tells the editor sooner.
"""

from .publish_checks import run_checks

TEXT_FIELDS = ["title", "dek", "why_it_matters", "label", "body"]
# What the rules look at; a new story has no saved rows to fall back on.
INLINES = {"story_authors", "viewpoints", "key_points", "citations", "timeline_events"}


class _Rows(list):
    def all(self):
        return self


class UnsavedStory:
    """`story` as the posted form would leave it, with its rows as posted."""

    def __init__(self, story, rows):
        self._story = story
        for name, items in rows.items():
            setattr(self, name, _Rows(items))

    def __getattr__(self, name):
        return getattr(self._story, name)


def _posted_rows(formset):
    rows = []
    for form in formset.forms:
        is_new = form.instance.pk is None
        if is_new and not form.has_changed():
            continue  # a blank row, which a save would skip too
        if not form.is_valid() or form.cleaned_data.get("DELETE"):
            continue
        rows.append(form.instance)
    rows.sort(key=lambda row: (getattr(row, "position", 0) or 0, row.pk or 0))
    return rows


def check_posted(story, data, formsets) -> list[dict]:
    """The checks' results for `story` edited by `data`; `formsets` are the
    admin's inline formsets bound to `data`, keyed by their prefix."""
    for name in TEXT_FIELDS:
        field = story._meta.get_field(name)
        value = str(data.get(name, ""))
        setattr(story, name, value[: field.max_length] if field.max_length else value)
    topic = data.get("topic", "")
    story.topic_id = int(topic) if str(topic).isdigit() else None
    rows = {prefix: _posted_rows(fs) for prefix, fs in formsets.items() if prefix in INLINES}
    if story.pk is None:  # no saved rows: what is not posted is not there
        rows = {prefix: rows.get(prefix, []) for prefix in INLINES}
    return [
        {"rule": r.rule, "label": r.label, "passed": r.passed, "problems": r.problems}
        for r in run_checks(UnsavedStory(story, rows))
    ]
