import copy
import datetime

import pytest

from sources.models import Source
from stories.models import (
    Citation,
    KeyPoint,
    Story,
    TimelineEvent,
    Topic,
    Transition,
    Viewpoint,
)
from stories.package_format import check_package
from stories.packages import PackageInvalid, export_package, import_package

from ..factories import TopicFactory, package_data

pytestmark = pytest.mark.django_db


def problems_of(data, **kwargs):
    with pytest.raises(PackageInvalid) as error:
        import_package(data, **kwargs)
    return error.value.problems


def assert_nothing_written():
    assert Story.objects.count() == 0
    assert Source.objects.count() == 0
    assert Topic.objects.count() == 0


def test_a_valid_package_creates_the_story_with_everything_in_it():
    result = import_package(package_data())
    story = result.story
    assert result.created
    assert story.title == "Harbour wind lease splits fishing towns"
    assert story.topic.name == "Energy"
    assert story.topic.description == "Power and the grid."
    assert story.published_at == datetime.datetime(2026, 11, 20, 9, tzinfo=datetime.UTC)
    assert sorted(story.tags.names()) == ["fishing", "wind power"]
    assert [v.label for v in story.viewpoints.all()] == ["Build Faster", "Fish First"]
    assert story.key_points.first().text == "The lease doubles capacity."
    assert [e.when.iso() for e in story.timeline_events.all()] == ["2019", "2024-03", "2026-10-14"]
    assert [q.text for q in story.open_questions.all()] == [
        "Whether compensation covers lost catch."
    ]
    assert [(c.number, c.source.outlet.name) for c in story.citations.all()] == [
        (1, "Tidewater Courier"),
        (2, "Northshore Radio"),
    ]
    assert story.citations.get(number=1).source.published_on == datetime.date(2026, 10, 15)


def test_export_then_import_then_export_gives_the_same_json():
    story = import_package(package_data()).story
    first = export_package(story)
    Story.objects.all().delete()
    second = export_package(import_package(copy.deepcopy(first)).story)
    assert first == second
    assert first == package_data()


def test_importing_an_existing_slug_updates_it_in_place_and_replaces_its_lists():
    original = import_package(package_data()).story
    changed = package_data(title="New headline", key_points=["One.", "Two.", "Three now."])
    changed["viewpoints"] = changed["viewpoints"][:1]
    changed["status"] = "draft"  # one viewpoint: not publishable, but a valid draft
    changed["sources"] = changed["sources"][:1]
    changed["body"] = "Just one claim [1]."
    result = import_package(changed)
    assert not result.created
    assert result.story.pk == original.pk
    assert Story.objects.count() == 1
    assert result.story.title == "New headline"
    assert KeyPoint.objects.filter(story=original).count() == 3
    assert Viewpoint.objects.filter(story=original).count() == 1
    assert Citation.objects.filter(story=original).count() == 1


def test_importing_the_same_package_twice_changes_nothing():
    import_package(package_data())
    before = export_package(Story.objects.get())
    import_package(package_data())
    assert export_package(Story.objects.get()) == before
    assert TimelineEvent.objects.count() == 3
    assert Source.objects.count() == 2


def test_a_source_already_known_by_another_spelling_is_reused():
    import_package(package_data())
    other = package_data(slug="second-story")
    other["sources"][0]["url"] = "HTTPS://TideWaterCourier.example/energy/wind-lease/?utm_source=x"
    story = import_package(other).story
    assert Source.objects.count() == 2
    assert story.citations.get(number=1).source.url == (
        "https://tidewatercourier.example/energy/wind-lease"
    )
    assert Source.objects.get(url__contains="wind-lease").citations.count() == 2


def test_the_normalised_url_is_what_is_stored_and_exported():
    data = package_data()
    data["sources"][1]["url"] = "https://Northshore-Radio.example/news/skippers/#player"
    story = import_package(data).story
    assert export_package(story)["sources"][1]["url"] == (
        "https://northshore-radio.example/news/skippers"
    )


def test_an_existing_topic_keeps_its_name():
    TopicFactory(slug="energy", name="Energy & Climate")
    story = import_package(package_data()).story
    assert story.topic.name == "Energy & Climate"
    assert Topic.objects.count() == 1


def test_a_draft_needs_no_published_time():
    story = import_package(package_data(status="draft", published_at=None)).story
    assert story.status == "draft"
    assert story.published_at is None


def test_a_time_with_an_offset_is_stored_and_exported_in_utc():
    story = import_package(package_data(published_at="2026-11-20T10:00:00+01:00")).story
    assert export_package(story)["published_at"] == "2026-11-20T09:00:00Z"


# One test per kind of bad input: the message names the path; nothing is written.


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(format="factlen.story/9"), "format: unknown format"),
        (lambda d: d.pop("title"), "title: required field is missing"),
        (lambda d: d.update(title=42), "title: expected a string, got a number"),
        (lambda d: d.update(dek="  "), "dek: must not be empty"),
        (lambda d: d.update(title="x" * 201), "title: longer than 200 characters (201)"),
        (lambda d: d.update(tags="fishing"), "tags: expected a list, got a string"),
        (lambda d: d.update(surprise=1), "surprise: unknown field"),
        (lambda d: d.update(slug="Harbour Wind"), "slug: 'Harbour Wind' is not a valid slug"),
        (lambda d: d.update(status="live"), "status: 'live' is not a status"),
        (lambda d: d.pop("published_at"), "published_at: required when the status is"),
        (lambda d: d.update(published_at="20 Nov 2026"), "published_at: '20 Nov 2026' is not a"),
        (lambda d: d.update(published_at="2026-11-20T09:00:00"), "published_at: '2026-11-20T"),
        (lambda d: d["topic"].update(slug="admin"), "topic.slug: “admin” is a site path (/admin/)"),
        (lambda d: d["topic"].pop("name"), "topic.name: required field is missing"),
        (lambda d: d["viewpoints"][1].pop("stance"), "viewpoints[1].stance: required field"),
        (lambda d: d["timeline"][2].update(date="2026-13"), "timeline[2].date: '2026-13' is not"),
        (lambda d: d["timeline"][0].update(date=2019), "timeline[0].date: expected a string"),
        (lambda d: d["sources"][1].update(url="not a url"), "sources[1].url: a URL cannot"),
        (lambda d: d["sources"][1].update(url="example.org/x"), "sources[1].url: not a URL"),
        (
            lambda d: d["sources"][0].update(url="ftp://files.example/x"),
            "sources[0].url: only http and https URLs can be cited",
        ),
        (
            lambda d: d["sources"][1].update(n=1),
            "sources[1].n: Two or more citations are numbered 1; each number is used once.",
        ),
        (
            lambda d: d["sources"][1].update(n=3),
            "sources: Citations are numbered 1 to 2 with no gap; number 2 is missing.",
        ),
        (lambda d: d["sources"][1].update(n="2"), "sources[1].n: expected a whole number"),
        (
            lambda d: d["sources"][0].update(published="15/10/2026"),
            "sources[0].published: '15/10/2026' is not a date",
        ),
        (
            lambda d: d.update(body="Claim [7]."),
            "body: The body cites [7], but no citation is numbered 7.",
        ),
        (lambda d: d["key_points"].append(None), "key_points[3]: expected a string, got null"),
    ],
)
def test_a_bad_package_is_refused_with_its_path_and_nothing_is_written(change, expected):
    data = package_data()
    change(data)
    problems = problems_of(data)
    assert any(p.startswith(expected) for p in problems), problems
    assert_nothing_written()


def test_every_problem_in_a_package_is_reported_not_just_the_first():
    data = package_data(title="", status="live")
    data["sources"][1]["url"] = "javascript:alert(1)"
    data["timeline"][1]["date"] = "March"
    problems = problems_of(data)
    assert len(problems) == 4
    assert [p.split(":")[0] for p in problems] == [
        "title",
        "status",
        "timeline[1].date",
        "sources[1].url",
    ]
    assert_nothing_written()


def test_a_package_that_is_not_an_object_is_refused():
    assert problems_of(["not", "a", "story"]) == ["expected an object, got a list"]


def test_a_new_topic_whose_name_is_taken_is_refused_and_nothing_is_written():
    TopicFactory(slug="power", name="Energy")
    problems = problems_of(package_data())
    assert problems == ["topic.name: 'Energy' already names the topic 'power'"]
    assert Story.objects.count() == 0
    assert Source.objects.count() == 0


def test_a_failure_after_writing_began_rolls_everything_back(monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Citation.objects, "bulk_create", explode)
    with pytest.raises(RuntimeError):
        import_package(package_data())
    assert_nothing_written()


def test_a_package_is_checked_whole_before_the_database_is_touched(django_assert_num_queries):
    bad = package_data(title="")
    bad["sources"][0]["n"] = 7
    with django_assert_num_queries(0), pytest.raises(PackageInvalid) as error:
        check_package(bad)
    assert [p.split(":")[0] for p in error.value.problems] == ["title", "body", "sources"]
    with django_assert_num_queries(0):
        check_package(package_data())


def with_citation_details(data):
    data["sources"][0] |= {
        "quote": "The lease was approved 4–1.",
        "accessed": "2026-11-19",
        "archive_url": "https://archive.example/web/2026/wind-lease",
    }
    return data


def test_citation_details_round_trip():
    story = import_package(with_citation_details(package_data())).story
    citation = story.citations.get(number=1)
    assert citation.quote == "The lease was approved 4–1."
    assert citation.accessed == datetime.date(2026, 11, 19)
    assert citation.source.archive_url == "https://archive.example/web/2026/wind-lease"
    first = export_package(story)
    assert first == with_citation_details(package_data())
    assert "quote" not in first["sources"][1]  # absent details stay absent
    Story.objects.all().delete()
    assert export_package(import_package(copy.deepcopy(first)).story) == first


def test_a_package_fills_a_missing_archive_url_but_never_replaces_one():
    import_package(package_data())
    import_package(with_citation_details(package_data()))
    source = Source.objects.get(url__contains="wind-lease")
    assert source.archive_url == "https://archive.example/web/2026/wind-lease"
    other = with_citation_details(package_data(slug="other"))
    other["sources"][0]["archive_url"] = "https://another-archive.example/x"
    import_package(other)
    source.refresh_from_db()
    assert source.archive_url == "https://archive.example/web/2026/wind-lease"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("accessed", "yesterday", "sources[0].accessed: 'yesterday' is not a date"),
        ("archive_url", "javascript:alert(1)", "sources[0].archive_url: only http and https"),
        ("quote", 7, "sources[0].quote: expected a string, got a number"),
    ],
)
def test_bad_citation_details_are_refused(field, value, expected):
    data = package_data()
    data["sources"][0][field] = value
    assert any(p.startswith(expected) for p in problems_of(data))
    assert_nothing_written()


def test_a_reused_source_keeps_its_details_and_the_import_says_what_differs():
    import_package(package_data())
    changed = package_data(slug="second-story")
    changed["sources"][1]["title"] = "A different headline"
    result = import_package(changed)
    assert result.notes == [
        "sources[1].title: the existing source for this URL keeps 'Skippers protest at the "
        "harbour' (the package says 'A different headline'); edit it in the admin to change it"
    ]
    assert Source.objects.get(url__contains="skippers").title == "Skippers protest at the harbour"


def test_a_missing_required_field_is_reported_once():
    data = package_data()
    del data["title"]
    assert problems_of(data) == ["title: required field is missing"]


# Import moves the story through the workflow, like every other caller.


def steps(story):
    return [
        (t.action, t.from_status, t.to_status, t.by, t.comment)
        for t in Transition.objects.filter(story=story)
    ]


def test_every_import_is_a_recorded_workflow_step():
    story = import_package(package_data(status="draft", published_at=None)).story
    import_package(package_data())
    assert steps(story) == [
        ("import", "draft", "draft", None, ""),
        ("import", "draft", "published", None, ""),
    ]


def test_a_withdrawn_package_withdraws_the_story_with_its_public_reason():
    reason = "The survey it rests on was withdrawn by its authors."
    story = import_package(package_data(status="withdrawn", withdrawn_reason=reason)).story
    assert (story.status, story.withdrawn_reason) == ("withdrawn", reason)
    assert steps(story) == [("import", "draft", "withdrawn", None, reason)]


def test_a_published_story_can_be_taken_back_to_draft_by_its_package():
    story = import_package(package_data()).story
    story = import_package(package_data(status="draft", published_at=None)).story
    assert (story.status, story.published_at) == ("draft", None)
    assert steps(story)[-1][:3] == ("import", "published", "draft")


def test_reimporting_a_published_story_runs_the_publish_checks_again():
    import_package(package_data())
    problems = problems_of(package_data(key_points=["Only one."]))
    assert problems == ["publish check: At least 3 key points; the story has 1."]
    assert KeyPoint.objects.count() == 3  # nothing of the refused package was written


def test_an_importing_user_needs_the_right_to_publish(writer):
    problems = problems_of(package_data(status="draft", published_at=None), by=writer)
    assert problems == ["You are not allowed to import a story package."]
    assert not Story.objects.exists()


# Lead images travel as a file beside the package.


def with_image(data, path="photo.jpg"):
    data["image"] = {
        "path": path,
        "alt": "The wind farm's turbines at dusk",
        "caption": "Turbines off the coast, seen from the harbour wall.",
        "credit": "Photo: Factlen",
    }
    return data


def test_a_package_image_beside_it_is_stored_cleaned_with_its_words(tmp_path):
    from ..images import located_exif, picture

    (tmp_path / "photo.jpg").write_bytes(picture(1200, 800, exif=located_exif(orientation=6)))
    story = import_package(with_image(package_data()), folder=tmp_path).story
    assert story.image.name.startswith("lead-images/")
    assert (story.image_width, story.image_height) == (800, 1200)  # turned upright
    assert story.image_alt == "The wind farm's turbines at dusk"
    assert story.image_credit == "Photo: Factlen"
    with story.image.open("rb") as file:
        assert b"PhoneMaker" not in file.read()


def test_a_package_with_an_image_round_trips_through_export_files(tmp_path):
    from django.core.management import call_command

    from ..images import picture

    (tmp_path / "photo.jpg").write_bytes(picture(1200, 800))
    story = import_package(with_image(package_data()), folder=tmp_path).story
    out = tmp_path / "export"
    call_command("export_story", story.slug, to=str(out))
    first = (out / f"{story.slug}.json").read_text()
    assert f'"path": "{story.slug}.jpg"' in first
    before = export_package(story)
    # Into another site: the story is gone, its package and image come back.
    Story.objects.all().delete()
    call_command("import_story", str(out / f"{story.slug}.json"))
    again = Story.objects.get(slug=story.slug)
    assert (again.image_width, again.image_height) == (1200, 800)
    assert again.image_caption == "Turbines off the coast, seen from the harbour wall."
    assert export_package(again) == before
    # Imported again here, the same picture is not stored a second time.
    call_command("import_story", str(out / f"{story.slug}.json"))
    assert Story.objects.get(slug=story.slug).image.name == again.image.name


def test_a_package_without_its_image_removes_the_storys_image(tmp_path):
    from ..images import picture

    (tmp_path / "photo.jpg").write_bytes(picture(600, 400))
    import_package(with_image(package_data()), folder=tmp_path)
    story = import_package(package_data()).story
    assert not story.image
    assert story.image_alt == story.image_caption == story.image_credit == ""


@pytest.mark.parametrize(
    ("path", "content", "expected"),
    [
        ("photo.jpg", b"<html>not a picture</html>", "'photo.jpg': The file is not an image"),
        ("missing.jpg", None, "'missing.jpg' cannot be read"),
        ("../photo.jpg", None, "'../photo.jpg' is not a relative path inside the package"),
        ("/etc/passwd", None, "'/etc/passwd' is not a relative path inside the package"),
    ],
)
def test_an_image_failing_its_checks_refuses_the_whole_import_naming_its_path(
    tmp_path, path, content, expected
):
    if content is not None:
        (tmp_path / path).write_bytes(content)
    problems = problems_of(with_image(package_data(), path), folder=tmp_path)
    assert len(problems) == 1
    assert problems[0].startswith("image.path: ")
    assert expected in problems[0]
    assert_nothing_written()


def test_an_image_over_the_pixel_limit_refuses_the_import(tmp_path, settings):
    from ..images import picture

    settings.IMAGE_MAX_PIXELS = 100_000
    (tmp_path / "photo.jpg").write_bytes(picture(600, 400))
    (problem,) = problems_of(with_image(package_data()), folder=tmp_path)
    assert problem.startswith("image.path: 'photo.jpg': The image is 600 × 400 pixels")
    assert_nothing_written()


def test_a_symlink_out_of_the_package_folder_is_refused(tmp_path):
    from ..images import picture

    outside = tmp_path / "outside.jpg"
    outside.write_bytes(picture(600, 400))
    folder = tmp_path / "package"
    folder.mkdir()
    (folder / "photo.jpg").symlink_to(outside)
    (problem,) = problems_of(with_image(package_data()), folder=folder)
    assert problem == "image.path: 'photo.jpg' leads outside the package's folder"


def test_an_image_from_standard_input_is_refused_without_a_folder():
    (problem,) = problems_of(with_image(package_data()))
    assert "cannot carry an image file" in problem


def test_a_failed_import_leaves_no_stored_image_behind(tmp_path, media_root):
    from ..images import picture

    (tmp_path / "photo.jpg").write_bytes(picture(600, 400))
    data = with_image(package_data(status="published"))
    data["viewpoints"] = []  # fails the publish checks, after the story is saved
    problems_of(data, folder=tmp_path)
    assert_nothing_written()
    assert not [p for p in media_root.rglob("*") if p.is_file()]
