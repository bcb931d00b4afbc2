"""The documented package schema agrees with what export writes and import takes."""

import json

import jsonschema
import pytest
from django.conf import settings

from stories.packages import export_package, import_package

from .factories import complete_story, package_data

SCHEMA = json.loads((settings.BASE_DIR / "docs" / "story-package.schema.json").read_text())
DEMO = sorted((settings.BASE_DIR / "stories" / "demo" / "packages").glob("*.json"))


def test_the_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_example_package_matches_the_schema():
    jsonschema.validate(package_data(), SCHEMA)


@pytest.mark.django_db
def test_an_exported_story_matches_the_schema(topic):
    jsonschema.validate(export_package(complete_story(size=3, topic=topic)), SCHEMA)


@pytest.mark.parametrize("path", DEMO, ids=[p.name for p in DEMO])
def test_every_demo_package_matches_the_schema(path):
    jsonschema.validate(json.loads(path.read_text()), SCHEMA)


def test_optional_citation_details_match_the_schema():
    data = package_data()
    data["sources"][0] |= {
        "quote": "q",
        "accessed": "2026-11-19",
        "archive_url": "https://a.example/x",
    }
    jsonschema.validate(data, SCHEMA)


def test_corrections_match_the_schema():
    data = package_data(
        corrections=[{"kind": "update", "text": "t", "at": "2026-11-21T10:00:00Z", "source": 1}]
    )
    jsonschema.validate(data, SCHEMA)


def test_the_schema_rejects_what_import_rejects():
    bad = package_data()
    bad["sources"][0]["url"] = "javascript:alert(1)"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, SCHEMA)


@pytest.mark.django_db
def test_the_documented_example_imports():
    text = (settings.BASE_DIR / "docs" / "story-packages.md").read_text()
    example = text.split("```json\n", 1)[1].split("```", 1)[0].replace("…", "text")
    story = import_package(json.loads(example)).story
    assert story.slug == "harbour-wind-lease"
