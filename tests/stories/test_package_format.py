"""The schema is the package format's one definition, held to the models that keep it."""

import re

from django.core.validators import MaxLengthValidator

from stories import limits
from stories.package_format import _FORMATS, _PATTERN_WORDS, FIELDS, LIST_LIMITS, SCHEMA

# Keys no model field keeps as they are: the format's name, and a timeline date
# (kept as a date and its precision: two fields, written by hand); which unknown
# an answer is for, and the answering story's slug (a link, resolved by hand);
# an image's path (a file beside the package, stored under a name of the site's).
NOT_A_FIELD = {
    "format",
    "image.path",
    "authors[].photo.path",
    "timeline[].date",
    "unknown_answers[].question",
    "unknown_answers[].answered_in",
}


def resolved(node):
    """`node` with the definition it refers to merged in (its own keywords win)."""
    if "$ref" in node:
        name = re.fullmatch(r"#/\$defs/(.+)", node["$ref"]).group(1)
        return {**SCHEMA["$defs"][name], **node}
    return node


def leaves(node=SCHEMA, path=""):
    """Every value the schema allows, by path ("[]" for each item of a list)."""
    node = resolved(node)
    if "properties" in node:
        for key, child in node["properties"].items():
            yield from leaves(child, f"{path}.{key}" if path else key)
    elif "items" in node:
        yield from leaves(node["items"], f"{path}[]")
    else:
        yield path, node


def keywords(node, name):
    """Every value of the keyword `name` anywhere in the schema (not a property so named)."""
    if isinstance(node, dict):
        if isinstance(node.get(name), str):
            yield node[name]
        for value in node.values():
            yield from keywords(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from keywords(value, name)


def test_every_value_the_schema_allows_is_kept_in_a_model_field():
    assert set(dict(leaves())) - NOT_A_FIELD == set(FIELDS)


def length_limit(field):
    """The most characters a model field keeps: its max_length, or its
    validator's for text the database keeps unbounded."""
    validators = [v.limit_value for v in field.validators if isinstance(v, MaxLengthValidator)]
    return field.max_length or min(validators, default=None)


def test_the_schema_lengths_and_choices_are_the_model_fields():
    schema = dict(leaves())
    for path, (model, name) in FIELDS.items():
        field = model._meta.get_field(name)
        if field.choices:
            assert schema[path]["enum"] == [value for value, _ in field.choices], path
        elif field.get_internal_type() in ("CharField", "TextField", "SlugField", "URLField"):
            assert schema[path].get("maxLength") == length_limit(field), path


def test_every_text_in_a_package_has_a_length_limit():
    """Dates and times are read by their format, whose parser bounds them."""
    for path, node in leaves():
        if resolved(node).get("type") == "string" and path not in NOT_A_FIELD:
            model, name = FIELDS[path]
            if model._meta.get_field(name).get_internal_type() not in (
                "DateField",
                "DateTimeField",
            ):
                assert "maxLength" in node, path


def test_every_list_in_a_package_is_limited_as_the_admin_limits_it():
    lists = {key: node for key, node in SCHEMA["properties"].items() if "items" in node}
    assert set(lists) == set(LIST_LIMITS)
    for key, node in lists.items():
        assert node["maxItems"] == LIST_LIMITS[key].most, key
    assert set(LIST_LIMITS.values()) == set(limits.ITEMS.values())


def test_every_number_in_a_package_fits_the_field_that_keeps_it():
    for path, node in leaves():
        if resolved(node).get("type") == "integer":
            assert node["maximum"] <= 32767, path  # PositiveSmallIntegerField


def test_every_format_in_the_schema_is_checked_at_import():
    assert set(keywords(SCHEMA, "format")) <= set(_FORMATS.checkers)


def test_every_pattern_in_the_schema_has_words_for_the_editor():
    assert set(keywords(SCHEMA, "pattern")) <= set(_PATTERN_WORDS)
