"""The documented package schema is the one import enforces, and what export writes."""

import json
import re
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings

from stories import package_format
from stories.package_format import SCHEMA, check_package
from stories.packages import export_package, import_package

from .factories import complete_story, package_data

DOCS = settings.BASE_DIR / "docs" / "story-packages.md"
DEMO = sorted((settings.BASE_DIR / "stories" / "demo" / "packages").glob("*.json"))


def assert_valid(package):
    """Valid for any JSON Schema validator, and for import's own check (formats too)."""
    jsonschema.validate(package, SCHEMA)
    check_package(package)


def test_the_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_example_package_matches_the_schema():
    assert_valid(package_data())


@pytest.mark.django_db
def test_an_exported_story_matches_the_schema(topic):
    assert_valid(export_package(complete_story(size=3, topic=topic)))


@pytest.mark.parametrize("path", DEMO, ids=[p.name for p in DEMO])
def test_every_demo_package_matches_the_schema(path):
    assert_valid(json.loads(path.read_text()))


def test_optional_citation_details_match_the_schema():
    data = package_data()
    data["sources"][0] |= {
        "quote": "q",
        "accessed": "2026-11-19",
        "archive_url": "https://a.example/x",
    }
    assert_valid(data)


def test_corrections_match_the_schema():
    data = package_data(
        corrections=[{"kind": "update", "text": "t", "at": "2026-11-21T10:00:00Z", "source": 1}]
    )
    assert_valid(data)


def test_the_docs_link_the_schema_that_import_enforces():
    link = re.search(r"\]\(([^)]*story-package\.schema\.json)\)", DOCS.read_text()).group(1)
    assert (DOCS.parent / link).resolve() == (
        Path(package_format.__file__).with_name("story-package.schema.json").resolve()
    )


@pytest.mark.django_db
def test_the_documented_example_imports():
    text = DOCS.read_text()
    example = text.split("```json\n", 1)[1].split("```", 1)[0].replace("…", "text")
    story = import_package(json.loads(example)).story
    assert story.slug == "harbour-wind-lease"
