"""Publish checks: what a story must have before readers see it.

Each rule looks at the story as saved (with its inlines) and says whether it
passes and, if not, what is wrong. Publishing runs them all; an editor may
override a failed rule with a written reason, which the workflow records.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from .citations import citation_problems
from .markdown import body_paragraphs

MIN_VIEWPOINTS = 2
MIN_KEY_POINTS = 3


@dataclass(frozen=True)
class CheckResult:
    rule: str
    label: str
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def _required_fields(story):
    names = {
        "title": "title",
        "dek": "dek",
        "why_it_matters": "why it matters",
        "label": "label",
        "byline": "byline",
    }
    missing = [label for name, label in names.items() if not getattr(story, name, "").strip()]
    if not story.topic_id:
        missing.append("topic")
    return [f"Missing: {', '.join(missing)}."] if missing else []


def _viewpoints(story):
    viewpoints = list(story.viewpoints.all())
    problems = []
    if len(viewpoints) < MIN_VIEWPOINTS:
        problems.append(f"At least {MIN_VIEWPOINTS} viewpoints; the story has {len(viewpoints)}.")
    for i, viewpoint in enumerate(viewpoints, start=1):
        empty = [
            name
            for name in ("label", "stance", "holders", "summary", "detail")
            if not getattr(viewpoint, name).strip()
        ]
        if empty:
            problems.append(f"Viewpoint {i} has no {', '.join(empty)}.")
    return problems


def _key_points(story):
    count = len(story.key_points.all())
    if count < MIN_KEY_POINTS:
        return [f"At least {MIN_KEY_POINTS} key points; the story has {count}."]
    return []


def _markers(story):
    numbers = [c.number for c in story.citations.all()]
    return [p.message for p in citation_problems(story.body, numbers, all_cited=True)]


def _paragraph_markers(story):
    return [
        f"Paragraph {number} cites no source: “{text[:80]}”"
        for number, text, cites in body_paragraphs(story.body)
        if not cites
    ]


def _sources(story):
    by_source = defaultdict(list)
    problems = []
    for citation in story.citations.all():
        by_source[citation.source_id].append(citation.number)
        if not citation.source.url.startswith(("http://", "https://")):
            problems.append(f"Source {citation.number} is not an http(s) URL.")
    for numbers in by_source.values():
        if len(numbers) > 1:
            listed = " and ".join(f"[{n}]" for n in sorted(numbers))
            problems.append(f"One source is cited as {listed}: cite it under one number.")
    return problems


RULES = [
    ("required_fields", "Title, dek, why it matters, topic, label and byline", _required_fields),
    ("viewpoints", f"At least {MIN_VIEWPOINTS} complete viewpoints", _viewpoints),
    ("key_points", f"At least {MIN_KEY_POINTS} key points", _key_points),
    (
        "markers",
        "Citations numbered 1 to n; every [n] has a citation and every citation is cited",
        _markers,
    ),
    (
        "paragraph_markers",
        "Every paragraph that states something cites a source",
        _paragraph_markers,
    ),
    ("sources", "Each source cited once, with an http(s) URL", _sources),
]
RULE_LABELS = {rule: label for rule, label, _ in RULES}


def run_checks(story) -> list[CheckResult]:
    """Every rule's result for `story` (use Story.objects.for_page() to load it cheaply)."""
    return [CheckResult(rule, label, check(story)) for rule, label, check in RULES]


def failures(story) -> list[CheckResult]:
    return [result for result in run_checks(story) if not result.passed]
