"""The editorial workflow: roles × transitions, publish checks, scheduling, history."""

import datetime

import pytest
from django.utils import timezone
from pytest_django.asserts import assertInHTML

from stories.models import Citation, KeyPoint, Story, Transition
from stories.publish_checks import run_checks
from stories.workflow import ACTIONS, TransitionRefused, allowed_actions, perform

from ..factories import SourceFactory, StoryFactory, complete_story
from ..html import attribute, elements, parse, text

pytestmark = pytest.mark.django_db
Status = Story.Status


@pytest.fixture
def draft(topic, writer):
    story = complete_story(topic=topic, slug="wendys-draft", status=Status.DRAFT, published_at=None)
    story.owner = writer
    story.save()
    KeyPoint.objects.create(story=story, position=9, text="One more point.")
    return Story.objects.get(pk=story.pk)


def state(story):
    return Story.objects.get(pk=story.pk).status


# Roles × transitions -------------------------------------------------------

ALLOWED = [
    ("writer-owner", "submit", Status.DRAFT, Status.IN_REVIEW),
    ("editor", "submit", Status.DRAFT, Status.IN_REVIEW),
    ("editor", "return", Status.IN_REVIEW, Status.DRAFT),
    ("editor", "publish", Status.IN_REVIEW, Status.PUBLISHED),
    ("editor", "publish", Status.DRAFT, Status.PUBLISHED),
    ("editor", "withdraw", Status.PUBLISHED, Status.WITHDRAWN),
]
REFUSED = [
    ("writer-other", "submit", Status.DRAFT, "Only the story's writer or an editor"),
    ("writer-owner", "return", Status.IN_REVIEW, "Returning a story to its writer needs an editor"),
    ("writer-owner", "publish", Status.DRAFT, "Publishing needs an editor"),
    ("writer-owner", "publish", Status.IN_REVIEW, "Publishing needs an editor"),
    ("writer-owner", "withdraw", Status.PUBLISHED, "Withdrawing a story needs an editor"),
    ("editor", "withdraw", Status.DRAFT, "not possible for a story that is draft"),
    ("editor", "return", Status.DRAFT, "not possible for a story that is draft"),
    ("editor", "submit", Status.PUBLISHED, "not possible for a story that is published"),
]


def actor(who, writer, other_writer, editor):
    return {"writer-owner": writer, "writer-other": other_writer, "editor": editor}[who]


@pytest.mark.parametrize(("who", "action", "start", "end"), ALLOWED)
def test_allowed_transitions_move_the_story_and_are_recorded(
    draft, writer, other_writer, editor, who, action, start, end
):
    Story.objects.filter(pk=draft.pk).update(
        status=start, published_at=timezone.now() if start == Status.PUBLISHED else None
    )
    user = actor(who, writer, other_writer, editor)
    transition = perform(draft, action, by=user, comment="Looks right to me.")
    assert state(draft) == end
    assert (transition.from_status, transition.to_status, transition.by) == (start, end, user)
    assert transition.comment == "Looks right to me."
    assert transition.at <= timezone.now()


@pytest.mark.parametrize(("who", "action", "start", "message"), REFUSED)
def test_refused_transitions_change_nothing_and_say_why(
    draft, writer, other_writer, editor, who, action, start, message
):
    Story.objects.filter(pk=draft.pk).update(
        status=start, published_at=timezone.now() if start == Status.PUBLISHED else None
    )
    with pytest.raises(TransitionRefused) as refusal:
        perform(draft, action, by=actor(who, writer, other_writer, editor), comment="c")
    assert any(message in problem for problem in refusal.value.problems), refusal.value.problems
    assert state(draft) == start
    assert not Transition.objects.filter(story=draft).exists()


def test_returning_a_story_needs_a_comment_for_the_writer(draft, writer, editor):
    perform(draft, "submit", by=writer)
    with pytest.raises(TransitionRefused, match="Say what the writer should change"):
        perform(draft, "return", by=editor, comment="  ")
    perform(draft, "return", by=editor, comment="Add the council's figures.")
    assert state(draft) == Status.DRAFT
    assert Transition.objects.filter(story=draft).last().comment == "Add the council's figures."


def test_withdrawing_records_the_public_reason(draft, editor, client):
    perform(draft, "publish", by=editor)
    perform(draft, "withdraw", by=editor, comment="The main document was forged.")
    story = Story.objects.get(pk=draft.pk)
    assert story.withdrawn_reason == "The main document was forged."
    response = client.get(story.get_absolute_url())
    assert response.status_code == 410
    assert "The main document was forged." in response.content.decode()


def test_writers_see_only_the_actions_open_to_them(draft, writer, other_writer, editor):
    assert [a.name for a in allowed_actions(writer, draft)] == ["submit"]
    assert allowed_actions(other_writer, draft) == []
    assert [a.name for a in allowed_actions(editor, draft)] == ["submit", "publish"]


# Scheduling ----------------------------------------------------------------


def test_a_story_scheduled_for_later_appears_at_its_time_with_nothing_run(draft, editor, client):
    later = timezone.now() + datetime.timedelta(hours=2)
    perform(draft, "publish", by=editor, published_at=later)
    assert state(draft) == Status.PUBLISHED
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert draft not in Story.objects.published()
    assert draft in Story.objects.published(at=later + datetime.timedelta(seconds=1))
    Story.objects.filter(pk=draft.pk).update(published_at=timezone.now())
    assert client.get(draft.get_absolute_url()).status_code == 200


# Publish checks: one rule at a time, pass and fail ------------------------


def result(story, rule):
    loaded = Story.objects.for_page().get(pk=story.pk)
    return next(r for r in run_checks(loaded) if r.rule == rule)


def test_the_complete_draft_passes_every_check(draft):
    loaded = Story.objects.for_page().get(pk=draft.pk)
    assert [r.rule for r in run_checks(loaded) if not r.passed] == []


def update(story, **fields):
    Story.objects.filter(pk=story.pk).update(**fields)


def add_paragraph(story, text):
    update(story, body=f"{story.body}\n\n{text}")


BREAKAGES = {
    "no why it matters": (
        "required_fields",
        lambda s: update(s, why_it_matters=""),
        "Missing: why it matters.",
    ),
    "blank label": ("required_fields", lambda s: update(s, label=" "), "Missing: label."),
    "one viewpoint": (
        "viewpoints",
        lambda s: s.viewpoints.exclude(position=0).delete(),
        "At least 2 viewpoints; the story has 1.",
    ),
    "viewpoint without holders": (
        "viewpoints",
        lambda s: s.viewpoints.filter(position=1).update(holders=""),
        "Viewpoint 2 has no holders.",
    ),
    "two key points": (
        "key_points",
        lambda s: s.key_points.exclude(position__in=[0, 1]).delete(),
        "At least 3 key points; the story has 2.",
    ),
    "marker without citation": (
        "markers",
        lambda s: add_paragraph(s, "New [9]."),
        "The body cites [9], but no citation is numbered 9.",
    ),
    "citation never cited": (
        "markers",
        lambda s: Citation.objects.create(story=s, source=SourceFactory(), number=4),
        "Citation 4 is never cited in the story.",
    ),
    "paragraph without marker": (
        "paragraph_markers",
        lambda s: add_paragraph(s, "An unsourced claim."),
        "Paragraph 3 cites no source: “An unsourced claim.”",
    ),
    "one source under two numbers": (
        "sources",
        lambda s: s.citations.filter(number=3).update(source=s.citations.get(number=1).source),
        "One source is cited as [1] and [3]: cite it under one number.",
    ),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_each_publish_check_fails_with_its_message(draft, editor, breakage):
    rule, breaks, message = BREAKAGES[breakage]
    assert result(draft, rule).passed
    breaks(draft)
    assert message in result(draft, rule).problems
    with pytest.raises(TransitionRefused) as refusal:
        perform(draft, "publish", by=editor)
    assert message in refusal.value.problems
    assert state(draft) == Status.DRAFT


def test_pull_quotes_and_headings_need_no_marker(draft):
    add_paragraph(draft, "## A heading\n\n> A quote worth pulling.")
    assert result(draft, "paragraph_markers").passed


def test_an_editor_may_override_one_failed_rule_with_a_reason(draft, editor):
    draft.key_points.exclude(position__in=[0, 1]).delete()
    add_paragraph(draft, "Unsourced.")
    with pytest.raises(TransitionRefused) as refusal:
        perform(
            draft, "publish", by=editor, overrides={"key_points": "Breaking news: two for now."}
        )
    # The other failed rule still holds the story back.
    assert "Paragraph 3 cites no source: “Unsourced.”" in refusal.value.problems
    assert not any("key points" in p for p in refusal.value.problems)
    transition = perform(
        draft,
        "publish",
        by=editor,
        overrides={
            "key_points": "Breaking news: two for now.",
            "paragraph_markers": "Sourced in the next update.",
        },
    )
    assert state(draft) == Status.PUBLISHED
    assert transition.overrides == [
        {"rule": "key_points", "reason": "Breaking news: two for now."},
        {"rule": "paragraph_markers", "reason": "Sourced in the next update."},
    ]


def test_an_empty_override_reason_overrides_nothing(draft, editor):
    draft.key_points.exclude(position__in=[0, 1]).delete()
    with pytest.raises(TransitionRefused):
        perform(draft, "publish", by=editor, overrides={"key_points": "   "})


# The admin: rules enforced where the write happens ------------------------


def test_a_writer_cannot_publish_by_forging_the_post(client, draft, writer):
    client.force_login(writer)
    response = client.post(
        f"/admin/stories/story/{draft.pk}/transition/publish/", {"published_at": ""}
    )
    assert response.status_code == 200
    assert "Publishing needs an editor: submit the story for review" in response.content.decode()
    assert state(draft) == Status.DRAFT


def test_a_writer_opening_publish_is_told_it_needs_an_editor_not_just_refused(
    client, draft, writer
):
    client.force_login(writer)
    html = client.get(f"/admin/stories/story/{draft.pk}/transition/publish/").content.decode()
    assert "Publishing needs an editor: submit the story for review" in html
    assert "You cannot do this now" not in html


def test_a_writer_cannot_edit_a_story_in_review(client, draft, writer):
    perform(draft, "submit", by=writer)
    client.force_login(writer)
    url = f"/admin/stories/story/{draft.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    response = client.post(url, {"title": "Changed behind the editor's back"})
    assert response.status_code == 403
    assert Story.objects.get(pk=draft.pk).title != "Changed behind the editor's back"


def test_a_writer_sees_only_their_own_and_assigned_stories(
    client, draft, writer, other_writer, topic
):
    other = StoryFactory(topic=topic, owner=other_writer, title="Walt's story")
    assigned = StoryFactory(
        topic=topic, owner=other_writer, assigned_to=writer, title="Shared story"
    )
    client.force_login(writer)
    listed = set(client.get("/admin/stories/story/").context["cl"].result_list)
    assert listed == {draft, assigned}
    assert client.get(f"/admin/stories/story/{other.pk}/change/").status_code == 302


def test_an_editor_publishes_through_the_confirmation_page(client, draft, editor):
    client.force_login(editor)
    url = f"/admin/stories/story/{draft.pk}/transition/publish/"
    page = client.get(url).content.decode()
    assertInHTML(
        "<p><strong>What this does:</strong> the story goes from <em>Draft</em> to "
        "<em>Published</em>. Readers see it from the published time: now, or later if "
        "scheduled.</p>",
        page,
        count=1,
    )
    response = client.post(url, {"published_at": "2026-11-20T09:00", "comment": "Go."})
    assert response.status_code == 302
    story = Story.objects.get(pk=draft.pk)
    assert story.status == Status.PUBLISHED
    assert story.published_at.year == 2026


def test_the_change_form_shows_the_checklist_and_history(client, draft, writer, editor):
    perform(draft, "submit", by=writer, comment="Ready.")
    client.force_login(editor)
    html = client.get(f"/admin/stories/story/{draft.pk}/change/").content.decode()
    checklist = elements(parse(html), "ul", class_="checklist")[0]
    assert [attribute(li, "class") for li in elements(checklist, "li")] == ["check-pass"] * 10
    assert "Draft → In review by wendy — “Ready.”" in html
    buttons = [text(a) for a in elements(parse(html), "a", class_="button")]
    assert "Publish or schedule" in buttons and "Return to writer" in buttons


def test_the_review_queue_lists_stories_in_review_oldest_first(client, topic, writer, editor):
    first = complete_story(topic=topic, status=Status.DRAFT, published_at=None, owner=writer)
    second = complete_story(topic=topic, status=Status.DRAFT, published_at=None, owner=writer)
    perform(second, "submit", by=writer)
    perform(first, "submit", by=writer)
    client.force_login(editor)
    queue = client.get("/admin/stories/reviewqueue/").context["cl"].result_list
    assert [s.pk for s in queue] == [second.pk, first.pk]
    client.force_login(writer)
    assert client.get("/admin/stories/reviewqueue/").status_code == 403


def test_bulk_publish_reports_what_it_did(client, draft, editor, topic):
    broken = StoryFactory(topic=topic, status=Status.DRAFT, published_at=None, title="Thin")
    client.force_login(editor)
    response = client.post(
        "/admin/stories/story/",
        {"action": "publish_selected", "_selected_action": [draft.pk, broken.pk]},
        follow=True,
    )
    html = response.content.decode()
    assert f"Published 1: {draft.title}." in html
    assert "Not published, “Thin”: Name at least one author" in html
    assert "At least 2 viewpoints" in html
    assert state(draft) == Status.PUBLISHED and state(broken) == Status.DRAFT


def test_a_new_story_belongs_to_the_writer_who_made_it(client, writer, topic):
    client.force_login(writer)
    data = {
        "title": "Wendy's story", "slug": "wendys-story", "dek": "d", "topic": topic.pk,
        "label": "l", "why_it_matters": "", "body": "",
    }  # fmt: skip
    for prefix in ("story_authors", "viewpoints", "key_points", "timeline_events", "open_questions",
                   "citations", "corrections"):  # fmt: skip
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    response = client.post("/admin/stories/story/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    story = Story.objects.get(slug="wendys-story")
    assert (story.owner, story.status) == (writer, Status.DRAFT)


def test_createstaff_makes_a_writer_or_an_editor():
    from django.core.management import call_command

    call_command("createstaff", "dana", "--role", "editor", "--password", "long enough pass 1")
    call_command("createstaff", "finn", "--role", "writer", "--password", "long enough pass 2")
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    assert users.get(username="dana").has_perm("stories.publish_story")
    assert not users.get(username="finn").has_perm("stories.publish_story")
    assert users.get(username="finn").has_perm("stories.add_story")
    assert users.get(username="finn").is_staff


def test_every_step_the_workflow_records_is_a_choice_of_transition_action():
    from stories.workflow import ACTIONS, IMPORT

    assert {*ACTIONS, IMPORT.name} == set(Transition.Action.values)


def test_the_admin_has_no_page_for_the_import_step(client, draft, editor):
    client.force_login(editor)
    assert client.get(f"/admin/stories/story/{draft.pk}/transition/import/").status_code == 404


def test_the_confirmation_page_says_when_a_time_is_not_one(client, draft, editor):
    client.force_login(editor)
    url = f"/admin/stories/story/{draft.pk}/transition/publish/"
    response = client.post(url, {"published_at": "next Tuesday"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "published_at": ["The published time is not a date and time."]
    }
    assert state(draft) == Status.DRAFT


def test_an_editor_publishes_past_a_failed_check_from_the_confirmation_page(client, draft, editor):
    draft.key_points.exclude(position__in=[0, 1]).delete()
    client.force_login(editor)
    url = f"/admin/stories/story/{draft.pk}/transition/publish/"
    page = client.get(url)
    assert list(page.context["form"].fields) == ["published_at", "override_key_points", "comment"]
    reason = "Breaking news: two for now."
    response = client.post(url, {"published_at": "", "override_key_points": reason})
    assert response.status_code == 302
    assert state(draft) == Status.PUBLISHED
    assert Transition.objects.get(story=draft).overrides == [
        {"rule": "key_points", "reason": reason}
    ]


def test_a_writer_is_offered_no_override_to_give(client, draft, writer):
    draft.key_points.exclude(position__in=[0, 1]).delete()
    client.force_login(writer)
    page = client.get(f"/admin/stories/story/{draft.pk}/transition/publish/")
    assert list(page.context["form"].fields) == ["published_at", "comment"]
    assert page.context["refused"] == [ACTIONS["publish"].refused]


def test_a_writer_opening_a_colleague_s_story_is_told_whose_it_is(client, draft, other_writer):
    client.force_login(other_writer)
    response = client.get(f"/admin/stories/story/{draft.pk}/change/", follow=True)
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/admin/stories/story/"
    assert f"Story {draft.pk} belongs to someone else (wendy)" in html
    assert "Ask an editor to assign it to you." in html
    assert "doesn’t exist" not in html
    assert draft.title not in html


def test_a_story_that_does_not_exist_is_still_said_not_to(client, other_writer):
    client.force_login(other_writer)
    html = client.get("/admin/stories/story/999999/change/", follow=True).content.decode()
    assert "doesn’t exist" in html
