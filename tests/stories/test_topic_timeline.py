"""The topic timeline: every live story's events in the topic, merged and in date order."""

import pytest
from django.core.exceptions import ValidationError

from stories.models import Story, TimelineEvent
from stories.packages import PackageInvalid, import_package
from stories.partial_dates import PartialDate

from ..factories import StoryFactory, TopicFactory, package_data
from ..html import attribute, elements, parse, text

pytestmark = pytest.mark.django_db


def event(story, when, words):
    date = PartialDate.parse(when)
    return TimelineEvent.objects.create(
        story=story, date=date.date, precision=date.precision, text=words
    )


@pytest.fixture
def stories(topic):
    first = StoryFactory(topic=topic, title="Depot plan")
    second = StoryFactory(topic=topic, title="Depot vote")
    event(first, "2024-03-05", "Council publishes the depot plan [1].")
    event(second, "2024-03-05", "council publishes  the depot plan")  # the same event
    event(first, "2024-03", "Consultation opens.")
    event(second, "2024", "Budget set.")
    event(second, "2024-02-10", "Survey results.")
    draft = StoryFactory(topic=topic, draft=True, title="Unpublished")
    event(draft, "2023", "A draft's event.")
    event(StoryFactory(topic=TopicFactory(), title="Elsewhere"), "2022", "Another topic.")
    return first, second


def rows(client, url):
    page = parse(client.get(url).content.decode())
    items = elements(elements(page, "section", class_="timeline")[0], "li")
    return [
        (text(elements(li, "time")[0]), text(elements(li, "p")[0]), text(elements(li, "p")[1]))
        for li in items
    ]


def test_events_of_live_stories_are_merged_oldest_first(client, topic, stories):
    assert rows(client, f"/{topic.slug}/timeline/") == [
        ("2024", "Budget set.", "Depot vote"),
        ("10 Feb 2024", "Survey results.", "Depot vote"),
        ("Mar 2024", "Consultation opens.", "Depot plan"),
        # The first story's words, its marker kept (a <sup>: text() spaces it out).
        ("5 Mar 2024", "Council publishes the depot plan [1] .", "Depot plan · Depot vote"),
    ]


def test_newest_first_reverses_the_order(client, topic, stories):
    listed = rows(client, f"/{topic.slug}/timeline/?order=newest")
    assert [when for when, _, _ in listed] == ["5 Mar 2024", "Mar 2024", "10 Feb 2024", "2024"]


def test_each_event_links_to_the_stories_that_tell_it(client, topic, stories):
    page = parse(client.get(f"/{topic.slug}/timeline/").content.decode())
    links = elements(page, "p", class_="timeline-stories")[-1]
    hrefs = [attribute(a, "href") for a in elements(links, "a")]
    assert hrefs == [s.get_absolute_url() for s in stories]


def test_an_unknown_topic_has_no_timeline(client, db):
    assert client.get("/no-such-topic/timeline/").status_code == 404


def test_no_story_may_take_the_timeline_address(topic):
    story = StoryFactory.build(topic=topic, slug="timeline")
    with pytest.raises(ValidationError):
        story.full_clean(exclude=["tags"])
    assert Story.objects.count() == 0


def test_a_package_may_not_take_the_timeline_address():
    with pytest.raises(PackageInvalid) as error:
        import_package(package_data(slug="timeline"))
    assert error.value.problems == [
        "slug: “timeline” is a topic page's address; choose another slug for this story."
    ]
