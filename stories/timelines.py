"""A topic's timeline: the events of its live stories, merged.

The same event told by two stories (same date, same precision, same words once
markers, case, spacing and a closing full stop are set aside) is listed once,
naming both stories. Month- and year-precision dates are stored as their first
day, so they sort among day-precision ones by what is known; at the same first
day the coarser date comes first.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from .markdown import render_line
from .partial_dates import PartialDate

_MARKER = re.compile(r"\s*\[\d+\]")
_COARSE_FIRST = {"year": 0, "month": 1, "day": 2}


@dataclass
class MergedEvent:
    """One event as the topic timeline lists it: the words (and `[n]` markers)
    of the first story that tells it, and every story that does."""

    when: PartialDate
    text: str
    stories: list = field(default_factory=list)
    cited_text: str = ""


def normalised(text: str) -> str:
    words = _MARKER.sub(" ", text).casefold().split()
    return " ".join(words).rstrip(".").strip()


def merged_timeline(events, *, newest_first=False) -> list[MergedEvent]:
    """One entry per distinct event of `events` (with their stories loaded), in date order."""
    merged: dict[tuple, MergedEvent] = {}
    for event in events:
        key = (event.date, event.precision, normalised(event.text))
        entry = merged.setdefault(key, MergedEvent(event.when, event.text))
        if event.story not in entry.stories:
            entry.stories.append(event.story)
    ordered = sorted(
        merged.values(), key=lambda e: (e.when.date, _COARSE_FIRST.get(e.when.precision, 2))
    )
    return ordered[::-1] if newest_first else ordered


def with_citations(entries: list[MergedEvent]) -> list[MergedEvent]:
    """Set each entry's `cited_text`: its markers linked to the source list of
    the story whose words it shows (one query for every story's outlets)."""
    from .models import Citation

    first_stories = {entry.stories[0].pk for entry in entries if entry.stories}
    outlets = defaultdict(dict)
    rows = Citation.objects.filter(story__in=first_stories).values_list(
        "story", "number", "source__outlet__name"
    )
    for story_id, number, outlet in rows:
        outlets[story_id][number] = outlet
    for entry in entries:
        story = entry.stories[0]
        entry.cited_text = render_line(entry.text, outlets[story.pk], page=story.get_absolute_url())
    return entries
