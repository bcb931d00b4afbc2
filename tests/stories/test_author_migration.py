"""Bylines written as text become authors, and the text stays where it was."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("stories", "0022_author_and_story_authors")]
AFTER = [("stories", "0023_authors_from_bylines")]


@pytest.fixture
def migrator():
    yield MigrationExecutor(connection)
    latest = MigrationExecutor(connection)
    latest.migrate(latest.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_each_name_in_a_byline_becomes_one_author_linked_in_order(migrator):
    executor = migrator
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Topic, Story = old.get_model("stories", "Topic"), old.get_model("stories", "Story")
    topic = Topic.objects.create(name="Energy", slug="energy")
    bylines = {
        "solo": "Mara Okafor",
        "again": "Mara Okafor",
        "trio": "Hana Villiers, Mara Okafor and Tomas  Reyland",
        "desk": "Factlen Editorial Team",
        "empty": "",
    }
    for slug, byline in bylines.items():
        Story.objects.create(
            slug=slug, title=slug, dek="d", label="l", topic=topic, byline=byline,
            published_at=timezone.now(), status="published",
        )  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Story = new.get_model("stories", "Story")
    Author = new.get_model("stories", "Author")
    StoryAuthor = new.get_model("stories", "StoryAuthor")

    def named(slug):
        rows = StoryAuthor.objects.filter(story__slug=slug).order_by("position")
        return [(row.author.name, row.author.kind) for row in rows]

    assert named("solo") == named("again") == [("Mara Okafor", "person")]
    assert named("trio") == [
        ("Hana Villiers", "person"), ("Mara Okafor", "person"), ("Tomas Reyland", "person"),
    ]  # fmt: skip
    assert named("desk") == [("Factlen Editorial Team", "desk")]
    assert named("empty") == []
    assert Author.objects.count() == 4  # one per distinct name
    assert Author.objects.get(name="Mara Okafor").slug == "mara-okafor"
    # The text is kept: nothing is dropped in the migration that moves it.
    assert dict(Story.objects.values_list("slug", "byline")) == bylines


@pytest.mark.django_db(transaction=True)
def test_the_byline_migration_goes_back_leaving_the_text(migrator):
    executor = migrator
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Topic, Story = new.get_model("stories", "Topic"), new.get_model("stories", "Story")
    topic = Topic.objects.create(name="Energy", slug="energy")
    Story.objects.create(slug="s", title="s", dek="d", label="l", topic=topic, byline="Mara")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    assert old.get_model("stories", "Story").objects.get(slug="s").byline == "Mara"
    assert not old.get_model("stories", "Author").objects.exists()
