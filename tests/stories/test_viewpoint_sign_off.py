"""Viewpoints signed off as fair by an editor other than the story's writer, and
each citing a source: in the admin, the publish checks, the story page and packages."""

import copy

import pytest
from django.test import Client

from stories.models import Story, Viewpoint
from stories.packages import PackageInvalid, export_package, import_package
from stories.roles import EDITOR
from stories.workflow import TransitionRefused, perform

from ..factories import complete_story, newsroom_member, package_data
from ..html import attribute, elements, parse, text
from .test_admin import errors_of
from .test_locking import form_data

pytestmark = pytest.mark.django_db
Status = Story.Status


@pytest.fixture
def unsigned_draft(topic, writer):
    """Wendy's complete draft, its viewpoints not yet signed off."""
    story = complete_story(
        topic=topic, slug="unsigned", status=Status.DRAFT, published_at=None, owner=writer
    )
    Viewpoint.objects.filter(story=story).update(
        signed_off_at=None, signed_off_by_name="", signed_off_hash=""
    )
    return story


def change_form_post(user, story, **changes):
    client = Client()
    client.force_login(user)
    url = f"/admin/stories/story/{story.pk}/change/"
    data = form_data(client.get(url)) | changes
    return client.post(url, data)


def failed_rules(story):
    with pytest.raises(TransitionRefused) as refusal:
        perform(Story.objects.get(pk=story.pk), "publish", by=newsroom_member("pat", EDITOR))
    return {result.rule: result.problems for result in refusal.value.checks}


def test_an_editor_signs_off_a_viewpoint_recording_who_and_when(unsigned_draft, editor):
    response = change_form_post(editor, unsigned_draft, **{"viewpoints-0-sign_off": "on"})
    assert response.status_code == 302, errors_of(response)
    first, second, _ = unsigned_draft.viewpoints.all()
    assert first.signed_off_by == editor and first.signed_off_by_name == "erin"
    assert first.signed_off_at is not None and first.is_signed_off
    assert second.signed_off_at is None and not second.is_signed_off


def test_the_change_form_says_who_signed_off_each_viewpoint(unsigned_draft, editor):
    response = change_form_post(editor, unsigned_draft, **{"viewpoints-1-sign_off": "on"})
    assert response.status_code == 302, errors_of(response)
    client = Client()
    client.force_login(editor)
    html = client.get(f"/admin/stories/story/{unsigned_draft.pk}/change/").content.decode()
    # Each row's box, with its readonly status inside.
    rows = elements(parse(html), "div", class_="field-sign_off_status")[::2]
    statuses = [text(row) for row in rows]
    assert "Sign-off: Not signed off" in statuses[0]
    assert "Sign-off: Signed off by erin on " in statuses[1]


def test_the_storys_writer_may_not_sign_off_its_viewpoints(topic):
    author = newsroom_member("ada", EDITOR)
    story = complete_story(
        topic=topic, slug="adas", status=Status.DRAFT, published_at=None, owner=author
    )
    Viewpoint.objects.filter(story=story).update(signed_off_at=None, signed_off_hash="")
    response = change_form_post(author, story, **{"viewpoints-0-sign_off": "on"})
    assert "You wrote this story: another editor signs off its viewpoints." in str(
        response.content.decode()
    )
    assert story.viewpoints.filter(signed_off_at__isnull=False).count() == 0


def test_a_writer_sees_no_sign_off_box_and_cannot_post_one(unsigned_draft, writer, other_writer):
    unsigned_draft.assigned_to = other_writer
    unsigned_draft.save()
    client = Client()
    client.force_login(other_writer)
    page = parse(client.get(f"/admin/stories/story/{unsigned_draft.pk}/change/").content.decode())
    assert not elements(page, "input", name="viewpoints-0-sign_off")
    assert elements(page, "div", class_="field-sign_off_status")
    change_form_post(other_writer, unsigned_draft, **{"viewpoints-0-sign_off": "on"})
    assert unsigned_draft.viewpoints.filter(signed_off_at__isnull=False).count() == 0


def test_publishing_is_refused_while_a_viewpoint_is_unsigned(unsigned_draft):
    problems = failed_rules(unsigned_draft)["viewpoint_sign_offs"]
    assert problems[0] == "Viewpoint 1 (“Position 0”) is not signed off as fair by an editor."
    assert len(problems) == 3


def test_a_viewpoint_edited_after_its_sign_off_needs_it_again(published_story, editor):
    published_story.status, published_story.published_at = Status.DRAFT, None
    published_story.save()
    viewpoint = published_story.viewpoints.first()
    viewpoint.summary = "A different summary."
    viewpoint.save()
    assert failed_rules(published_story)["viewpoint_sign_offs"] == [
        "Viewpoint 1 (“Position 0”) changed after desk-editor signed it off: "
        "it needs signing off again."
    ]
    viewpoint.sign_off(by=editor)
    viewpoint.save()
    perform(Story.objects.get(pk=published_story.pk), "publish", by=editor)


def test_a_sign_off_by_the_writers_account_does_not_count(unsigned_draft, writer):
    for viewpoint in unsigned_draft.viewpoints.all():
        viewpoint.sign_off(by=writer)
        viewpoint.save()
    problems = failed_rules(unsigned_draft)["viewpoint_sign_offs"]
    assert problems[0] == (
        "Viewpoint 1 (“Position 0”) was signed off by the story's writer; "
        "another editor must sign it off."
    )


def test_an_editor_may_publish_past_unsigned_viewpoints_with_a_reason(unsigned_draft, editor):
    reason = "Both sides reviewed by the standards desk by phone."
    transition = perform(
        unsigned_draft, "publish", by=editor, overrides={"viewpoint_sign_offs": reason}
    )
    assert transition.story.status == Status.PUBLISHED
    assert transition.overrides == [{"rule": "viewpoint_sign_offs", "reason": reason}]


def test_every_viewpoint_must_cite_a_source_that_exists(published_story):
    published_story.status, published_story.published_at = Status.DRAFT, None
    published_story.save()
    first, second, _ = published_story.viewpoints.all()
    first.detail, second.detail = "No marker here.", "Cites a missing one [9]."
    for viewpoint in (first, second):
        viewpoint.sign_off(by=None, name="desk-editor")
        viewpoint.save()
    assert failed_rules(published_story)["viewpoint_sources"] == [
        "Viewpoint 1 (“Position 0”) cites no source: add a [n].",
        "Viewpoint 2 (“Position 1”) cites [9], but no citation is numbered 9.",
    ]


def test_a_source_cited_only_by_a_viewpoint_counts_as_cited(published_story, editor):
    published_story.status, published_story.published_at = Status.DRAFT, None
    published_story.body = "Only the first source here [1]."
    published_story.save()
    # Sources 2 and 3 are cited by the second and third viewpoints alone.
    perform(Story.objects.get(pk=published_story.pk), "publish", by=editor)


def test_the_story_page_lists_each_viewpoints_sources_under_it(client, published_story):
    page = parse(client.get(published_story.get_absolute_url()).content.decode())
    lists = elements(page, "div", class_="viewpoint-sources")
    assert len(lists) == 3
    citation = published_story.citations.get(number=2)
    links = elements(lists[1], "a")
    assert [attribute(a, "href") for a in links] == ["#source-2"]
    assert citation.source.title in text(lists[1])


def test_a_viewpoint_s_markers_link_to_the_story_s_sources_as_the_body_s_do(
    client, published_story
):
    viewpoint = published_story.viewpoints.first()
    viewpoint.detail = "First paragraph [2].\n\nSecond, with <b>tags</b> kept as text [9]."
    viewpoint.save(update_fields=["detail"])
    page = parse(client.get(published_story.get_absolute_url()).content.decode())
    section = elements(page, "section", class_="viewpoint")[0]
    paragraphs = [p for p in elements(section, "p") if "paragraph" in text(p) or "tags" in text(p)]
    assert len(paragraphs) == 2
    outlet = published_story.citations.get(number=2).source.outlet.name
    markers = [
        (attribute(a, "href"), attribute(a, "aria-label")) for a in elements(paragraphs[0], "a")
    ]
    assert markers == [("#source-2", f"Source 2: {outlet}")]
    assert elements(paragraphs[1], "b") == [], "an editor's markup stays text"
    assert "<b>tags</b>" in text(paragraphs[1])
    assert elements(paragraphs[1], "a") == [], "a marker with no citation links nowhere"


def test_a_package_carries_its_sign_offs_and_round_trips():
    story = import_package(package_data()).story
    viewpoint = story.viewpoints.first()
    assert viewpoint.signed_off_by_name == "desk-editor" and viewpoint.is_signed_off
    assert viewpoint.signed_off_by is None  # no such account on this site
    exported = export_package(story)
    assert exported["viewpoints"][0]["signed_off_by"] == "desk-editor"
    assert exported["viewpoints"][0]["signed_off_at"] == "2026-11-19T16:00:00Z"
    assert export_package(import_package(copy.deepcopy(exported)).story) == exported


def test_a_package_sign_off_names_the_account_when_there_is_one(editor):
    data = package_data()
    data["viewpoints"][0]["signed_off_by"] = "erin"
    assert import_package(data).story.viewpoints.first().signed_off_by == editor


def test_a_published_package_without_sign_offs_is_refused_like_any_failed_check():
    data = package_data()
    for viewpoint in data["viewpoints"]:
        del viewpoint["signed_off_by"], viewpoint["signed_off_at"]
    with pytest.raises(PackageInvalid) as error:
        import_package(data)
    assert error.value.problems == [
        "publish check: Viewpoint 1 (“Build Faster”) is not signed off as fair by an editor.",
        "publish check: Viewpoint 2 (“Fish First”) is not signed off as fair by an editor.",
    ]
    assert not Story.objects.exists()
    story = import_package(data, skip_checks=True).story
    assert story.status == Status.PUBLISHED
    skipped = {"rule": "viewpoint_sign_offs", "reason": "imported with import_story --skip-checks"}
    assert skipped in story.transitions.get().overrides


def test_a_sign_off_without_its_time_is_refused_with_its_path():
    data = package_data()
    del data["viewpoints"][1]["signed_off_at"]
    with pytest.raises(PackageInvalid) as error:
        import_package(data)
    assert any(p.startswith("viewpoints[1]") for p in error.value.problems)
