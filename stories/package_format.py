"""The story package format (factlen.story/1): its one definition, and its checks.

The JSON Schema beside this module (story-package.schema.json) defines the
shape: keys, types, lengths, patterns, and formats whose meaning is code of
ours (dates, URLs). It is enforced here at run time, and each refusal becomes
a message naming its path: `sources[2].url: not a URL (…)`. FIELDS says which
model field keeps each key, for import and export alike. Python adds only the
rules a schema cannot state: rules across fields, and rules whose words are
said elsewhere too (the citation rule, reserved topic slugs).
"""

import datetime
import json
import re
from pathlib import Path, PurePosixPath

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from jsonschema import Draft202012Validator, FormatChecker
from taggit.models import Tag

from sources.models import Outlet, Source
from sources.normalize import InvalidURL, normalize_url

from . import limits
from .citations import citation_problems
from .models import (
    Author,
    Citation,
    Correction,
    KeyPoint,
    OpenQuestion,
    Story,
    TimelineEvent,
    Topic,
    Viewpoint,
    validate_story_slug,
    validate_topic_slug,
)
from .partial_dates import PartialDate

SCHEMA = json.loads(
    Path(__file__).with_name("story-package.schema.json").read_text(encoding="utf-8")
)
FORMAT = SCHEMA["properties"]["format"]["const"]

# Where each key's value is kept: path in the package ("[]" for every item of
# a list) → (model, field). Import and export both go through it, so a key
# that names a field differently (unknowns, n, at, published…) is renamed in
# one place; a test holds the schema's lengths and choices to these fields.
# A timeline date is two fields (the date, and how much of it is known), and
# an image's path names a file beside the package, so import and export
# write them by hand.
FIELDS = {
    "slug": (Story, "slug"),
    "title": (Story, "title"),
    "dek": (Story, "dek"),
    "label": (Story, "label"),
    "byline": (Story, "byline"),
    "image.alt": (Story, "image_alt"),
    "image.caption": (Story, "image_caption"),
    "image.credit": (Story, "image_credit"),
    "authors[].slug": (Author, "slug"),
    "authors[].name": (Author, "name"),
    "authors[].kind": (Author, "kind"),
    "topic.slug": (Topic, "slug"),
    "topic.name": (Topic, "name"),
    "topic.description": (Topic, "description"),
    "status": (Story, "status"),
    "published_at": (Story, "published_at"),
    "tags[]": (Tag, "name"),
    "why_it_matters": (Story, "why_it_matters"),
    "key_points[]": (KeyPoint, "text"),
    "body": (Story, "body"),
    "viewpoints[].label": (Viewpoint, "label"),
    "viewpoints[].stance": (Viewpoint, "stance"),
    "viewpoints[].holders": (Viewpoint, "holders"),
    "viewpoints[].summary": (Viewpoint, "summary"),
    "viewpoints[].detail": (Viewpoint, "detail"),
    "viewpoints[].signed_off_by": (Viewpoint, "signed_off_by_name"),
    "viewpoints[].signed_off_at": (Viewpoint, "signed_off_at"),
    "timeline[].text": (TimelineEvent, "text"),
    "unknowns[]": (OpenQuestion, "text"),
    "unknown_answers[].status": (OpenQuestion, "status"),
    "unknown_answers[].answered_on": (OpenQuestion, "answered_on"),
    "unknown_answers[].answered_paragraph": (OpenQuestion, "answered_paragraph"),
    "sources[].n": (Citation, "number"),
    "sources[].outlet": (Outlet, "name"),
    "sources[].title": (Source, "title"),
    "sources[].url": (Source, "url"),
    "sources[].author": (Source, "author"),
    "sources[].published": (Source, "published_on"),
    "sources[].quote": (Citation, "quote"),
    "sources[].accessed": (Citation, "accessed"),
    "sources[].archive_url": (Source, "archive_url"),
    "corrections[].kind": (Correction, "kind"),
    "corrections[].text": (Correction, "text"),
    "corrections[].at": (Correction, "created_at"),
    "corrections[].paragraph": (Correction, "paragraph"),
    "corrections[].source": (Correction, "source_number"),
    "withdrawn_reason": (Story, "withdrawn_reason"),
}


# Each list of the package and the limit on its rows (stories.limits).
LIST_LIMITS = {
    "authors": limits.ITEMS["story_authors"],
    "tags": limits.ITEMS["tags"],
    "key_points": limits.ITEMS["key_points"],
    "viewpoints": limits.ITEMS["viewpoints"],
    "timeline": limits.ITEMS["timeline_events"],
    "unknowns": limits.ITEMS["open_questions"],
    "unknown_answers": limits.ITEMS["open_questions"],
    "sources": limits.ITEMS["citations"],
    "corrections": limits.ITEMS["corrections"],
}


class PackageInvalid(Exception):
    """A package that cannot be imported; `problems` lists each, with its path."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# Reading a package file: its size and nesting are checked before the JSON is
# decoded, so no file can take the importer's memory or (nested deep enough)
# make the decoder fail with a RecursionError.

# The tokens that open, close or separate, and keys; string values are matched
# whole so that brackets inside them are not counted.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"(\s*:)?|[\[\]{},]')


def parse_package(raw: bytes | str):
    """The decoded package in `raw` (a file's bytes or text); PackageInvalid if
    it is too big, nested too deep, or not JSON, saying so."""
    size = len(raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw)
    if size > limits.PACKAGE_BYTES:
        raise PackageInvalid([limits.too_big(size)])
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PackageInvalid([f"not UTF-8 text (byte {exc.start:,})"]) from None
    deep = _too_deep_at(raw)
    if deep is not None:
        raise PackageInvalid([_line(deep, limits.too_deep(len(deep) + 1))])
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise PackageInvalid(
            [f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"]
        ) from None
    except ValueError as exc:  # e.g. a number with more digits than Python converts
        raise PackageInvalid([f"not valid JSON: {exc}"]) from None


def _too_deep_at(text: str):
    """The path where `text` first nests deeper than the limit, or None."""
    path = []
    for token in _TOKENS.finditer(text):
        mark = token.group()
        if mark in "[{":
            if len(path) == limits.PACKAGE_DEPTH:
                return path
            path.append(0 if mark == "[" else "")
        elif mark in "]}":
            if path:
                path.pop()
        elif mark == ",":
            if path and isinstance(path[-1], int):
                path[-1] += 1
        elif token.group(1) and path and isinstance(path[-1], str):
            path[-1] = mark[: -len(token.group(1))].strip()[1:-1]
    return None


# Formats: the code that gives each one its meaning, used to check a package
# and (the same functions) to read its values.

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_time(text: str) -> datetime.datetime:
    """An ISO 8601 time with its zone; ValueError saying what is wrong."""
    try:
        value = parse_datetime(text[:-1] + "+00:00" if text.endswith("Z") else text)
    except ValueError:
        value = None
    if value is None:
        raise ValueError(f"{text!r} is not a date and time (use 2026-11-20T09:00:00Z)")
    if timezone.is_naive(value):
        raise ValueError(f"{text!r} has no time zone (add Z for UTC, or +01:00)")
    return value


def parse_date(text: str) -> datetime.date:
    """A YYYY-MM-DD date; ValueError saying what is wrong."""
    if not _DATE.match(text):
        raise ValueError(f"{text!r} is not a date (use YYYY-MM-DD)")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a date ({exc})") from None


def parse_url(text: str) -> str:
    """An http(s) URL in the one spelling sources are stored in; InvalidURL if not."""
    url = normalize_url(text)
    limit = Source._meta.get_field("url").max_length
    if len(url) > limit:
        raise InvalidURL(f"longer than {limit} characters once normalised ({len(url)})")
    return url


def parse_package_path(text: str) -> PurePosixPath:
    """A relative path that stays inside the package's folder; ValueError if not."""
    path = PurePosixPath(text)
    if not text or "\\" in text or path.is_absolute() or ".." in path.parts:
        raise ValueError(
            f"{text!r} is not a relative path inside the package's folder (use images/photo.jpg)"
        )
    return path


def _format(parse):
    def check(value) -> bool:
        if isinstance(value, str):  # another type gets the schema's type error
            parse(value)  # raises ValueError saying what is wrong
        return True

    return check


_FORMATS = FormatChecker(formats=())
for _name, _parse in [
    ("date-time", parse_time),
    ("date", parse_date),
    ("partial-date", PartialDate.parse),
    ("http-url", parse_url),
    ("package-path", parse_package_path),
]:
    _FORMATS.checks(_name, raises=ValueError)(_format(_parse))
_VALIDATOR = Draft202012Validator(SCHEMA, format_checker=_FORMATS)


def check_package(data) -> None:
    """Raise PackageInvalid listing every problem in a decoded package.

    The one entry point for untrusted package data (import calls nothing
    else before writing, so limits on a package's size or depth belong here
    too): the schema, then the rules across fields; every problem at once,
    in the schema's order.
    """
    problems = list(_value_problems(data))
    if problems:  # too deep for the schema's checks to walk, or text no database keeps
        raise PackageInvalid([_line(path, text) for path, text in problems])
    problems = list(_schema_problems(data))
    if isinstance(data, dict):
        problems += _cross_field_problems(data)
    if problems:
        problems.sort(key=lambda problem: _order(problem[0]))
        raise PackageInvalid(list(dict.fromkeys(_line(path, text) for path, text in problems)))


def _value_problems(data):
    """Nesting past the limit, and strings holding characters no database keeps
    (NUL, unpaired surrogates): every value, walked without recursion."""
    stack = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict | list) and len(path) >= limits.PACKAGE_DEPTH:
            yield path, limits.too_deep(len(path) + 1)
            continue
        if isinstance(value, dict):
            stack += [((*path, key), item) for key, item in reversed(value.items())]
        elif isinstance(value, list):
            stack += [((*path, i), item) for i, item in reversed(list(enumerate(value)))]
        elif isinstance(value, str):
            bad = next((ch for ch in value if ch == "\x00" or "\ud800" <= ch <= "\udfff"), None)
            if bad is not None:
                yield path, f"holds the character U+{ord(bad):04X}, which text may not contain"


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _step(part) -> str:
    if isinstance(part, int):
        return f"[{part}]"
    # A key that is not a plain name (empty, spaces, control characters) is
    # shown as JSON, so every path can be read and printed.
    return f".{part}" if _NAME.fullmatch(part) else f"[{json.dumps(part)}]"


def _line(path, text) -> str:
    where = "".join(_step(part) for part in path).lstrip(".")
    return f"{where}: {text}" if where else text


def _order(path):
    """Where `path` comes in the schema: its properties' order, then list positions."""
    key, node = [], SCHEMA
    for part in path:
        if isinstance(part, int):
            key.append(part)
            node = node.get("items", {})
        else:
            names = list(node.get("properties", {}))
            key.append(names.index(part) if part in names else len(names))
            node = node.get("properties", {}).get(part, {})
    return key


# The schema's refusals, in words.


def _schema_problems(data):
    for error in _VALIDATOR.iter_errors(data):
        path = tuple(error.absolute_path)
        if error.validator == "required":
            missing = [key for key in error.validator_value if key not in error.instance]
            yield from (((*path, key), "required field is missing") for key in missing)
        elif error.validator == "additionalProperties":
            known = error.schema.get("properties", {})
            unknown = [key for key in error.instance if key not in known]
            yield from (((*path, key), "unknown field") for key in unknown)
        else:
            explain = _EXPLAIN.get(error.validator, lambda e, key: e.message)
            yield path, explain(error, next((p for p in reversed(path) if isinstance(p, str)), ""))


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return {str: "a string", list: "a list"}.get(type(value), "an object")


_TYPE_WORDS = {
    "string": "a string",
    "integer": "a whole number",
    "array": "a list",
    "object": "an object",
    "null": "null",
}
# What breaking each pattern of the schema means, keyed by the pattern itself.
_PATTERN_WORDS = {
    SCHEMA["$defs"]["text"]["pattern"]: lambda value: "must not be empty",
    SCHEMA["$defs"]["slug"]["pattern"]: lambda value: (
        f"{value!r} is not a valid slug (lowercase letters, digits and hyphens)"
    ),
}


def _expected_type(error, key):
    types = (
        error.validator_value
        if isinstance(error.validator_value, list)
        else [error.validator_value]
    )
    expected = " or ".join(_TYPE_WORDS.get(t, t) for t in types)
    return f"expected {expected}, got {_kind(error.instance)}"


def _not_one_of(error, key):
    choices = ", ".join(map(str, error.validator_value))
    if "title" in error.schema:  # the schema's name for such values
        return f"{error.instance!r} is not a {error.schema['title'].lower()} (one of: {choices})"
    return f"{error.instance!r} is not one of {choices}"


_EXPLAIN = {
    "type": _expected_type,
    "maxLength": lambda e, key: (
        f"longer than {e.validator_value:,} characters ({len(e.instance):,})"
    ),
    "maxItems": lambda e, key: LIST_LIMITS[key].refusal(len(e.instance)),
    "minimum": lambda e, key: (
        f"expected a whole number from {e.validator_value}, got {e.instance!r}"
    ),
    "maximum": lambda e, key: (
        f"expected a whole number up to {e.validator_value:,}, got {e.instance!r}"
    ),
    "enum": _not_one_of,
    "const": lambda e, key: f"unknown {key} {e.instance!r} (expected {e.validator_value!r})",
    "pattern": lambda e, key: _PATTERN_WORDS.get(
        e.validator_value, lambda value: f"{value!r} does not match {e.validator_value}"
    )(e.instance),
    "format": lambda e, key: str(e.cause) if e.cause else e.message,
}


# Rules across fields, on the parts of the package that have the right shape.


def _cross_field_problems(data) -> list:
    return [
        *_state_problems(data),
        *_slug_problems(data),
        *_topic_problems(data),
        *_citation_problems(data),
        *_author_problems(data),
    ]


def _author_problems(data):
    authors = data.get("authors", [])
    if not isinstance(authors, list):
        return
    seen = set()
    for i, item in enumerate(authors):
        slug = item.get("slug") if isinstance(item, dict) else None
        if not isinstance(slug, str):
            continue  # the schema says what is wrong with it
        if slug in seen:
            yield ("authors", i, "slug"), f"{slug!r} is named twice: each author once"
        seen.add(slug)


def _state_problems(data):
    status = data.get("status")
    if status == Story.Status.PUBLISHED and data.get("published_at") is None:
        yield ("published_at",), "required when the status is 'published'"
    reason = data.get("withdrawn_reason", "")
    if status == Story.Status.WITHDRAWN and isinstance(reason, str) and not reason.strip():
        yield ("withdrawn_reason",), "required when the status is 'withdrawn'"


def _slug_problems(data):
    slug = data.get("slug")
    if isinstance(slug, str):
        try:
            validate_story_slug(slug)
        except ValidationError as exc:
            yield from ((("slug",), message) for message in exc.messages)


def _topic_problems(data):
    slug = data.get("topic", {}).get("slug") if isinstance(data.get("topic"), dict) else None
    if isinstance(slug, str):
        try:
            validate_topic_slug(slug)
        except ValidationError as exc:
            yield from ((("topic", "slug"), message) for message in exc.messages)


def _citation_problems(data):
    body, sources = data.get("body", ""), data.get("sources", [])
    if not isinstance(body, str) or not isinstance(sources, list):
        return
    numbers = [s.get("n") if isinstance(s, dict) else None for s in sources]
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in numbers):
        return  # the schema has said what is wrong with them
    for problem in citation_problems(body, numbers):
        if problem.in_body:
            yield ("body",), problem.message
        elif problem.citation is not None:
            yield ("sources", problem.citation, "n"), problem.message
        else:
            yield ("sources",), problem.message
