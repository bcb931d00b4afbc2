import io
import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from stories.models import Story

from ..factories import package_data

pytestmark = pytest.mark.django_db


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def run(*args, stdin=None):
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        sys_stdin, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        call_command(*args, stdout=out, stderr=err)
    finally:
        if stdin is not None:
            sys.stdin = sys_stdin
    return out.getvalue(), err.getvalue()


def test_import_story_reports_what_it_created(tmp_path):
    out, _ = run("import_story", write(tmp_path, "a.json", package_data()))
    assert out.strip() == "Created harbour-wind-lease (energy, published)"
    out, _ = run("import_story", write(tmp_path, "a.json", package_data()))
    assert out.strip() == "Updated harbour-wind-lease (energy, published)"


def test_import_story_reads_standard_input():
    out, _ = run("import_story", "-", stdin=json.dumps(package_data()))
    assert "Created harbour-wind-lease" in out
    assert Story.objects.count() == 1


def test_each_file_is_atomic_and_a_failure_makes_the_command_fail(tmp_path):
    good = write(tmp_path, "good.json", package_data())
    bad_data = package_data(slug="bad-one")
    bad_data["sources"][0]["url"] = "mailto:desk@example.org"
    bad = write(tmp_path, "bad.json", bad_data)
    broken = write(tmp_path, "broken.json", '{"format": "factlen.story/1", ')
    with pytest.raises(CommandError, match="2 of 3 package"):
        run("import_story", bad, good, broken)
    assert list(Story.objects.values_list("slug", flat=True)) == ["harbour-wind-lease"]


def test_problems_are_printed_one_per_line_with_the_file_name(tmp_path, capsys):
    bad_data = package_data(title="")
    bad_data["sources"][1]["url"] = "nope"
    bad = write(tmp_path, "bad.json", bad_data)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_story", bad, stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().strip().splitlines()
    assert lines == [
        f"{bad}: title: must not be empty",
        f"{bad}: sources[1].url: not a URL (it needs to start with https:// or http://)",
    ]


def test_invalid_json_is_reported_with_its_position(tmp_path):
    broken = write(tmp_path, "broken.json", '{"slug": "x",\n  oops}')
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_story", broken, stdout=io.StringIO(), stderr=err)
    assert f"{broken}: not valid JSON: Expecting property name" in err.getvalue()
    assert "(line 2, column 3)" in err.getvalue()


def test_a_missing_file_is_reported_not_raised(tmp_path):
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_story", str(tmp_path / "nope.json"), stderr=err)
    assert "cannot read the file" in err.getvalue()


def test_export_story_prints_the_package(tmp_path):
    run("import_story", write(tmp_path, "a.json", package_data()))
    out, _ = run("export_story", "harbour-wind-lease")
    assert json.loads(out) == package_data()


def test_export_of_an_unknown_slug_fails_clearly():
    with pytest.raises(CommandError, match="No story has the slug 'nope'"):
        run("export_story", "nope")


def test_import_story_exits_non_zero_from_the_shell(tmp_path):
    """The exit code is what scripts see: checked through a real process."""
    bad = write(tmp_path, "bad.json", package_data(status="live"))
    result = subprocess.run(
        [sys.executable, "manage.py", "import_story", bad],
        capture_output=True,
        text=True,
        env={"DEBUG": "true", "DATABASE_URL": "sqlite://:memory:", "PATH": ""},
        check=False,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode != 0
    assert "status: 'live' is not a status" in result.stderr


def test_publishing_by_import_runs_the_publish_checks(tmp_path):
    thin = package_data(key_points=["Only one."])
    path = write(tmp_path, "thin.json", thin)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_story", path, stdout=io.StringIO(), stderr=err)
    assert f"{path}: publish check: At least 3 key points; the story has 1." in err.getvalue()
    assert not Story.objects.exists()


def test_skip_checks_publishes_and_records_it_in_the_history(tmp_path):
    from stories.models import Transition

    path = write(tmp_path, "thin.json", package_data(key_points=["Only one."]))
    out, _ = run("import_story", "--skip-checks", path)
    assert "Created harbour-wind-lease (energy, published)" in out
    transition = Transition.objects.get(story__slug="harbour-wind-lease")
    assert (transition.action, transition.to_status) == ("import", "published")
    assert transition.overrides == [
        {"rule": "key_points", "reason": "imported with import_story --skip-checks"}
    ]
