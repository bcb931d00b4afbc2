"""The add and change pages' checklist follows the form as typed: the checks
endpoints run the publish checks on the posted form, saving nothing."""

import pytest

from stories.models import Story

from ..factories import SourceFactory, UserFactory, complete_story
from ..html import attribute, elements, parse
from .test_admin import full_story_form
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


def test_a_new_story_s_checklist_shows_what_it_needs(editor_client):
    page = parse(editor_client.get("/admin/stories/story/add/").content.decode())
    checklist = elements(page, "ul", class_="checklist")[0]
    assert attribute(checklist, "data-checks-url") == "/admin/stories/story/add/checks/"
    failing = [attribute(li, "data-rule") for li in elements(checklist, "li", class_="check-fail")]
    assert {"required_fields", "authors", "viewpoints", "key_points"} <= set(failing)


def test_the_add_page_checks_see_what_was_typed_and_save_nothing(editor_client, topic):
    data = full_story_form(topic, [SourceFactory(), SourceFactory()])
    results = editor_client.post("/admin/stories/story/add/checks/", data).json()["checks"]
    by_rule = {c["rule"]: c for c in results}
    assert by_rule["authors"]["passed"] and by_rule["required_fields"]["passed"]
    assert by_rule["key_points"]["passed"] and by_rule["markers"]["passed"]
    # A new story's viewpoints are not signed off yet: the one rule left.
    assert [c["rule"] for c in results if not c["passed"]] == ["viewpoint_sign_offs"]
    data["story_authors-TOTAL_FORMS"] = "0"
    again = editor_client.post("/admin/stories/story/add/checks/", data).json()["checks"]
    assert [c["problems"] for c in again if c["rule"] == "authors"] == [
        ["Name at least one author: readers see who wrote the story."]
    ]
    assert not Story.objects.exists()


def test_the_add_page_checks_need_the_right_to_add_and_a_post(client, editor_client):
    assert editor_client.get("/admin/stories/story/add/checks/").status_code == 403
    client.force_login(UserFactory(username="staff-only", is_staff=True))
    assert client.post("/admin/stories/story/add/checks/", {}).status_code == 403
