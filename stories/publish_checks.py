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
    }
    missing = [label for name, label in names.items() if not getattr(story, name, "").strip()]
    if not story.topic_id:
        missing.append("topic")
    return [f"Missing: {', '.join(missing)}."] if missing else []


def _authors(story):
    if not list(story.story_authors.all()):
        return ["Name at least one author: readers see who wrote the story."]
    return []


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
    rows = [*story.viewpoints.all(), *story.timeline_events.all()]
    elsewhere = [n for row in rows for n in row.cited_numbers]
    problems = citation_problems(story.body, numbers, all_cited=True, cited_elsewhere=elsewhere)
    return [p.message for p in problems]


def _timeline_markers(story):
    numbers = {c.number for c in story.citations.all()}
    return [
        f"The timeline event “{event.text[:80]}” cites [{n}], but no citation is numbered {n}."
        for event in story.timeline_events.all()
        for n in event.cited_numbers
        if n not in numbers
    ]


def _viewpoint_sign_offs(story):
    """Each viewpoint vouched for, as it now reads, by an editor who did not write the story."""
    problems = []
    for i, viewpoint in enumerate(story.viewpoints.all(), start=1):
        name = f"Viewpoint {i} (“{viewpoint.label}”)"
        if not viewpoint.signed_off_at:
            problems.append(f"{name} is not signed off as fair by an editor.")
        elif not viewpoint.is_signed_off:
            problems.append(
                f"{name} changed after {viewpoint.signed_off_by_name} signed it off: "
                "it needs signing off again."
            )
        elif story.owner_id and viewpoint.signed_off_by_id == story.owner_id:
            problems.append(
                f"{name} was signed off by the story's writer; another editor must sign it off."
            )
    return problems


def _viewpoint_sources(story):
    numbers = {c.number for c in story.citations.all()}
    problems = []
    for i, viewpoint in enumerate(story.viewpoints.all(), start=1):
        cited = viewpoint.cited_numbers
        if not cited:
            problems.append(f"Viewpoint {i} (“{viewpoint.label}”) cites no source: add a [n].")
        problems += [
            f"Viewpoint {i} (“{viewpoint.label}”) cites [{n}], but no citation is numbered {n}."
            for n in cited
            if n not in numbers
        ]
    return problems


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
    ("required_fields", "Title, dek, why it matters, topic and label", _required_fields),
    ("authors", "At least one author", _authors),
    ("viewpoints", f"At least {MIN_VIEWPOINTS} complete viewpoints", _viewpoints),
    (
        "viewpoint_sign_offs",
        "Every viewpoint signed off as fair by an editor other than its writer",
        _viewpoint_sign_offs,
    ),
    ("viewpoint_sources", "Every viewpoint in depth cites a source", _viewpoint_sources),
    ("key_points", f"At least {MIN_KEY_POINTS} key points", _key_points),
    (
        "markers",
        "Citations numbered 1 to n; every [n] has a citation and every citation is cited",
        _markers,
    ),
    ("timeline_markers", "Every [n] in the timeline has a citation", _timeline_markers),
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
