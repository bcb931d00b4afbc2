"""Story packages: one story and everything shown with it, as JSON.

Editors move stories between environments and draft them outside the admin in
this format (docs/story-packages.md). Its one definition is its JSON Schema,
enforced by package_format.check_package; FIELDS there says which model field
keeps each key, and both directions here go through it. Import checks the
whole package first and reports every problem with its path; nothing is
written unless all of it is valid, and the story reaches its state through
the workflow like any other step.

A lead image travels as a file beside the package JSON (`image.path`,
relative to the package's folder), and so does an author's photo
(`authors[].photo.path`); each passes the same checks as an upload
(stories.images) before anything is written.
"""

import datetime
import io
from dataclasses import dataclass, field
from pathlib import Path

import reversion
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import models, transaction

from sources.models import Outlet, Source

from .images import checked_image, cleaned_upload
from .models import (
    Author,
    Citation,
    Correction,
    KeyPoint,
    OpenQuestion,
    Story,
    StoryAuthor,
    TimelineEvent,
    Topic,
    Viewpoint,
    names_in_byline,
)
from .package_format import (
    FIELDS,
    FORMAT,
    SCHEMA,
    PackageInvalid,
    check_package,
    parse_date,
    parse_package_path,
    parse_time,
    parse_url,
)
from .partial_dates import PartialDate
from .publish_checks import RULE_LABELS
from .signals import stories_changed
from .workflow import IMPORT, TransitionRefused, perform

__all__ = ["PackageInvalid", "export_files", "export_package", "import_package"]

# Written only when they hold something, keeping packages short.
OPTIONAL = {
    "withdrawn_reason",
    "corrections",
    "unknown_answers",
    "unknown_answers[].answered_on",
    "unknown_answers[].answered_paragraph",
    "sources[].quote",
    "sources[].accessed",
    "sources[].archive_url",
    "viewpoints[].signed_off_by",
    "viewpoints[].signed_off_at",
    "corrections[].paragraph",
    "corrections[].source",
}
# Read from older packages (their authors, as text), never written.
NOT_EXPORTED = {"byline"}
SKIP_CHECKS_REASON = "imported with import_story --skip-checks"


# Between package keys and model fields, through FIELDS.


def _pairs(at: str, model) -> list[tuple[str, str]]:
    """(key, field name) of `model`'s values in the package object at path `at`."""
    prefix = f"{at}." if at else ""
    return [
        (path.removeprefix(prefix), name)
        for path, (owner, name) in FIELDS.items()
        if owner is model and path.startswith(prefix) and "." not in path.removeprefix(prefix)
    ]


def _load(field, value):
    """A checked package value as `field` keeps it; empty or absent is the field's default."""
    if value in ("", None):
        return field.get_default()
    if isinstance(field, models.DateTimeField):
        return parse_time(value)
    if isinstance(field, models.DateField):
        return parse_date(value)
    if isinstance(field, models.URLField):
        return parse_url(value)
    return value.strip() if isinstance(value, str) else value


def _dump(field, value):
    if isinstance(field, models.DateTimeField):
        return value and value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(field, models.DateField):
        return value.isoformat() if value else ""
    return value


def _values(at: str, model, item: dict) -> dict:
    """Field name → value, for `model`'s keys in the package object `item` at path `at`."""
    return {
        name: _load(model._meta.get_field(name), item.get(key)) for key, name in _pairs(at, model)
    }


def _keys(at: str, model, obj) -> dict:
    """Package key → value, for `obj`'s fields at path `at`."""
    entry = {}
    for key, name in _pairs(at, model):
        value = _dump(model._meta.get_field(name), getattr(obj, name))
        if value or _path(at, key) not in OPTIONAL:
            entry[key] = value
    return entry


def _path(at: str, key: str) -> str:
    return f"{at}.{key}" if at else key


def _rows(key: str, data: dict, story) -> list:
    """The list of sentences at `key` as the rows that keep them, in order."""
    model, name = FIELDS[f"{key}[]"]
    field = model._meta.get_field(name)
    return [
        model(story=story, position=i, **{name: _load(field, text)})
        for i, text in enumerate(data.get(key, []))
    ]


def _sentences(key: str, rows) -> list[str]:
    return [getattr(row, FIELDS[f"{key}[]"][1]) for row in rows]


def _in_schema_order(entry: dict, properties: dict) -> dict:
    return {key: entry[key] for key in properties if key in entry}


# Import.


@dataclass
class ImportResult:
    story: Story
    created: bool
    notes: list[str] = field(default_factory=list)  # what was kept rather than overwritten


def import_package(
    data, *, by=None, skip_checks: bool = False, folder: Path | None = None
) -> ImportResult:
    """Create or update (by slug) the story a package describes, all or nothing.

    The story reaches the package's state through the workflow
    (workflow.perform), like any other step: a published package must pass
    the publish checks, as in the admin, a withdrawn one gives its reason.
    `skip_checks` (for migrating old stories) publishes past failed checks,
    recorded in the story's history. `by` is the importing user, or None for
    an operator running import_story. `folder` is where the package was read
    from: its image's path is relative to it (a package with an image needs one).
    """
    check_package(data)
    image = _image(data, folder)
    photos = _photos(data, folder)
    stored = []
    try:
        return _import(
            data, image=image, photos=photos, stored=stored, by=by, skip_checks=skip_checks
        )
    except BaseException:
        # The database rolled back; the file it would have named goes too.
        for name in stored:
            default_storage.delete(name)
        raise


def _image(data: dict, folder: Path | None) -> File | None:
    """The package's image file, checked as an upload is; PackageInvalid naming its path."""
    if "image" not in data:
        return None
    return _package_file(data["image"]["path"], "image.path", folder)


def _photos(data: dict, folder: Path | None) -> dict[int, File]:
    """The authors' photo files, by the author's place in the list, checked as
    uploads are; PackageInvalid naming the path of the first refused."""
    return {
        i: _package_file(item["photo"]["path"], f"authors[{i}].photo.path", folder)
        for i, item in enumerate(data.get("authors", []))
        if "photo" in item
    }


def _package_file(given: str, where: str, folder: Path | None) -> File:
    """The picture `given` names (at `where` in the package), checked as an upload is."""
    if folder is None:
        raise PackageInvalid(
            [f"{where}: {given!r}: a package read from standard input cannot carry an image "
             "file; import it from its file"]
        )  # fmt: skip
    folder = Path(folder).resolve()
    path = (folder / parse_package_path(given)).resolve()
    try:
        if not path.is_relative_to(folder):
            raise PackageInvalid([f"{where}: {given!r} leads outside the package's folder"])
        size = path.stat().st_size
        if size > settings.IMAGE_MAX_BYTES:
            raise ValidationError(
                f"The image is {size:,} bytes; the most is {settings.IMAGE_MAX_BYTES:,} bytes."
            )
        file = File(io.BytesIO(path.read_bytes()), name=path.name)
        checked_image(file)
    except OSError as exc:
        raise PackageInvalid([f"{where}: {given!r} cannot be read ({exc.strerror})"]) from None
    except ValidationError as refusal:
        raise PackageInvalid([f"{where}: {given!r}: {m}" for m in refusal.messages]) from None
    return file


@transaction.atomic
@reversion.create_revision()
def _import(data, *, image, photos, stored, by, skip_checks) -> ImportResult:
    if by is not None:
        reversion.set_user(by)
    topic = _topic(data["topic"])
    story = Story.objects.filter(slug=data["slug"]).first()
    created = story is None
    story = story or Story(owner=by)
    values = _values("", Story, data)
    state = {name: values.pop(name) for name in ("status", "published_at")}  # the workflow's
    for name, value in values.items():
        setattr(story, name, value)
    _set_image(story, data, image)
    story.topic = topic
    # Lists are replaced whole: the package is the story's complete state. The
    # old rows go before the story is saved, so the revision never holds them.
    if not created:
        for model in (
            StoryAuthor, Viewpoint, KeyPoint, OpenQuestion, TimelineEvent, Citation, Correction,
        ):  # fmt: skip
            model.objects.filter(story=story).delete()
    story.save()
    if image is not None:
        stored.append(story.image.name)
    notes = _name_authors(story, data, photos=photos, stored=stored)
    _add_inlines(story, data)
    notes += _cite(story, data)
    story = _move(story, **state, by=by, skip_checks=skip_checks)
    # After the workflow step, whose own comment would otherwise name this revision.
    reversion.set_comment("Imported from a story package")
    # Again, now that the inlines exist: the revision follows them from here.
    reversion.add_to_revision(story)
    # Rows were bulk-created, which sends no signals: counts, caches and search.
    stories_changed([story.pk])
    return ImportResult(story=story, created=created, notes=notes)


def _set_image(story: Story, data: dict, image: File | None) -> None:
    """The package's image and its words; none when it has none. The file is
    cleaned and stored as the story is saved (stories.images.LeadImageField),
    unless it is the very file the story already has."""
    for name, value in _values("image", Story, data.get("image", {})).items():
        setattr(story, name, value)
    if image is None:
        story.image = None
        return
    if story.image and _same_bytes(story.image, image):
        return
    story.image = image


def _same_bytes(stored, image: File) -> bool:
    """Whether the story's stored file is the package's picture already: the
    very bytes (its own export, imported again) or what cleaning them stores
    (the same package imported again), so the picture is not stored twice."""

    try:
        with stored.open("rb") as file:
            kept = file.read()
    except OSError:
        return False
    image.seek(0)
    return kept == image.read() or kept == cleaned_upload(image).read()


def _topic(item: dict) -> Topic:
    """The topic by its slug, keeping its name; else a new one, if its name is free."""
    values = _values("topic", Topic, item)
    topic = Topic.objects.filter(slug=values["slug"]).first()
    if topic is not None:
        return topic
    clash = Topic.objects.filter(name=values["name"]).first()
    if clash:
        raise PackageInvalid([f"topic.name: {clash.name!r} already names the topic {clash.slug!r}"])
    return Topic.objects.create(**values)


def _name_authors(story: Story, data: dict, *, photos: dict, stored: list) -> list[str]:
    """The byline: each author matched by slug (keeping their name and profile)
    or created; an older package's byline text matched by name. Notes on what
    differs. A photo goes to a new author or one without a photo; the names
    stored are added to `stored`."""
    notes, authors = [], []
    if "authors" not in data:
        authors = [
            Author.objects.named(name, kind=kind) for name, kind in names_in_byline(story.byline)
        ]
    for i, item in enumerate(data.get("authors", [])):
        values = _values("authors[]", Author, item)
        author = Author.objects.filter(slug=values["slug"]).first()
        if author is None:
            author = Author.objects.create(**values)
        elif author.name != values["name"]:
            notes.append(
                f"authors[{i}].name: the existing author {author.slug!r} keeps the name "
                f"{author.name!r} (the package says {values['name']!r}); edit it in the admin "
                "to change it"
            )
        notes += _give_photo(author, photos.get(i), i, stored)
        authors.append(author)
    StoryAuthor.objects.bulk_create(
        StoryAuthor(story=story, author=author, position=i) for i, author in enumerate(authors)
    )
    return notes


def _give_photo(author: Author, photo: File | None, i: int, stored: list) -> list[str]:
    """Give `author` the package's photo, unless they have one: notes on what differs."""
    if photo is None:
        return []
    if author.photo:
        if _same_bytes(author.photo, photo):
            return []
        return [
            f"authors[{i}].photo.path: the existing author {author.slug!r} keeps their photo; "
            "change it in the admin"
        ]
    author.photo = photo
    author.save()
    stored.append(author.photo.name)
    return []


def _add_inlines(story: Story, data: dict) -> None:
    tag, name = FIELDS["tags[]"]
    story.tags.set([_load(tag._meta.get_field(name), t) for t in data.get("tags", [])])
    Viewpoint.objects.bulk_create(
        _viewpoint(story, i, item) for i, item in enumerate(data.get("viewpoints", []))
    )
    KeyPoint.objects.bulk_create(_rows("key_points", data, story))
    questions = _rows("unknowns", data, story)
    _answer(questions, data.get("unknown_answers", []))
    OpenQuestion.objects.bulk_create(questions)
    events = []
    for item in data.get("timeline", []):
        when = PartialDate.parse(item["date"])  # a date and how much of it is known
        values = _values("timeline[]", TimelineEvent, item)
        events.append(
            TimelineEvent(story=story, date=when.date, precision=when.precision, **values)
        )
    TimelineEvent.objects.bulk_create(events)
    Correction.objects.bulk_create(
        Correction(story=story, **_values("corrections[]", Correction, item))
        for item in data.get("corrections", [])
    )


def _answer(questions: list, answers: list) -> None:
    """Give the unknowns what became of them; an answering story not on this site
    (yet) leaves the answer unlinked."""
    problems = []
    for i, item in enumerate(answers):
        if item["question"] >= len(questions):
            problems.append(
                f"unknown_answers[{i}].question: there is no unknown {item['question']}"
            )
            continue
        question = questions[item["question"]]
        for name, value in _values("unknown_answers[]", OpenQuestion, item).items():
            setattr(question, name, value)
        question.answered_in = Story.objects.filter(slug=item.get("answered_in", "")).first()
    if problems:
        raise PackageInvalid(problems)


def _viewpoint(story: Story, position: int, item: dict) -> Viewpoint:
    """A package's viewpoint; its sign-off vouches for the text it comes with, and
    names its editor's account here when there is one by that name."""
    values = _values("viewpoints[]", Viewpoint, item)
    viewpoint = Viewpoint(story=story, position=position, **values)
    if viewpoint.signed_off_at:
        name = viewpoint.signed_off_by_name
        user = get_user_model().objects.filter(username=name).first()
        viewpoint.sign_off(by=None, at=viewpoint.signed_off_at, name=name)
        viewpoint.signed_off_by = user
    return viewpoint


def _cite(story: Story, data: dict) -> list[str]:
    """Cite the package's sources, sharing any already known; notes on what differs."""
    citations, notes = [], []
    for position, item in enumerate(data.get("sources", [])):
        given = _values("sources[]", Source, item)
        source = Source.objects.filter(url=given["url"]).first()
        if source is None:
            outlet = Outlet.for_source(given["url"], _values("sources[]", Outlet, item)["name"])
            source = Source.objects.create(outlet=outlet, **given)
        else:
            # A shared source may be cited by other stories: it keeps what it has,
            # a package may only fill a gap, and the editor is told what differs.
            notes += _differences(position, given, source)
            if given["archive_url"] and not source.archive_url:
                source.archive_url = given["archive_url"]
                source.save(update_fields=["archive_url", "updated_at"])
        citations.append(
            Citation(story=story, source=source, **_values("sources[]", Citation, item))
        )
    Citation.objects.bulk_create(citations)
    return notes


def _differences(position: int, given: dict, source: Source) -> list[str]:
    # The URL is what matched; an archived copy only ever fills a gap.
    compared = [(k, n) for k, n in _pairs("sources[]", Source) if n not in ("url", "archive_url")]
    return [
        f"sources[{position}].{key}: the existing source for this URL keeps "
        f"{str(getattr(source, name) or '')!r} (the package says {str(given[name] or '')!r}); "
        "edit it in the admin to change it"
        for key, name in compared
        if given[name] and given[name] != getattr(source, name)
    ]


def _move(story, *, status, published_at, by, skip_checks) -> Story:
    """Take the saved story to the package's state through the workflow, which
    checks what any step to that state must pass and records the import."""
    try:
        transition = perform(
            story,
            IMPORT.name,
            by=by,
            to=status,
            published_at=published_at,
            comment=story.withdrawn_reason if status == Story.Status.WITHDRAWN else "",
            overrides=dict.fromkeys(RULE_LABELS, SKIP_CHECKS_REASON) if skip_checks else None,
        )
    except TransitionRefused as refusal:
        checks = {problem for result in refusal.checks for problem in result.problems}
        raise PackageInvalid(
            [f"publish check: {p}" if p in checks else p for p in refusal.problems]
        ) from None
    return transition.story


# Export.


def image_path(story: Story) -> str:
    """Where an exported package keeps the story's image: beside it, named for the story."""
    return f"{story.slug}.{story.image.name.rsplit('.', 1)[-1]}"


def photo_path(author: Author) -> str:
    """Where an exported package keeps an author's photo: in `authors/`, named for them."""
    return f"authors/{author.slug}.{author.photo.name.rsplit('.', 1)[-1]}"


def export_files(story: Story) -> dict[str, bytes]:
    """The files an exported package names (its image, its authors' photos), by
    their path beside it."""
    files = {}
    if story.image:
        with story.image.open("rb") as file:
            files[image_path(story)] = file.read()
    for author in story.byline_authors:
        if author.photo:
            with author.photo.open("rb") as file:
                files[photo_path(author)] = file.read()
    return files


def _author_keys(author: Author) -> dict:
    photo = {"photo": {"path": photo_path(author)}} if author.photo else {}
    return {**_keys("authors[]", Author, author), **photo}


def export_package(story: Story) -> dict:
    """The package for `story`; importing it elsewhere (with export_files beside
    it) recreates the story."""
    sources = SCHEMA["properties"]["sources"]["items"]["properties"]
    image = {"path": image_path(story), **_keys("image", Story, story)} if story.image else None
    package = {
        "format": FORMAT,
        **{key: value for key, value in _keys("", Story, story).items() if key not in NOT_EXPORTED},
        **({"image": image} if image else {}),
        "authors": [_author_keys(a) for a in story.byline_authors],
        "topic": _keys("topic", Topic, story.topic),
        "tags": sorted(tag.name for tag in story.tags.all()),
        "key_points": _sentences("key_points", story.key_points.all()),
        "viewpoints": [_keys("viewpoints[]", Viewpoint, v) for v in story.viewpoints.all()],
        "timeline": [
            {"date": event.when.iso(), **_keys("timeline[]", TimelineEvent, event)}
            for event in story.timeline_events.all()
        ],
        "unknowns": _sentences("unknowns", story.open_questions.all()),
        "unknown_answers": _unknown_answers(story),
        "sources": [
            _in_schema_order(
                {
                    **_keys("sources[]", Citation, citation),
                    **_keys("sources[]", Outlet, citation.source.outlet),
                    **_keys("sources[]", Source, citation.source),
                },
                sources,
            )
            for citation in story.citations.select_related("source__outlet")
        ],
        "corrections": [_keys("corrections[]", Correction, c) for c in story.corrections.all()],
    }
    package = {key: value for key, value in package.items() if value or key not in OPTIONAL}
    return _in_schema_order(package, SCHEMA["properties"])


def _unknown_answers(story: Story) -> list[dict]:
    answers = []
    questions = story.open_questions.select_related("answered_in")
    for i, question in enumerate(questions):
        if question.status == OpenQuestion.Status.OPEN:
            continue
        entry = {"question": i, **_keys("unknown_answers[]", OpenQuestion, question)}
        if question.answered_in is not None:
            entry["answered_in"] = question.answered_in.slug
        properties = SCHEMA["properties"]["unknown_answers"]["items"]["properties"]
        answers.append(_in_schema_order(entry, properties))
    return answers
