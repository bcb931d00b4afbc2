"""The source mix shown under a story: how many sources, from how many outlets,
of which kinds, over which dates. Computed from sources already loaded for the
page, so it costs no query."""

from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class KindShare:
    kind: str
    label: str
    count: int
    percent: float
    offset: float  # where its segment starts in the bar, in percent


@dataclass(frozen=True)
class SourceMix:
    source_count: int
    outlet_count: int
    kinds: list[KindShare]
    earliest: object = None
    latest: object = None

    @classmethod
    def of(cls, sources) -> "SourceMix":
        unique = list({s.pk: s for s in sources}.values())
        outlets = {s.outlet_id: s.outlet for s in unique}
        counts = Counter(s.outlet.kind for s in unique)
        labels = {s.outlet.kind: s.outlet.get_kind_display() for s in unique}
        kinds, offset = [], 0.0
        for kind, count in sorted(counts.items(), key=lambda kv: (-kv[1], labels[kv[0]])):
            percent = 100 * count / len(unique)
            kinds.append(KindShare(kind, labels[kind], count, round(percent, 2), round(offset, 2)))
            offset += percent
        dates = sorted(s.published_on for s in unique if s.published_on)
        return cls(
            source_count=len(unique),
            outlet_count=len(outlets),
            kinds=kinds,
            earliest=dates[0] if dates else None,
            latest=dates[-1] if dates else None,
        )
