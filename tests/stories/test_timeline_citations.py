"""Timeline events cite the story's sources with [n], checked before publishing."""

import pytest

from stories.models import Story
from stories.workflow import TransitionRefused, perform

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(published_story):
    published_story.status, published_story.published_at = Story.Status.DRAFT, None
    published_story.save()
    return published_story


def test_a_timeline_marker_with_no_citation_refuses_publishing(draft, editor):
    event = draft.timeline_events.first()
    event.text = "Council votes [7]."
    event.save()
    with pytest.raises(TransitionRefused) as refusal:
        perform(Story.objects.get(pk=draft.pk), "publish", by=editor)
    failed = {result.rule: result.problems for result in refusal.value.checks}
    assert failed == {
        "timeline_markers": [
            "The timeline event “Council votes [7].” cites [7], but no citation is numbered 7."
        ]
    }


def test_a_source_cited_only_by_the_timeline_counts_as_cited(draft, editor):
    draft.body = "Only the first source here [1]."
    draft.save()
    for viewpoint in draft.viewpoints.all():
        viewpoint.detail = "Cites the first [1]."
        viewpoint.sign_off(by=None, name="desk-editor")
        viewpoint.save()
    first, second, _ = draft.timeline_events.all()
    first.text, second.text = "Study published [2].", "Vote held [3]."
    first.save()
    second.save()
    perform(Story.objects.get(pk=draft.pk), "publish", by=editor)
