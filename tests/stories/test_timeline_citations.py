"""Timeline events cite the story's sources with [n], checked before publishing."""

import pytest

from stories.models import Story
from stories.workflow import TransitionRefused, perform

from ..html import attribute, elements, parse, text

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


def timeline_links(page):
    section = elements(parse(page), "section", class_="timeline")[0]
    return [
        (attribute(a, "href"), attribute(a, "aria-label"), text(a))
        for sup in elements(section, "sup", class_="cite")
        for a in elements(sup, "a")
    ]


def test_the_story_page_links_timeline_markers_to_its_sources(client, published_story):
    first, second, _ = published_story.timeline_events.all()
    first.text, second.text = "Study published [2].", "Vote held [9] <b>loudly</b>."
    first.save()
    second.save()
    page = client.get(published_story.get_absolute_url()).content.decode()
    outlet = published_story.citations.get(number=2).source.outlet.name
    assert timeline_links(page) == [("#source-2", f"Source 2: {outlet}", "[2]")]
    assert '<sup class="cite cite-missing">[9]</sup>' in page, "an unknown marker links nowhere"
    assert "&lt;b&gt;loudly&lt;/b&gt;" in page
    assert 'id="source-2"' in page


def test_the_topic_timeline_links_markers_to_the_telling_storys_source_list(
    client, published_story
):
    event = published_story.timeline_events.first()
    event.text = "Study published [3]."
    event.save()
    page = client.get(f"/{published_story.topic.slug}/timeline/").content.decode()
    outlet = published_story.citations.get(number=3).source.outlet.name
    assert timeline_links(page) == [
        (f"{published_story.get_absolute_url()}#source-3", f"Source 3: {outlet}", "[3]")
    ]
