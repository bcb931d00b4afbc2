"""The counts pages show are kept exact through every kind of change."""

import datetime

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from sources.models import Outlet
from stories.counts import recount_all, scheduled_by_outlet
from stories.models import Citation, Story, Topic
from stories.packages import import_package
from stories.workflow import perform

from ..factories import OutletFactory, SourceFactory, StoryFactory, complete_story, package_data

pytestmark = pytest.mark.django_db


def counted_from_rows():
    """Live counts computed the slow way, from every row."""
    now = timezone.now()
    live = Q(stories__status=Story.Status.PUBLISHED, stories__published_at__lte=now)
    topics = dict(Topic.objects.annotate(n=Count("stories", filter=live)).values_list("pk", "n"))
    outlets = {
        outlet.pk: Story.objects.published(at=now)
        .filter(citations__source__outlet=outlet)
        .distinct()
        .count()
        for outlet in Outlet.objects.all()
    }
    sources = dict(Story.objects.annotate(n=Count("citations")).values_list("pk", "n"))
    return topics, outlets, sources


def kept():
    topics = {topic.pk: topic.published_count for topic in Topic.objects.counted()}
    counted = Outlet.objects.counted(scheduled=scheduled_by_outlet())
    outlets = {outlet.pk: outlet.story_count for outlet in counted}
    sources = dict(Story.objects.values_list("pk", "source_count"))
    return topics, outlets, sources


def topic_count(pk, **at):
    return Topic.objects.filter(pk=pk).counted(**at)[0].published_count


def outlet_count(pk):
    outlets = Outlet.objects.filter(pk=pk).counted(scheduled=scheduled_by_outlet())
    return outlets[0].story_count


def assert_kept_counts_are_exact():
    assert kept() == counted_from_rows()


def test_counts_follow_publish_withdraw_and_a_topic_move(editor, topic):
    story = complete_story(topic=topic, draft=True)
    assert_kept_counts_are_exact()
    perform(story, "publish", by=editor)
    assert topic_count(topic.pk) == 1
    assert_kept_counts_are_exact()
    other = StoryFactory().topic
    story.refresh_from_db()
    story.topic = other
    story.save()
    assert_kept_counts_are_exact()
    perform(story, "withdraw", by=editor, comment="Wrong.")
    assert_kept_counts_are_exact()


def test_counts_follow_citations_added_moved_and_removed(topic):
    story = complete_story(topic=topic, size=2)
    outlet = OutletFactory()
    citation = Citation.objects.create(story=story, source=SourceFactory(outlet=outlet), number=3)
    assert outlet_count(outlet.pk) == 1
    assert_kept_counts_are_exact()
    citation.source = story.citations.first().source
    citation.save()
    assert outlet_count(outlet.pk) == 0
    assert_kept_counts_are_exact()
    citation.delete()
    assert_kept_counts_are_exact()


def test_a_story_keeps_its_citation_count_through_adds_moves_and_removals(topic):
    story = complete_story(topic=topic, size=2)
    other = complete_story(topic=topic, size=1)
    citation = Citation.objects.create(story=story, source=SourceFactory(), number=3)
    assert Story.objects.get(pk=story.pk).source_count == 3
    citation.story, citation.number = other, 2
    citation.save()
    assert Story.objects.get(pk=story.pk).source_count == 2
    assert Story.objects.get(pk=other.pk).source_count == 2
    citation.delete()
    assert Story.objects.get(pk=other.pk).source_count == 1
    assert_kept_counts_are_exact()


def test_saving_a_story_loaded_before_its_citations_changed_keeps_the_new_count(topic):
    story = complete_story(topic=topic, size=2)
    stale = Story.objects.get(pk=story.pk)
    Citation.objects.create(story=story, source=SourceFactory(), number=3)
    stale.title = "A new headline"
    stale.save()
    saved = Story.objects.get(pk=story.pk)
    assert (saved.title, saved.source_count) == ("A new headline", 3)


def test_a_story_citing_an_outlet_twice_counts_once(topic):
    outlet = OutletFactory()
    story = complete_story(topic=topic, size=1)
    for number in (2, 3):
        Citation.objects.create(story=story, source=SourceFactory(outlet=outlet), number=number)
    assert outlet_count(outlet.pk) == 1


def test_counts_follow_a_source_moving_outlet_and_an_outlet_merge(topic):
    story = complete_story(topic=topic, size=3)
    sources = [c.source for c in story.citations.all()]
    sources[0].outlet = sources[1].outlet
    sources[0].save()
    assert_kept_counts_are_exact()
    target = sources[2].outlet
    target.merge([sources[1].outlet])
    assert outlet_count(target.pk) == 1
    assert_kept_counts_are_exact()


def test_counts_follow_a_deleted_story(topic):
    story = complete_story(topic=topic)
    complete_story(topic=topic)
    story.delete()
    assert topic_count(topic.pk) == 1
    assert_kept_counts_are_exact()


def test_a_scheduled_story_counts_from_its_time_with_nothing_to_run(topic):
    soon = timezone.now() + datetime.timedelta(hours=1)
    complete_story(topic=topic, published_at=soon)
    assert topic_count(topic.pk) == 0
    assert_kept_counts_are_exact()
    later = soon + datetime.timedelta(minutes=1)
    assert topic_count(topic.pk, at=later) == 1
    outlets_then = Outlet.objects.counted(scheduled=scheduled_by_outlet(at=later))
    assert all(outlet.story_count == 1 for outlet in outlets_then)


def test_an_imported_story_is_counted(editor):
    result = import_package(package_data(), by=editor)
    assert topic_count(result.story.topic_id) == 1
    assert_kept_counts_are_exact()
    import_package(package_data(status="draft", published_at=None), by=editor)
    assert_kept_counts_are_exact()


def test_a_recount_from_scratch_agrees_with_the_kept_counts(topic):
    for _ in range(3):
        complete_story(topic=topic, size=3)
    complete_story(topic=topic, draft=True)
    before = kept()
    Topic.objects.update(published_story_count=0)
    Outlet.objects.update(published_story_count=0)
    Story.objects.update(source_count=0)
    recount_all()
    assert kept() == before == counted_from_rows()
