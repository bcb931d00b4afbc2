"""A topic's timeline: the events of its live stories, merged.

The same event told by two stories (same date, same precision, same words once
markers, case, spacing and a closing full stop are set aside) is listed once,
naming both stories. Month- and year-precision dates are stored as their first
day, so they sort among day-precision ones by what is known; at the same first
day the coarser date comes first.
"""

import re
from dataclasses import dataclass, field

from .partial_dates import PartialDate

_MARKER = re.compile(r"\s*\[\d+\]")
_COARSE_FIRST = {"year": 0, "month": 1, "day": 2}


@dataclass
class MergedEvent:
    when: PartialDate
    text: str
    stories: list = field(default_factory=list)


def normalised(text: str) -> str:
    words = _MARKER.sub(" ", text).casefold().split()
    return " ".join(words).rstrip(".").strip()


def merged_timeline(events, *, newest_first=False) -> list[MergedEvent]:
    """One entry per distinct event of `events` (with their stories loaded), in date order."""
    merged: dict[tuple, MergedEvent] = {}
    for event in events:
        key = (event.date, event.precision, normalised(event.text))
        entry = merged.setdefault(key, MergedEvent(event.when, _MARKER.sub("", event.text)))
        if event.story not in entry.stories:
            entry.stories.append(event.story)
    ordered = sorted(
        merged.values(), key=lambda e: (e.when.date, _COARSE_FIRST.get(e.when.precision, 2))
    )
    return ordered[::-1] if newest_first else ordered
