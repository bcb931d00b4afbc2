"""The change page's checklist follows the form as typed: the checks endpoint
runs the publish checks on the posted form, saving nothing."""

import pytest

from stories.models import Story

from ..factories import complete_story
from .test_locking import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(topic):
    return complete_story(topic=topic, size=3)


def checks(client, story, data):
    response = client.post(f"/admin/stories/story/{story.pk}/checks/", data)
    assert response.status_code == 200
    return {c["rule"]: c for c in response.json()["checks"]}


def opened(client, story):
    return form_data(client.get(f"/admin/stories/story/{story.pk}/change/"))


def test_the_checks_pass_for_the_form_as_saved(editor_client, story):
    results = checks(editor_client, story, opened(editor_client, story))
    assert [rule for rule, c in results.items() if not c["passed"]] == []


def test_the_checks_see_what_was_typed_and_save_nothing(editor_client, story):
    data = opened(editor_client, story)
    data["dek"] = "   "
    data["body"] += "\n\nA new paragraph that cites [9]."
    data["viewpoints-1-DELETE"] = "on"
    data["viewpoints-2-DELETE"] = "on"
    data["key_points-0-text"] = ""  # an invalid row counts for nothing
    results = checks(editor_client, story, data)
    assert results["required_fields"]["problems"] == ["Missing: dek."]
    assert results["viewpoints"]["problems"] == ["At least 2 viewpoints; the story has 1."]
    assert results["key_points"]["problems"] == ["At least 3 key points; the story has 2."]
    assert not results["markers"]["passed"]
    assert results["sources"]["passed"]
    unchanged = Story.objects.get(pk=story.pk)
    assert unchanged.dek == story.dek and unchanged.body == story.body
    assert unchanged.viewpoints.count() == 3


def test_a_writer_cannot_check_a_colleague_s_story(client, other_writer, story):
    client.force_login(other_writer)
    response = client.post(f"/admin/stories/story/{story.pk}/checks/", {})
    assert response.status_code == 404


def test_the_checks_endpoint_takes_only_posts(editor_client, story):
    assert editor_client.get(f"/admin/stories/story/{story.pk}/checks/").status_code == 403
