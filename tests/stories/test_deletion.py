"""Deleting a story takes everything that belongs to it, and is quick."""

import pytest
from django.contrib.contenttypes.models import ContentType
from reversion.models import Revision, Version
from taggit.models import TaggedItem

from sources.models import Outlet, Source
from stories.deletion import delete_stories
from stories.models import Citation, PreviewLink, Story, Topic, Transition, Viewpoint
from stories.packages import import_package

from ..factories import package_data

pytestmark = pytest.mark.django_db


def imported(slug="harbour-wind-lease", **changes):
    story = import_package(package_data(slug=slug, **changes)).story
    import_package(package_data(slug=slug, title="A second revision", **changes))
    return Story.objects.get(pk=story.pk)


def revisions_of(story_id):
    versions = Version.objects.filter(
        content_type=ContentType.objects.get_for_model(Story), object_id=str(story_id)
    )
    return Revision.objects.filter(pk__in=versions.values("revision"))


@pytest.mark.parametrize(
    "delete",
    [
        lambda story: delete_stories(Story.objects.filter(pk=story.pk)),
        lambda story: story.delete(),  # the cascade, as from a shell
    ],
    ids=["delete_stories", "Model.delete"],
)
def test_deleting_a_story_deletes_its_revisions_rows_links_and_history(delete):
    story = imported()
    PreviewLink.objects.create(story=story)
    revisions = list(revisions_of(story.pk).values_list("pk", flat=True))
    assert len(revisions) == 2
    delete(story)
    assert not Revision.objects.filter(pk__in=revisions).exists()
    assert not Version.objects.filter(revision__in=revisions).exists()
    assert not Viewpoint.objects.exists() and not Citation.objects.exists()
    assert not Transition.objects.exists() and not PreviewLink.objects.exists()
    assert not TaggedItem.objects.exists()
    assert Source.objects.count() == 2  # shared with other stories: kept


def test_deleting_a_story_keeps_other_stories_and_their_revisions():
    gone, kept = imported("gone"), imported("kept")
    delete_stories(Story.objects.filter(pk=gone.pk))
    assert list(Story.objects.all()) == [kept]
    assert revisions_of(kept.pk).count() == 2
    assert kept.viewpoints.count() == 2 and kept.citations.count() == 2


def test_deleting_a_story_recounts_its_topic_and_outlets():
    story = imported()
    outlet = Outlet.objects.get(name="Tidewater Courier")
    assert outlet.published_story_count == 1
    delete_stories(Story.objects.filter(pk=story.pk))
    assert Topic.objects.get(slug="energy").published_story_count == 0
    outlet.refresh_from_db()
    assert outlet.published_story_count == 0


def test_deleting_in_the_admin_goes_through_the_quick_path(client, django_user_model):
    story = imported()
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "x" * 12)
    client.force_login(admin)
    response = client.post(f"/admin/stories/story/{story.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Story.objects.exists() and not revisions_of(story.pk).exists()


def test_deleting_a_story_takes_as_many_queries_whatever_it_holds(django_assert_max_num_queries):
    small = imported("small")
    many = [{**package_data()["viewpoints"][0], "label": f"V{i}"} for i in range(12)]
    big = imported("big", viewpoints=many)
    with django_assert_max_num_queries(40) as small_queries:
        delete_stories(Story.objects.filter(pk=small.pk))
    with django_assert_max_num_queries(40) as big_queries:
        delete_stories(Story.objects.filter(pk=big.pk))
    assert len(big_queries) == len(small_queries)
