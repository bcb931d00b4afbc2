"""How much a story may hold: one set of limits, the same words in the admin,
the import and the model (stories.limits)."""

import io
import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from reversion.models import Revision

from sources.models import Source
from stories import limits
from stories.models import Story, Viewpoint
from stories.package_format import check_package, parse_package
from stories.packages import PackageInvalid, import_package
from stories.workflow import TransitionRefused, perform

from ..factories import AuthorFactory, SourceFactory, StoryFactory, package_data
from .test_admin import add_rows, errors_of, full_story_form, story_form

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[2] / "stories" / "demo" / "packages"


def problems_of(data):
    with pytest.raises(PackageInvalid) as error:
        import_package(data)
    return error.value.problems


def viewpoint(i):
    return {"label": f"V{i}", "stance": "S", "holders": "H", "summary": "S", "detail": "D"}


def test_the_demo_stories_are_within_every_limit():
    files = sorted(DEMO.glob("*.json"))
    assert files
    for path in files:
        check_package(parse_package(path.read_bytes()))


def test_a_package_with_more_viewpoints_than_the_limit_is_refused_in_the_limits_words():
    data = package_data(viewpoints=[viewpoint(i) for i in range(1000)])
    assert problems_of(data) == ["viewpoints: A story holds at most 12 viewpoints (1,000 given)."]
    assert not Story.objects.exists()


def test_a_package_body_over_the_limit_is_refused_naming_the_limit():
    data = package_data(body="Fishers object [1][2]. " * 3000)
    assert problems_of(data) == ["body: longer than 60,000 characters (69,000)"]


def test_a_package_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(package_data(body="x" * limits.PACKAGE_BYTES)), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_story", str(path), stdout=io.StringIO(), stderr=err)
    size = path.stat().st_size
    assert err.getvalue().splitlines()[0] == (
        f"{path}: the package is {size:,} bytes; a package may be at most 2,000,000 bytes"
    )
    assert not Story.objects.exists()


def test_json_nested_a_hundred_thousand_deep_is_refused_with_its_path(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"tags": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_story", str(path), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().splitlines()[0] == (
        f"{path}: tags[0][0][0][0][0]: nested more than 6 levels deep (7 or more)"
    )


def test_brackets_inside_strings_do_not_count_as_nesting():
    data = package_data(body="[[[[[[[[[[ {{{{{{{{{{ [1][2]")
    assert parse_package(json.dumps(data)) == data


def test_deep_data_handed_to_the_importer_directly_is_refused_with_its_path():
    deep = []
    for _ in range(10_000):
        deep = [deep]
    problems = problems_of(package_data(tags=deep))
    assert problems == ["tags[0][0][0][0][0]: nested more than 6 levels deep (7 or more)"]


@pytest.mark.parametrize("text", ["a\x00b", "lone \ud800 surrogate"])
def test_text_no_database_keeps_is_refused_naming_its_path(text):
    data = package_data()
    data["viewpoints"][1]["summary"] = text
    assert problems_of(data)[0].startswith("viewpoints[1].summary: holds the character U+")
    assert not Source.objects.exists()


def test_a_number_too_big_for_its_field_is_refused():
    data = package_data(corrections=[{"kind": "update", "text": "T", "at": "2026-11-21T09:00:00Z"}])
    data["corrections"][0]["paragraph"] = 10**20
    assert problems_of(data) == [
        "corrections[0].paragraph: expected a whole number up to 32,767, got 100000000000000000000"
    ]


def test_model_validation_refuses_text_over_its_limit():
    story = StoryFactory.build(body="x" * (limits.BODY_LENGTH + 1))
    with pytest.raises(ValidationError) as error:
        story.full_clean(exclude=["topic", "slug"])
    assert "at most 60000 characters (it has 60001)" in str(error.value.message_dict["body"])
    row = Viewpoint(detail="x" * (limits.VIEWPOINT_DETAIL_LENGTH + 1))
    with pytest.raises(ValidationError) as error:
        row.full_clean(exclude=["story"])
    assert "detail" in error.value.message_dict


def test_the_admin_refuses_more_viewpoints_than_the_limit_and_saves_nothing(editor_client, topic):
    data = full_story_form(topic, [SourceFactory(), SourceFactory()])
    rows = [{**viewpoint(i), "position": i} for i in range(13)]
    add_rows(data, "viewpoints", rows)
    response = editor_client.post("/admin/stories/story/add/", data)
    assert "A story holds at most 12 viewpoints." in errors_of(response)
    assert not Story.objects.exists()


def test_the_admin_refuses_an_overlong_body_on_its_field(editor_client, topic):
    data = full_story_form(topic, [SourceFactory(), SourceFactory()])
    data["body"] = "The council voted [1]. Drivers object [2]. " + "x" * limits.BODY_LENGTH
    response = editor_client.post("/admin/stories/story/add/", data)
    assert "at most 60000 characters" in str(response.context["adminform"].form.errors["body"])
    assert not Story.objects.exists()


def test_the_admin_refuses_more_tags_than_the_limit(editor_client, topic):
    data = full_story_form(topic, [SourceFactory(), SourceFactory()])
    data["tags"] = ", ".join(f"tag {i}" for i in range(21))
    response = editor_client.post("/admin/stories/story/add/", data)
    assert "A story holds at most 20 tags (21 given)." in errors_of(response)


def test_the_admin_offers_no_more_rows_than_the_limit(editor_client, topic):
    page = editor_client.get("/admin/stories/story/add/").content.decode()
    for prefix, key in [("viewpoints", "viewpoints"), ("citations", "citations")]:
        most = limits.ITEMS[key].most
        assert f'name="{prefix}-MAX_NUM_FORMS" value="{most}"' in page


def test_the_admin_saves_a_story_filled_to_every_limit_as_a_browser_sends_it(editor_client, topic):
    """Every list full and every text at its limit in two-byte characters:
    within the upload limits the settings give the admin's forms."""
    sources = [SourceFactory() for _ in range(limits.ITEMS["citations"].most)]
    markers = "".join(f"[{n}]" for n in range(1, len(sources) + 1))
    body = markers + " " + "é" * (limits.BODY_LENGTH - len(markers) - 1)
    data = story_form(topic, body=body, why_it_matters="é" * limits.WHY_IT_MATTERS_LENGTH)
    data["tags"] = ", ".join(f"tag {i}" for i in range(limits.ITEMS["tags"].most))
    most = {key: item.most for key, item in limits.ITEMS.items()}
    add_rows(
        data,
        "story_authors",
        [{"author": AuthorFactory().pk, "position": i} for i in range(most["story_authors"])],
    )
    add_rows(
        data,
        "viewpoints",
        [
            {**viewpoint(i), "detail": "é" * limits.VIEWPOINT_DETAIL_LENGTH, "position": i}
            for i in range(most["viewpoints"])
        ],
    )
    add_rows(
        data,
        "key_points",
        [{"text": "é" * 400, "position": i} for i in range(most["key_points"])],
    )
    # A question's status is a select: a browser always sends its choice.
    add_rows(
        data,
        "open_questions",
        [
            {"text": "é" * 400, "position": i, "status": "open"}
            for i in range(most["open_questions"])
        ],
    )
    add_rows(
        data,
        "timeline_events",
        [{"when": "2019", "text": "é" * 300} for _ in range(most["timeline_events"])],
    )
    add_rows(
        data,
        "citations",
        [
            {"number": n + 1, "source": s.pk, "quote": "é" * limits.CITATION_QUOTE_LENGTH}
            for n, s in enumerate(sources)
        ],
    )
    add_rows(
        data,
        "corrections",
        [
            {"kind": "update", "created_at_0": "2026-11-20", "created_at_1": "09:00:00"}
            | {"text": "é" * limits.CORRECTION_LENGTH}
            for _ in range(most["corrections"])
        ],
    )
    response = editor_client.post(
        "/admin/stories/story/add/",
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 302, errors_of(response)
    story = Story.objects.get()
    assert len(story.body) == limits.BODY_LENGTH
    assert story.citations.count() == 80 and story.corrections.count() == 50
    assert Revision.objects.count() == 1


def test_a_story_written_past_the_limits_cannot_move_on_until_it_is_within_them(editor):
    story = import_package(package_data(status="draft", published_at=None)).story
    Story.objects.filter(pk=story.pk).update(body="Fishers object [1][2]. " * 3000)
    rows = [Viewpoint(story=story, **viewpoint(i)) for i in range(12)]
    Viewpoint.objects.bulk_create(rows)  # 14 with the package's two
    Viewpoint.objects.filter(pk=rows[0].pk).update(detail="x" * 6001)
    with pytest.raises(TransitionRefused) as refusal:
        perform(story, "publish", by=editor, overrides={"markers": "no", "viewpoints": "no"})
    assert refusal.value.problems == [
        "The body is longer than 60,000 characters (69,000).",
        "A story holds at most 12 viewpoints (14 given).",
        "A row of viewpoints has a detail longer than 6,000 characters.",
    ]
    Story.objects.filter(pk=story.pk).update(body=package_data()["body"])
    Viewpoint.objects.filter(pk__in=[row.pk for row in rows]).delete()
    assert perform(story, "publish", by=editor).to_status == "published"


def test_a_story_over_the_limits_can_still_be_withdrawn(editor):
    story = import_package(package_data()).story
    Story.objects.filter(pk=story.pk).update(body="x" * 70_000)
    transition = perform(story, "withdraw", by=editor, comment="Removed while we check it.")
    assert transition.to_status == "withdrawn"


@pytest.mark.parametrize(
    ("key", "where"), [("", '[""]'), ("a b", '["a b"]'), ("\x00\ud800", '["\\u0000\\ud800"]')]
)
def test_an_unknown_key_that_is_not_a_plain_name_is_shown_as_json(key, where):
    data = package_data()
    data[key] = 1
    assert problems_of(data) == [f"{where}: unknown field"]
