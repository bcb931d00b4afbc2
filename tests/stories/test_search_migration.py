"""Migration 0027 builds every story's search vector again, authors' names included."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("stories", "0026_correction_newest")]
AFTER = [("stories", "0027_search_author_names")]


@pytest.mark.django_db(transaction=True)
def test_existing_stories_are_found_by_their_authors_names_after_the_migration():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps no search vectors")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        Topic, Story = old.get_model("stories", "Topic"), old.get_model("stories", "Story")
        Author, StoryAuthor = (
            old.get_model("stories", "Author"),
            old.get_model("stories", "StoryAuthor"),
        )
        story = Story.objects.create(
            slug="fares", title="Ferry fares", dek="d", label="l", published_at=timezone.now(),
            topic=Topic.objects.create(name="Transit", slug="transit"), status="published",
        )  # fmt: skip
        author = Author.objects.create(name="Ines Marwood", slug="ines-marwood")
        StoryAuthor.objects.create(story=story, author=author, position=0)

        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(AFTER)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT search_vector @@ to_tsquery('english', 'marwood') FROM stories_story"
            )
            assert cursor.fetchall() == [(True,)]
    finally:
        latest = MigrationExecutor(connection)
        latest.migrate(latest.loader.graph.leaf_nodes())
