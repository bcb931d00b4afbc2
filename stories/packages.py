"""Story packages: one story and everything shown with it, as JSON.

Editors move stories between environments and draft them outside the admin in
this format (documented in docs/story-packages.md, with a JSON Schema). Import
checks the whole package first and reports every problem with its path
(`sources[2].url: not a URL`); nothing is written unless all of it is valid.
"""

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

import reversion
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from sources.models import Outlet, Source
from sources.normalize import InvalidURL, normalize_url

from .citations import citation_problems
from .models import (
    RESERVED_TOPIC_SLUGS,
    Citation,
    Correction,
    KeyPoint,
    OpenQuestion,
    Story,
    TimelineEvent,
    Topic,
    Viewpoint,
)
from .partial_dates import PartialDate
from .publish_checks import RULE_LABELS
from .workflow import IMPORT, TransitionRefused, perform

FORMAT = "factlen.story/1"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

STORY_KEYS = [
    "format", "slug", "title", "dek", "label", "byline", "topic", "status", "published_at",
    "tags", "why_it_matters", "key_points", "body", "viewpoints", "timeline", "unknowns",
    "sources", "corrections", "withdrawn_reason",
]  # fmt: skip
CORRECTION_KEYS = ["kind", "text", "at", "paragraph", "source"]
REQUIRED_KEYS = {"format", "slug", "title", "dek", "label", "topic", "status"}
VIEWPOINT_KEYS = ["label", "stance", "holders", "summary", "detail"]
SOURCE_KEYS = [
    "n", "outlet", "title", "url", "author", "published", "quote", "accessed", "archive_url",
]  # fmt: skip


MISSING = object()


class PackageInvalid(Exception):
    """A package that cannot be imported; `problems` lists each, with its path."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _max_length(model, name) -> int:
    return model._meta.get_field(name).max_length


@dataclass
class _Reader:
    """Walks untrusted JSON, collecting one message per problem."""

    problems: list[str] = field(default_factory=list)

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}" if path else message)

    def obj(self, value, path, keys, required=()) -> dict | None:
        if not isinstance(value, dict):
            self.fail(path, f"expected an object, got {_kind(value)}")
            return None
        for key in value:
            if key not in keys:
                self.fail(_join(path, key), "unknown field")
        for key in keys:
            if key in required and key not in value:
                self.fail(_join(path, key), "required field is missing")
        return value

    def text(self, value, path, *, max_length=None, blank=False, default="") -> str:
        if value is MISSING or (value is None and blank):
            return default  # a missing required field was reported by obj()
        if not isinstance(value, str):
            self.fail(path, f"expected a string, got {_kind(value)}")
            return default
        value = value.strip()
        if not value and not blank:
            self.fail(path, "must not be empty")
        if max_length and len(value) > max_length:
            self.fail(path, f"longer than {max_length} characters ({len(value)})")
        return value

    def url(self, value, path, *, blank=False) -> str | None:
        """A normalised http(s) URL, or None (with a problem unless blank is allowed)."""
        if blank and value in (None, ""):
            return None
        if not isinstance(value, str):
            self.fail(path, f"expected a string, got {_kind(value)}")
            return None
        try:
            url = normalize_url(value)
        except InvalidURL as exc:
            self.fail(path, str(exc))
            return None
        if len(url) > _max_length(Source, "url"):
            self.fail(path, f"longer than {_max_length(Source, 'url')} characters")
            return None
        return url

    def date(self, value, path) -> datetime.date | None:
        """An optional YYYY-MM-DD date; empty or absent is None."""
        if value in (None, ""):
            return None
        if not isinstance(value, str) or not _DATE.match(value):
            self.fail(path, f"{value!r} is not a date (use YYYY-MM-DD)")
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError as exc:
            self.fail(path, f"{value!r} is not a date ({exc})")
            return None

    def items(self, value, path) -> list:
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(path, f"expected a list, got {_kind(value)}")
            return []
        return value

    def texts(self, value, path, *, max_length) -> list[str]:
        return [
            self.text(item, f"{path}[{i}]", max_length=max_length)
            for i, item in enumerate(self.items(value, path))
        ]


def _join(path, key):
    return f"{path}.{key}" if path else key


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


@dataclass
class SourceEntry:
    position: int  # in the package's list, for messages
    number: int
    outlet: str
    title: str
    url: str
    author: str = ""
    published: datetime.date | None = None
    quote: str = ""
    accessed: datetime.date | None = None
    archive_url: str = ""


@dataclass
class StoryPackage:
    """A package that passed every check: plain, typed values ready to save."""

    slug: str
    title: str
    dek: str
    label: str
    byline: str
    topic: dict[str, str]
    status: str
    published_at: datetime.datetime | None
    tags: list[str]
    why_it_matters: str
    key_points: list[str]
    body: str
    viewpoints: list[dict[str, str]]
    timeline: list[tuple[PartialDate, str]]
    unknowns: list[str]
    sources: list[SourceEntry]
    corrections: list[dict] = field(default_factory=list)
    withdrawn_reason: str = ""


def parse_package(data: Any) -> StoryPackage:
    """Check a decoded package; raise PackageInvalid listing every problem."""
    r = _Reader()
    if r.obj(data, "", STORY_KEYS, REQUIRED_KEYS) is None:
        raise PackageInvalid(r.problems)
    get = data.get

    fmt = get("format")
    if "format" in data and fmt != FORMAT:
        r.fail("format", f"unknown format {fmt!r} (expected {FORMAT!r})")

    slug = r.text(get("slug", MISSING), "slug", max_length=_max_length(Story, "slug"))
    if slug and not _SLUG.match(slug):
        r.fail("slug", f"{slug!r} is not a valid slug (lowercase letters, digits and hyphens)")

    strings = {
        name: r.text(get(name, MISSING), name, max_length=_max_length(Story, name))
        for name in ("title", "dek", "label")
    }
    byline = r.text(get("byline"), "byline", max_length=_max_length(Story, "byline"), blank=True)

    topic = {}
    if r.obj(get("topic", {}), "topic", ["slug", "name", "description"], {"slug", "name"}):
        raw = get("topic")
        topic["slug"] = r.text(raw.get("slug", MISSING), "topic.slug", max_length=80)
        if topic["slug"] and not _SLUG.match(topic["slug"]):
            r.fail("topic.slug", f"{topic['slug']!r} is not a valid slug")
        elif topic["slug"] in RESERVED_TOPIC_SLUGS:
            r.fail("topic.slug", f"{topic['slug']!r} is a site path and cannot name a topic")
        topic["name"] = r.text(raw.get("name", MISSING), "topic.name", max_length=80)
        topic["description"] = r.text(
            raw.get("description"), "topic.description", max_length=300, blank=True
        )

    status = get("status")
    if "status" in data and status not in Story.Status.values:
        r.fail("status", f"{status!r} is not a status (one of: {', '.join(Story.Status.values)})")

    published_at = None
    raw_time = get("published_at")
    if raw_time is not None:
        if not isinstance(raw_time, str):
            r.fail("published_at", f"expected a string, got {_kind(raw_time)}")
        else:
            published_at = _parse_time(raw_time, r, "published_at")
    elif status == Story.Status.PUBLISHED:
        r.fail("published_at", "required when the status is 'published'")

    withdrawn_reason = r.text(get("withdrawn_reason"), "withdrawn_reason", blank=True)
    if status == Story.Status.WITHDRAWN and not withdrawn_reason:
        r.fail("withdrawn_reason", "required when the status is 'withdrawn'")

    tags = r.texts(get("tags"), "tags", max_length=100)
    why = r.text(get("why_it_matters"), "why_it_matters", blank=True)
    body = r.text(get("body"), "body", blank=True)
    key_points = r.texts(get("key_points"), "key_points", max_length=400)
    unknowns = r.texts(get("unknowns"), "unknowns", max_length=400)

    viewpoints = []
    for i, item in enumerate(r.items(get("viewpoints"), "viewpoints")):
        path = f"viewpoints[{i}]"
        if r.obj(item, path, VIEWPOINT_KEYS, VIEWPOINT_KEYS) is not None:
            viewpoints.append(
                {
                    key: r.text(
                        item.get(key, MISSING),
                        f"{path}.{key}",
                        max_length=_max_length(Viewpoint, key),
                    )
                    for key in VIEWPOINT_KEYS
                }
            )

    timeline = []
    for i, item in enumerate(r.items(get("timeline"), "timeline")):
        path = f"timeline[{i}]"
        if r.obj(item, path, ["date", "text"], ["date", "text"]) is None:
            continue
        text = r.text(item.get("text", MISSING), f"{path}.text", max_length=300)
        raw_date = item.get("date")
        if not isinstance(raw_date, str):
            r.fail(f"{path}.date", f"expected a string, got {_kind(raw_date)}")
            continue
        try:
            timeline.append((PartialDate.parse(raw_date), text))
        except ValueError as exc:
            r.fail(f"{path}.date", str(exc))

    corrections = []
    for i, item in enumerate(r.items(get("corrections"), "corrections")):
        path = f"corrections[{i}]"
        if r.obj(item, path, CORRECTION_KEYS, ["kind", "text", "at"]) is None:
            continue
        kind = item.get("kind")
        if "kind" in item and kind not in Correction.Kind.values:
            r.fail(f"{path}.kind", f"{kind!r} is not one of {', '.join(Correction.Kind.values)}")
        at = item.get("at")
        if not isinstance(at, str):
            r.fail(f"{path}.at", f"expected a string, got {_kind(at)}")
            at = None
        else:
            at = _parse_time(at, r, f"{path}.at")
        numbers = {}
        for key in ("paragraph", "source"):
            value = item.get(key)
            if value is not None and (
                not isinstance(value, int) or isinstance(value, bool) or value < 1
            ):
                r.fail(f"{path}.{key}", f"expected a whole number from 1, got {value!r}")
                value = None
            numbers[key] = value
        corrections.append(
            {
                "kind": kind,
                "text": r.text(item.get("text", MISSING), f"{path}.text"),
                "created_at": at,
                "paragraph": numbers["paragraph"],
                "source_number": numbers["source"],
            }
        )

    sources = _parse_sources(get("sources"), r)
    if sources is not None:
        for problem in citation_problems(body, [s.number for s in sources]):
            if problem.in_body:
                r.fail("body", problem.message)
            elif problem.citation is not None:
                r.fail(f"sources[{problem.citation}].n", problem.message)
            else:
                r.fail("sources", problem.message)
        sources.sort(key=lambda e: e.number)

    if r.problems:
        raise PackageInvalid(r.problems)
    return StoryPackage(
        slug=slug,
        byline=byline or Story._meta.get_field("byline").default,
        topic=topic,
        status=status,
        published_at=published_at,
        tags=tags,
        why_it_matters=why,
        key_points=key_points,
        body=body,
        viewpoints=viewpoints,
        timeline=timeline,
        unknowns=unknowns,
        sources=sources,
        corrections=corrections,
        withdrawn_reason=withdrawn_reason,
        **strings,
    )


def _parse_time(text: str, r: _Reader, path: str) -> datetime.datetime | None:
    try:
        value = parse_datetime(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        value = None
    if value is None:
        r.fail(path, f"{text!r} is not a date and time (use 2026-11-20T09:00:00Z)")
        return None
    if timezone.is_naive(value):
        r.fail(path, f"{text!r} has no time zone (add Z for UTC, or +01:00)")
        return None
    return value


def _parse_sources(value, r: _Reader) -> list[SourceEntry] | None:
    """The sources, in package order; None when any is unusable."""
    entries, ok = [], True
    for i, item in enumerate(r.items(value, "sources")):
        path = f"sources[{i}]"
        if r.obj(item, path, SOURCE_KEYS, ["n", "outlet", "title", "url"]) is None:
            ok = False
            continue
        number = item.get("n")
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            r.fail(f"{path}.n", f"expected a whole number from 1, got {number!r}")
            ok = False
            number = None
        entry = SourceEntry(
            position=i,
            number=number,
            outlet=r.text(item.get("outlet", MISSING), f"{path}.outlet", max_length=200),
            title=r.text(item.get("title", MISSING), f"{path}.title", max_length=500),
            url=r.url(item.get("url"), f"{path}.url"),
            author=r.text(item.get("author"), f"{path}.author", max_length=200, blank=True),
            published=r.date(item.get("published"), f"{path}.published"),
            quote=r.text(item.get("quote"), f"{path}.quote", max_length=2000, blank=True),
            accessed=r.date(item.get("accessed"), f"{path}.accessed"),
            archive_url=r.url(item.get("archive_url"), f"{path}.archive_url", blank=True) or "",
        )
        entries.append(entry)

    return entries if ok else None


@dataclass
class ImportResult:
    story: Story
    created: bool
    notes: list[str] = field(default_factory=list)  # what was kept rather than overwritten


SKIP_CHECKS_REASON = "imported with import_story --skip-checks"


@transaction.atomic
@reversion.create_revision()
def import_package(data: Any, *, by=None, skip_checks: bool = False) -> ImportResult:
    """Create or update (by slug) the story a package describes, all or nothing.

    The story reaches the package's state through the workflow (workflow.perform),
    like any other step: a published package must pass the publish checks, as in
    the admin, a withdrawn one gives its reason. `skip_checks` (for migrating old
    stories) publishes past failed checks, recorded in the story's history. `by`
    is the importing user, or None for an operator running import_story.
    """
    package = parse_package(data)
    if by is not None:
        reversion.set_user(by)

    topic = Topic.objects.filter(slug=package.topic["slug"]).first()
    if topic is None:
        clash = Topic.objects.filter(name=package.topic["name"]).first()
        if clash:
            raise PackageInvalid(
                [f"topic.name: {clash.name!r} already names the topic {clash.slug!r}"]
            )
        topic = Topic.objects.create(**package.topic)

    story = Story.objects.filter(slug=package.slug).first()
    created = story is None
    story = story or Story(slug=package.slug, owner=by)
    # The state and published time change through the workflow, below.
    for name in ("title", "dek", "label", "byline", "why_it_matters", "withdrawn_reason"):
        setattr(story, name, getattr(package, name))
    story.body = package.body
    story.topic = topic
    # Lists are replaced whole: the package is the story's complete state. The
    # old rows go before the story is saved, so the revision never holds them.
    if not created:
        for model in (Viewpoint, KeyPoint, OpenQuestion, TimelineEvent, Citation, Correction):
            model.objects.filter(story=story).delete()
    story.save()
    story.tags.set(package.tags, clear=True)
    Viewpoint.objects.bulk_create(
        Viewpoint(story=story, position=i, **v) for i, v in enumerate(package.viewpoints)
    )
    KeyPoint.objects.bulk_create(
        KeyPoint(story=story, position=i, text=t) for i, t in enumerate(package.key_points)
    )
    OpenQuestion.objects.bulk_create(
        OpenQuestion(story=story, position=i, text=t) for i, t in enumerate(package.unknowns)
    )
    TimelineEvent.objects.bulk_create(
        TimelineEvent(story=story, date=when.date, precision=when.precision, text=text)
        for when, text in package.timeline
    )
    citations, notes = [], []
    for entry in package.sources:
        source = Source.objects.filter(url=entry.url).first()
        if source is None:
            source = Source.objects.create(
                url=entry.url,
                outlet=Outlet.for_source(entry.url, entry.outlet),
                title=entry.title,
                author=entry.author,
                published_on=entry.published,
                archive_url=entry.archive_url,
            )
        else:
            # A shared source may be cited by other stories: it keeps what it has,
            # a package may only fill a gap, and the editor is told what differs.
            notes += _differences(entry, source)
            if entry.archive_url and not source.archive_url:
                source.archive_url = entry.archive_url
                source.save(update_fields=["archive_url", "updated_at"])
        citations.append(
            Citation(
                story=story,
                source=source,
                number=entry.number,
                quote=entry.quote,
                accessed=entry.accessed,
            )
        )
    Citation.objects.bulk_create(citations)
    Correction.objects.bulk_create(Correction(story=story, **c) for c in package.corrections)

    story = _move(story, package, by=by, skip_checks=skip_checks)
    # After the workflow step, whose own comment would otherwise name this revision.
    reversion.set_comment("Imported from a story package")
    # Again, now that the inlines exist: the revision follows them from here.
    reversion.add_to_revision(story)
    return ImportResult(story=story, created=created, notes=notes)


def _move(story, package, *, by, skip_checks) -> Story:
    """Take the saved story to the package's state through the workflow, which
    checks what any step to that state must pass and records the import."""
    withdrawn = package.status == Story.Status.WITHDRAWN
    try:
        transition = perform(
            story,
            IMPORT.name,
            by=by,
            to=package.status,
            published_at=package.published_at,
            comment=package.withdrawn_reason if withdrawn else "",
            overrides=dict.fromkeys(RULE_LABELS, SKIP_CHECKS_REASON) if skip_checks else None,
        )
    except TransitionRefused as refusal:
        checks = {problem for result in refusal.checks for problem in result.problems}
        raise PackageInvalid(
            [f"publish check: {p}" if p in checks else p for p in refusal.problems]
        ) from None
    return transition.story


def _differences(entry: SourceEntry, source: Source) -> list[str]:
    path = f"sources[{entry.position}]"
    compared = [
        ("title", entry.title, source.title),
        ("author", entry.author, source.author),
        ("published", entry.published, source.published_on),
    ]
    return [
        f"{path}.{name}: the existing source for this URL keeps {str(kept or '')!r} "
        f"(the package says {str(given or '')!r}); edit it in the admin to change it"
        for name, given, kept in compared
        if given and given != kept
    ]


def export_package(story: Story) -> dict:
    """The package for `story`; importing it elsewhere recreates the story."""
    package = {
        "format": FORMAT,
        "slug": story.slug,
        "title": story.title,
        "dek": story.dek,
        "label": story.label,
        "byline": story.byline,
        "topic": {
            "slug": story.topic.slug,
            "name": story.topic.name,
            "description": story.topic.description,
        },
        "status": story.status,
        "published_at": _format_time(story.published_at),
        "tags": sorted(tag.name for tag in story.tags.all()),
        "why_it_matters": story.why_it_matters,
        "key_points": [p.text for p in story.key_points.all()],
        "body": story.body,
        "viewpoints": [
            {key: getattr(v, key) for key in VIEWPOINT_KEYS} for v in story.viewpoints.all()
        ],
        "timeline": [{"date": e.when.iso(), "text": e.text} for e in story.timeline_events.all()],
        "unknowns": [q.text for q in story.open_questions.all()],
        "sources": [_export_source(c) for c in story.citations.select_related("source__outlet")],
    }
    corrections = [
        {
            "kind": c.kind,
            "text": c.text,
            "at": _format_time(c.created_at),
            **({"paragraph": c.paragraph} if c.paragraph else {}),
            **({"source": c.source_number} if c.source_number else {}),
        }
        for c in story.corrections.all()
    ]
    if corrections:  # written only when there are any, like other optional details
        package["corrections"] = corrections
    if story.withdrawn_reason:
        package["withdrawn_reason"] = story.withdrawn_reason
    return package


def _export_source(citation: Citation) -> dict:
    source = citation.source
    entry = {
        "n": citation.number,
        "outlet": source.outlet.name,
        "title": source.title,
        "url": source.url,
        "author": source.author,
        "published": source.published_on.isoformat() if source.published_on else "",
    }
    # Optional details are written only when present, keeping packages short.
    if citation.quote:
        entry["quote"] = citation.quote
    if citation.accessed:
        entry["accessed"] = citation.accessed.isoformat()
    if source.archive_url:
        entry["archive_url"] = source.archive_url
    return entry


def _format_time(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
